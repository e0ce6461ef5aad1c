#!/usr/bin/env bash
# The catalog at size (issue 18): the same requests with the demo catalog, 5,000 and 50,000 products, each
# figure as a ratio against GET /api/products/{id} measured in the same round. Writes the section between
# the catalog markers of docs/benchmarks.md (appends it when missing). Part of `make bench`; alone:
# `make bench-catalog`.
#   BENCH_CATALOG_SIZES="demo 5000 50000"  BENCH_CATALOG_DURATION=5s  BENCH_RUNS=3  BENCH_CONNECTIONS=32  BENCH_THREADS=2
# The stack runs in .dev/bench-catalog on free ports (its own PostgreSQL cluster), so it runs beside
# `make run` and another bench. The catalog grows in place: demo, then generated up to each size.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${BENCH_CATALOG_SIZES:-demo 5000 50000}
DURATION=${BENCH_CATALOG_DURATION:-5s}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
STATE=${BENCH_CATALOG_STATE_DIR:-$ROOT/.dev/bench-catalog}
OUT=${BENCH_OUTPUT:-$ROOT/docs/benchmarks.md}
RESULTS=$STATE/results

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
log() { printf '[bench-catalog] %s\n' "$*" >&2; }

# A free loopback port in 20000-40000 (nothing listening there now).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
export PORT=$(free_port) API_PORT=$(free_port) WEB_PORT=$(free_port) PG_PORT=$(free_port)
export API_METRICS_PORT=$(free_port) WEB_METRICS_PORT=$(free_port)
export SHOP_DEV_DIR=$STATE SHOP_API_RATE=1000000 SHOP_API_BURST=100000
NGINX=http://127.0.0.1:$PORT
API=http://127.0.0.1:$API_PORT
mkdir -p "$STATE" "$RESULTS"
rm -rf "$STATE/pg" "$STATE/pg-password"
rm -f "$RESULTS"/*

stack_pid=""
stop_stack() {
  if [[ -n "$stack_pid" ]]; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
    stack_pid=""
  fi
}
trap stop_stack EXIT
trap 'exit 130' INT TERM

log "starting the stack on 127.0.0.1:$PORT (api $API_PORT)"
: >"$STATE/stack.log"
SHOP_SKIP_BUILD=${SKIP_BUILD:-0} "$ROOT/shop/run-local.sh" >>"$STATE/stack.log" 2>&1 &
stack_pid=$!
deadline=$((SECONDS + 300))
until grep -q "Shop running at" "$STATE/stack.log"; do
  kill -0 "$stack_pid" 2>/dev/null || { cat "$STATE/stack.log" >&2; exit 1; }
  ((SECONDS < deadline)) || { cat "$STATE/stack.log" >&2; exit 1; }
  sleep 0.5
done

psql_shop() {
  PGPASSWORD=$(cat "$STATE/pg-password") "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql" \
    -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shop -tAq -v ON_ERROR_STOP=1 -c "$1"
}

# wrk_run file url [wrk args...] -> appends "rps p99ms non2xx" to $RESULTS/file
wrk_run() {
  local file=$1 url=$2
  shift 2
  local out rps p99 non2xx errors
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
  echo "$out" >>"$RESULTS/$file.raw"
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  echo "$rps $p99 $((${non2xx:-0} + ${errors:-0}))" >>"$RESULTS/$file"
  log "$file: $rps req/s, p99 $p99 ms, non-2xx/errors $((${non2xx:-0} + ${errors:-0}))"
}
warm() { wrk -t"$THREADS" -c"$CONNS" -d2s "$1" >/dev/null; }
median() { sort -g -k"$2","$2" "$1" | awk -v c="$2" '{a[NR]=$c} END {print a[int((NR+1)/2)]}'; }
spread() { sort -g -k1,1 "$1" | awk '{a[NR]=$1} END {printf "%.0f–%.0f", a[1], a[NR]}'; }
b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }

for size in $SIZES; do
  if [[ $size != demo ]]; then
    log "growing the catalog to $size products"
    psql_shop "SELECT generate_demo_products($size)" >/dev/null
  fi
  total=$(psql_shop "SELECT sum(product_count) FROM categories")
  # The api caches the category counts for 5 s: wait until it shows this catalog.
  until curl -fsS "$API/api/categories" | grep -o '"productCount":[0-9]*' | cut -d: -f2 | awk -v t="$total" '{s+=$1} END {exit !(s == t)}'; do sleep 0.5; done
  mid_id=$(psql_shop "SELECT id FROM products ORDER BY id OFFSET $((total / 2)) LIMIT 1")
  # A deep page by cursor: the page after the product in the middle of the name order.
  deep=$(psql_shop "SELECT id || '|' || name FROM products ORDER BY name, id OFFSET $((total / 2)) LIMIT 1")
  deep_cursor=$(b64url "n|$((total / 2 / 20 + 1))|${deep%%|*}|${deep#*|}")
  one_q=$([[ $size == demo ]] && echo bergamot || echo "no.%20$((total - 1))")
  declare -A urls=(
    [byid]="$API/api/products/$mid_id"
    [list]="$API/api/products?page=3&pageSize=20"
    [deep]="$API/api/products?pageSize=20&after=$deep_cursor"
    [category]="$API/api/products?category=tea&page=3&pageSize=20"
    [search_many]="$API/api/products?q=reserve"
    [search_one]="$API/api/products?q=$one_q"
    [home]="$NGINX/"
  )
  for k in byid list deep category search_many search_one home; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "${urls[$k]}")
    [[ $code == 200 ]] || { log "$k ${urls[$k]} answered $code"; exit 1; }
    warm "${urls[$k]}"
  done
  # Checkout at this size: shoppers spread over 1,000 products picked evenly over the catalog.
  ids=$(psql_shop "SELECT string_agg(id::text, ',') FROM (SELECT id FROM products WHERE id % greatest(1, $total / 1000) = 0 LIMIT 1000) s")
  psql_shop "UPDATE products SET stock = 10000000 WHERE id IN ($ids)" >/dev/null
  for ((i = 1; i <= RUNS; i++)); do
    for k in byid list deep category search_many search_one home; do
      wrk_run "${size}_$k" "${urls[$k]}"
    done
    BENCH_PRODUCT_IDS=$ids wrk_run "${size}_checkout" "$API" -s "$ROOT/bench/checkout.lua"
    grep '^ORDERS' "$RESULTS/${size}_checkout.raw" | tail -n1 | sed -E 's/.*orders_per_s=([0-9.]+).*/\1/' >>"$RESULTS/${size}_orders"
  done
  echo "$total" >"$RESULTS/${size}_total"
  unset urls
