#!/usr/bin/env bash
# Installs shop-operator as the kubectl plugin `kubectl shop` (kubectl finds executables named kubectl-* on PATH):
#   kubectl shop diagnose NAME -n NAMESPACE      is      shop-operator diagnose NAME -n NAMESPACE
# PREFIX defaults to ~/.local: the program goes to $PREFIX/lib/shop-operator, the plugin to $PREFIX/bin/kubectl-shop.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${PREFIX:-$HOME/.local}"
lib="$prefix/lib/shop-operator"
bin="$prefix/bin"
mkdir -p "$lib" "$bin"
dotnet publish operator/ShopOperator/ShopOperator.csproj -c Release -nologo -v q -clp:ErrorsOnly \
  -p:UseAppHost=false -p:DebugType=none -o "$lib"
# A script rather than a link, so kubectl's plugin name is all it needs and the install can move.
cat > "$bin/kubectl-shop" <<SCRIPT
#!/bin/sh
# kubectl plugin for ShopInstances: kubectl shop diagnose NAME -n NAMESPACE (installed by make install-plugin)
exec dotnet "$lib/shop-operator.dll" "\$@"
SCRIPT
chmod 0755 "$bin/kubectl-shop"
echo "installed $bin/kubectl-shop"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "add $bin to PATH so kubectl finds it: export PATH=\"$bin:\$PATH\"" ;;
esac
