#!/usr/bin/env bash
# Builds both images with BuildKit, tagged with the git commit (never "latest", never a CI run number).
#   build/images.sh                      build shop and shop-operator, load them into the local engine
#   build/images.sh --push               build and push to $REGISTRY, print each pushed digest
#   build/images.sh --resolve-digests    re-pin the Dockerfiles' base images to the registry's current digests
# REGISTRY defaults to ghcr.io/example. Exit codes: 0 ok, 1 build failed, 2 no Docker engine / bad usage.
# Behind mirrors (docs/air-gapped.md): BASE_REGISTRY (base images, digests kept), NUGET_SOURCE (a NuGet feed URL
# without credentials), NUGET_CONFIG (path to a NuGet.Config with credentials, passed as a BuildKit secret).
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY="${REGISTRY:-ghcr.io/example}"
mode=load
case "${1:-}" in
  "") ;;
  --push) mode=push ;;
  --resolve-digests) mode=resolve ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "images.sh: unknown argument '$1' (use --push, --resolve-digests or nothing)" >&2; exit 2 ;;
esac

if ! command -v docker >/dev/null 2>&1; then
  echo "images.sh: no 'docker' command here. Building images needs a Docker engine with BuildKit (buildx);" >&2
  echo "           CI builds them (.github/workflows/ci.yml, job 'images'). Nothing was built." >&2
  exit 2
fi

if [ "$mode" = resolve ]; then
  # imagetools talks to the registry only: no engine needed.
  # Re-resolve each pinned base image tag to the digest the registry serves now, in place.
  for dockerfile in Dockerfile.shop Dockerfile.operator; do
    base_default="$(sed -nE 's/^ARG BASE_REGISTRY=([^[:space:]]+).*/\1/p' "$dockerfile" | head -n1)"
    for ref in $(grep -oE '^FROM [^ ]+' "$dockerfile" | awk '{print $2}' | grep / | sort -u); do
      tag="${ref%@sha256:*}"
      # Resolved at the registry the digest comes from (or $BASE_REGISTRY's mirror); the FROM line keeps ${BASE_REGISTRY}.
      digest="$(docker buildx imagetools inspect "${tag//\$\{BASE_REGISTRY\}/${BASE_REGISTRY:-$base_default}}" --format '{{json .Manifest}}' | sed -nE 's/.*"digest":"(sha256:[0-9a-f]{64})".*/\1/p' | head -n1)"
      [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "images.sh: could not resolve $tag" >&2; exit 1; }
      sed -i "s|$ref|$tag@$digest|g" "$dockerfile"
      echo "$dockerfile: $tag@$digest"
    done
  done
  exit 0
fi

if ! docker info >/dev/null 2>&1; then
  echo "images.sh: no Docker engine answers (docker info failed). Start one or set DOCKER_HOST;" >&2
  echo "           CI builds the images (.github/workflows/ci.yml, job 'images'). Nothing was built." >&2
  exit 2
fi

revision="$(git rev-parse HEAD)"
tag="$revision"
if [ -n "$(git status --porcelain -- Dockerfile.shop Dockerfile.operator shop operator global.json Directory.Build.props Directory.Packages.props)" ]; then
  # A build of uncommitted changes must never carry a commit's name.
  tag="$revision-dirty"
  echo "images.sh: uncommitted changes under shop/ or operator/: tagging $tag" >&2
fi
version="${VERSION:-0.0.0-$(git rev-parse --short=12 HEAD)}"
created="$(git log -1 --format=%cI)"
source_url="${SOURCE_URL:-https://github.com/example/shop-operator}"

status=0
for image in shop shop-operator; do
  dockerfile=Dockerfile.shop
  [ "$image" = shop-operator ] && dockerfile=Dockerfile.operator
  ref="$REGISTRY/$image:$tag"
  args=(buildx build --file "$dockerfile" --tag "$ref"
        --build-arg "REVISION=$revision" --build-arg "VERSION=$version"
        --build-arg "CREATED=$created" --build-arg "SOURCE=$source_url")
  if [ -n "${BASE_REGISTRY:-}" ]; then args+=(--build-arg "BASE_REGISTRY=$BASE_REGISTRY"); fi
  if [ -n "${NUGET_SOURCE:-}" ]; then args+=(--build-arg "NUGET_SOURCE=$NUGET_SOURCE"); fi
  if [ -n "${NUGET_CONFIG:-}" ]; then args+=(--secret "id=nuget_config,src=$NUGET_CONFIG"); fi
  if [ "$mode" = push ]; then
    metadata="$(mktemp)"
    args+=(--push --sbom=true --provenance=mode=max --metadata-file "$metadata")
  else
    args+=(--load)
  fi
  echo "== $ref"
  if ! DOCKER_BUILDKIT=1 docker "${args[@]}" .; then
    echo "images.sh: building $image failed" >&2
    status=1
    continue
  fi
  if [ "$mode" = push ]; then
    digest="$(sed -nE 's/.*"containerimage.digest": *"(sha256:[0-9a-f]{64})".*/\1/p' "$metadata" | head -n1)"
    rm -f "$metadata"
    echo "$image digest: $REGISTRY/$image@$digest"
  fi
done
exit $status
