#!/usr/bin/env bash
# Builds and runs the Kubernetes API emulator on 127.0.0.1 and writes .dev/kubeconfig. Ctrl-C stops it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
port="${KUBE_EMULATOR_PORT:-6443}"
mkdir -p "$root/.dev"
cat > "$root/.dev/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: emulator
  cluster:
    server: http://127.0.0.1:${port}
users:
- name: emulator
  user:
    token: emulator
contexts:
- name: emulator
  context: { cluster: emulator, user: emulator, namespace: default }
current-context: emulator
KCFG
echo "kubeconfig: $root/.dev/kubeconfig  (export KUBECONFIG=$root/.dev/kubeconfig)"
dotnet build "$root/tests/KubeEmulator/KubeEmulator.csproj" -c Debug -v q -nologo
KUBE_EMULATOR_PORT="$port" exec dotnet "$root/tests/KubeEmulator/bin/Debug/net10.0/KubeEmulator.dll"
