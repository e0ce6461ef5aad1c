#!/usr/bin/env bash
# The release archive of the kubectl plugin: OUT/kubectl-shop-VERSION.tar.gz (bin/kubectl-shop and
# lib/shop-operator/, as make install-plugin lays them out) and its .sha256. The release job of
# .github/workflows/ci.yml attaches both to the GitHub release of a vX.Y.Z tag.
# Usage: VERSION=1.2.3 build/package-plugin.sh [OUT]   (OUT defaults to dist/)
set -euo pipefail
cd "$(dirname "$0")/.."

version="${VERSION:?set VERSION, e.g. VERSION=1.2.3}"
out="$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

PREFIX="$stage/kubectl-shop-$version" VERSION="$version" ./build/install-plugin.sh >/dev/null
archive="kubectl-shop-$version.tar.gz"
# Reproducible: sorted names, fixed owner and time.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
  -C "$stage" -czf "$out/$archive" "kubectl-shop-$version"
(cd "$out" && sha256sum "$archive" > "$archive.sha256")
echo "$out/$archive"
