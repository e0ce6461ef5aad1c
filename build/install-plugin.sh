#!/usr/bin/env bash
# Installs shop-operator as the kubectl plugin `kubectl shop` (kubectl finds executables named kubectl-* on PATH):
#   kubectl shop diagnose NAME -n NAMESPACE      is      shop-operator diagnose NAME -n NAMESPACE
# PREFIX defaults to ~/.local: the program goes to $PREFIX/lib/shop-operator, the plugin to $PREFIX/bin/kubectl-shop.
# VERSION and REVISION (default: the checkout's commit) go into `kubectl shop --version`.
# Needs the .NET 10 runtime (the `dotnet` command) where the plugin runs; build/package-plugin.sh makes the
# release archive of the same tree.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${PREFIX:-$HOME/.local}"
lib="$prefix/lib/shop-operator"
bin="$prefix/bin"
version="${VERSION:-0.0.0-dev}"
revision="${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
mkdir -p "$lib" "$bin"
dotnet publish operator/ShopOperator/ShopOperator.csproj -c Release -nologo -v q -clp:ErrorsOnly \
  -p:UseAppHost=false -p:DebugType=none -p:Version="$version" -p:SourceRevisionId="$revision" -o "$lib"
# A script rather than a link, so kubectl's plugin name is all it needs; it finds the program relative to
# itself, so the installed tree (or the release archive) can move.
cat > "$bin/kubectl-shop" <<'SCRIPT'
#!/bin/sh
# kubectl plugin for ShopInstances: kubectl shop diagnose NAME -n NAMESPACE (make install-plugin, or the release archive)
here="$(dirname "$(readlink -f "$0")")"
exec dotnet "$here/../lib/shop-operator/shop-operator.dll" "$@"
SCRIPT
chmod 0755 "$bin/kubectl-shop"
echo "installed $bin/kubectl-shop"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "add $bin to PATH so kubectl finds it: export PATH=\"$bin:\$PATH\"" ;;
esac
