#!/usr/bin/env bash
# Promotes the shop image digest from one environment to the next by editing one line:
# the `digest:` of config/environments/<TO>/kustomization.yaml becomes the one in <FROM>'s.
#   build/promote.sh FROM TO [--force]      e.g. build/promote.sh stage prod
# Only dev -> stage and stage -> prod are allowed without --force (build once, promote the same bytes).
# Nothing is committed or pushed: review the printed diff and open a pull request.
# Exit codes: 0 promoted (or already equal), 2 bad usage or bad input.
set -euo pipefail
cd "$(dirname "$0")/.."

ENV_DIR="${PROMOTE_ENV_DIR:-config/environments}"
usage() { echo "usage: build/promote.sh FROM TO [--force]   (environments: dev, stage, prod)" >&2; exit 2; }

force=false
args=()
for a in "$@"; do
  case "$a" in
    --force) force=true ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "promote.sh: unknown option '$a'" >&2; usage ;;
    *) args+=("$a") ;;
  esac
done
[ ${#args[@]} -eq 2 ] || usage
from="${args[0]}"
to="${args[1]}"

for e in "$from" "$to"; do
  case "$e" in
    dev|stage|prod) ;;
    *) echo "promote.sh: unknown environment '$e' (dev, stage or prod)" >&2; exit 2 ;;
  esac
done
if [ "$from" = "$to" ]; then
  echo "promote.sh: FROM and TO are both '$from'; nothing to promote" >&2
  exit 2
fi
if [ "$from-$to" != dev-stage ] && [ "$from-$to" != stage-prod ] && [ "$force" != true ]; then
  echo "promote.sh: $from -> $to skips or reverses the path dev -> stage -> prod; add --force if you mean it" >&2
  exit 2
fi

from_file="$ENV_DIR/$from/kustomization.yaml"
to_file="$ENV_DIR/$to/kustomization.yaml"
for f in "$from_file" "$to_file"; do
  [ -f "$f" ] || { echo "promote.sh: $f not found" >&2; exit 2; }
done

# The one digest line of a file: exactly one, or the layout is not what this script understands.
digest_of() {
  local file="$1" lines
  lines="$(grep -cE '^[[:space:]]*digest:' "$file" || true)"
  if [ "$lines" != 1 ]; then
    echo "promote.sh: $file must have exactly one 'digest:' line, found $lines" >&2
    return 2
  fi
  sed -nE 's/^[[:space:]]*digest:[[:space:]]*"?([^"#[:space:]]*)"?.*$/\1/p' "$file"
}

digest="$(digest_of "$from_file")" || exit 2
current="$(digest_of "$to_file")" || exit 2
if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "promote.sh: $from_file has digest '$digest', not sha256:<64 lowercase hex>; refusing to promote it" >&2
  exit 2
fi
if [ "$digest" = "$current" ]; then
  echo "promote.sh: $to already runs $digest; nothing changed"
  exit 0
fi

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
sed -E "s|^([[:space:]]*digest:[[:space:]]*)\"?[^\"#[:space:]]*\"?|\1$digest|" "$to_file" > "$tmp"
echo "promote.sh: $from -> $to: $digest"
diff -u --label "a/$to_file" --label "b/$to_file" "$to_file" "$tmp" || true
cat "$tmp" > "$to_file"
