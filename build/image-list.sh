#!/usr/bin/env bash
# Prints every container image an install needs, one per line, by digest (registry/repo@sha256:…):
#   - what the rendered install runs: the operator (config/default) and the shop of each environment
#     (config/environments/*: the ShopInstance's spec.image; the operator runs every tier from it);
#   - the base images the Dockerfiles build from (with BASE_REGISTRY's default, or $BASE_REGISTRY when set),
#     needed to rebuild behind a registry mirror.
# Mirror them by digest (docs/air-gapped.md). Needs kubectl (for kustomize). Exit 1 when an image is not
# pinned by digest, 2 when kubectl is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v kubectl >/dev/null 2>&1 || { echo "image-list.sh: kubectl is needed (kubectl kustomize renders the install)" >&2; exit 2; }

images() {
  # Container images and ShopInstance spec.image of every rendered kustomization: any `image:` key.
  for dir in config/default config/environments/*/; do
    [ -f "$dir/kustomization.yaml" ] || continue
    [ "$(basename "$dir")" = base ] && continue
    kubectl kustomize "$dir" | sed -nE 's/^[[:space:]-]*image:[[:space:]]*"?([^"[:space:]]+)"?[[:space:]]*$/\1/p'
  done
  # Base images: FROM lines, with ${BASE_REGISTRY} expanded to the override or the ARG's default.
  for dockerfile in Dockerfile.shop Dockerfile.operator; do
    default="$(sed -nE 's/^ARG BASE_REGISTRY=([^[:space:]]+).*/\1/p' "$dockerfile" | head -n1)"
    registry="${BASE_REGISTRY:-$default}"
    sed -nE 's/^FROM[[:space:]]+(--[^[:space:]]+[[:space:]]+)*([^[:space:]]+).*/\2/p' "$dockerfile" \
      | grep '/' | sed "s|\${BASE_REGISTRY}|$registry|g"
  done
}

list="$(images | sort -u)"
status=0
while IFS= read -r image; do
  [ -n "$image" ] || continue
  if [[ ! "$image" =~ @sha256:[0-9a-f]{64}$ ]]; then
    echo "image-list.sh: $image is not pinned by digest" >&2
    status=1
  fi
  echo "$image"
done <<<"$list"
exit $status