done
stop_stack

# The report: one table per size, ratios of medians against GET /api/products/{id} of the same rounds.
section=$(mktemp)
{
  echo "<!-- catalog-bench:start -->"
  echo "## The catalog at size (issue 18)"
  echo
  echo "Generated by \`bench/catalog.sh\` (\`make bench\`, or \`make bench-catalog\` alone) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
  echo "commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`; $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Method: one stack (make run's script, on free ports), the catalog grown in place from the 28 demo products"
  echo "to each size with \`generate_demo_products\` (the same generator as \`SHOP_DEMO_PRODUCTS\` and the tests)."
  echo "At each size, after 2 s of warm-up per request, $RUNS rounds; a round runs every request below for $DURATION"
  echo "(wrk, $THREADS threads, $CONNS connections, \`--latency\`), one after the other, so machine noise hits a round's"
  echo "figures alike. Each figure is the median of the rounds; ratio = its median req/s over the median of"
  echo "\`GET /api/products/{id}\` (a product in the middle of the catalog). \"runs\" gives the lowest and highest"
  echo "req/s of the rounds (run-to-run spread). Errors = non-2xx responses plus socket errors. The api rate"
  echo "limit is raised out of the way (wrk is one client address). Other work shares this host (see the load"
  echo "average), so absolute numbers move between runs; the ratios are the figures to read."
  echo "Targets: list and category ≥ 0.4×, search ≥ 0.2×, home page through nginx ≥ 0.1×, p99 < 50 ms, 0 errors."
  for size in $SIZES; do
    [[ -f "$RESULTS/${size}_total" ]] || continue
    base=$(median "$RESULTS/${size}_byid" 1)
    echo
    echo "### $(cat "$RESULTS/${size}_total") products ($size)"
    echo
    echo "| request | req/s | ratio | p99 ms | runs req/s | errors | target |"
    echo "|---|---|---|---|---|---|---|"
    row() { # key label target
      local f="$RESULTS/${size}_$1"
      printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$(median "$f" 1)" \
        "$(awk -v a="$(median "$f" 1)" -v b="$base" 'BEGIN {printf "%.2f×", a / b}')" \
        "$(median "$f" 2)" "$(spread "$f")" "$(awk '{s+=$3} END {print s+0}' "$f")" "$3"
    }
    row byid "\`GET /api/products/{id}\` (baseline)" "—"
    row list "list \`?page=3&pageSize=20\`" "≥ 0.4×"
    row deep "list, a page in the middle by cursor (\`?after=\`)" "≥ 0.4×"
    row category "category \`?category=tea&page=3&pageSize=20\`" "≥ 0.4×"
    row search_many "search matching many \`?q=reserve\`" "≥ 0.2×"
    row search_one "search matching one (\`q=no. N\`; demo: \`bergamot\`)" "≥ 0.2×"
    row home "home page \`GET /\` through nginx" "≥ 0.1×"
    echo
    echo "Checkout at this size (bench/checkout.lua, shoppers spread over 1,000 products across the catalog, cart + order"
    echo "requests direct to the api): $(sort -g "$RESULTS/${size}_orders" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') orders/s median (runs: $(paste -sd' ' "$RESULTS/${size}_orders" | sed 's/ / \/ /g')), errors $(awk '{s+=$3} END {print s+0}' "$RESULTS/${size}_checkout")."
  done
  echo "<!-- catalog-bench:end -->"
} >"$section"

if [[ -f "$OUT" ]] && grep -q '<!-- catalog-bench:start -->' "$OUT"; then
  awk -v f="$section" '
    /<!-- catalog-bench:start -->/ {while ((getline l < f) > 0) print l; skip = 1; next}
    /<!-- catalog-bench:end -->/ {skip = 0; next}
    !skip {print}' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
else
  { [[ -f "$OUT" ]] && cat "$OUT" && echo; cat "$section"; } >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
fi
rm -f "$section"
log "wrote the catalog section of $OUT"
