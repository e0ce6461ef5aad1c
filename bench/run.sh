#!/usr/bin/env bash
# make bench: repeatable wrk benchmarks of the local stack (the one `make run` starts), written to
# docs/benchmarks.md. Every run is bounded (BENCH_DURATION) and repeated (BENCH_RUNS); the median counts.
#   BENCH_DURATION=10s BENCH_RUNS=3 BENCH_CONNECTIONS=32 BENCH_THREADS=2
# The stack runs in .dev/bench (own PostgreSQL cluster and ports), so it does not touch `make run` data.
# nginx runs with the /api rate limit raised out of the way (SHOP_API_RATE): wrk is one client address
# and would otherwise measure 429s; the limit_req module still runs on every /api request.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${BENCH_DURATION:-10s}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
STATE=${BENCH_STATE_DIR:-$ROOT/.dev/bench}
OUT=${BENCH_OUTPUT:-$ROOT/docs/benchmarks.md}
export SHOP_DEV_DIR=$STATE SHOP_API_RATE=1000000 SHOP_API_BURST=100000
RESULTS=$STATE/results
mkdir -p "$STATE" "$RESULTS"
rm -f "$RESULTS"/*

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
BENCH_NAME=bench
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
# Free ports, so it runs beside `make run` and another bench.
export PORT=${BENCH_PORT:-$(free_port)} API_PORT=$(free_port) WEB_PORT=$(free_port) PG_PORT=$(free_port)
export API_METRICS_PORT=$(free_port) WEB_METRICS_PORT=$(free_port)
NGINX=http://127.0.0.1:$PORT
API=http://127.0.0.1:$API_PORT
WEB=http://127.0.0.1:$WEB_PORT

start_stack true
PRODUCT_ID=$(curl -fsS "$API/api/products?page=1&pageSize=1" | sed -E 's/.*"id":([0-9]+).*/\1/;t;d' | head -n1)
[[ -n "$PRODUCT_ID" ]] || { log "could not find a product id"; exit 1; }
LIST_PATH="/api/products?page=1&pageSize=12"

# 1. Read paths, nginx vs straight to the tier, interleaved so machine noise hits both alike.
for u in "$NGINX$LIST_PATH" "$API$LIST_PATH" "$NGINX/products/$PRODUCT_ID" "$WEB/products/$PRODUCT_ID" "$NGINX/" "$WEB/"; do warm "$u"; done
for ((i = 1; i <= RUNS; i++)); do
  wrk_run list_nginx "$NGINX$LIST_PATH"
  wrk_run list_api "$API$LIST_PATH"
  wrk_run page_nginx "$NGINX/products/$PRODUCT_ID"
  wrk_run page_web "$WEB/products/$PRODUCT_ID"
  wrk_run home_nginx "$NGINX/"
  wrk_run home_web "$WEB/"
done

# 2. Page weight of the home page before images: HTML plus its stylesheets and scripts.
home_html=$(curl -fsS "$NGINX/")
html_bytes=$(printf '%s' "$home_html" | wc -c)
html_gzip=$(curl -fsS -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$NGINX/")
asset_bytes=0
asset_gzip=0
asset_list=""
for a in $(grep -oE '(href|src)="/[^"]+\.(css|js)"' <<<"$home_html" | sed -E 's/^[a-z]+="//; s/"$//' | sort -u); do
  asset_bytes=$((asset_bytes + $(curl -fsS -o /dev/null -w '%{size_download}' "$NGINX$a")))
  asset_gzip=$((asset_gzip + $(curl -fsS -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$NGINX$a")))
  asset_list="$asset_list $a"
done

# 3. Checkout throughput: shoppers spread over the whole catalog (as real traffic is), stock far above what a
#    run can sell, then every unit accounted for. Then one hot product, whose row lock serialises its buyers.
ALL_IDS=$(psql_shop "SELECT string_agg(id::text, ',' ORDER BY id) FROM products")
psql_shop "UPDATE products SET stock = 10000000"
sold_before=$(psql_shop "SELECT coalesce(sum(quantity), 0) FROM order_lines")
stock_before=$(psql_shop "SELECT sum(stock) FROM products")
for ((i = 1; i <= RUNS; i++)); do
  BENCH_PRODUCT_IDS=$ALL_IDS wrk_run checkout_api "$API" -s "$ROOT/bench/checkout.lua"
  orders_per_s checkout_api >>"$RESULTS/checkout_orders"
done
sold_after=$(psql_shop "SELECT coalesce(sum(quantity), 0) FROM order_lines")
stock_after=$(psql_shop "SELECT sum(stock) FROM products")
placed_total=$(grep '^ORDERS' "$RESULTS/checkout_api.raw" | sed -E 's/.*placed=([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
units_sold=$((sold_after - sold_before))
stock_consistent=$([[ $((stock_before - units_sold)) -eq $stock_after ]] && echo yes || echo NO)
BENCH_PRODUCT_IDS=$PRODUCT_ID wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$ROOT/bench/checkout.lua" "$API" >"$RESULTS/hot.raw"
hot_orders=$(grep '^ORDERS' "$RESULTS/hot.raw" | sed -E 's/.*orders_per_s=([0-9.]+).*/\1/')
psql_shop "UPDATE products SET stock = 1000"

# Contention: far more buyers than units. Exactly the stock is sold, never more.
LIMITED_STOCK=200
psql_shop "UPDATE products SET stock = $LIMITED_STOCK WHERE id = $PRODUCT_ID"
sold_before=$(psql_shop "SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE product_id = $PRODUCT_ID")
BENCH_PRODUCT_IDS=$PRODUCT_ID wrk -t"$THREADS" -c"$CONNS" -d5s -s "$ROOT/bench/checkout.lua" "$API" >"$RESULTS/contention.raw"
sold_contention=$(($(psql_shop "SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE product_id = $PRODUCT_ID") - sold_before))
stock_contention=$(psql_shop "SELECT stock FROM products WHERE id = $PRODUCT_ID")
oversold=$((sold_contention > LIMITED_STOCK ? sold_contention - LIMITED_STOCK : 0))
contention_line=$(grep '^ORDERS' "$RESULTS/contention.raw")
psql_shop "UPDATE products SET stock = 1000 WHERE id = $PRODUCT_ID"
stop_stack

# 4. Metrics middleware cost: the same api request with metrics on and off, alternating stacks.
for ((i = 1; i <= RUNS; i++)); do
  for m in true false; do
    start_stack "$m"
    warm "$API$LIST_PATH" 10s # a fresh process: JIT tiers and pools need longer than 3 s
    wrk_run "metrics_$m" "$API$LIST_PATH"
    stop_stack
  done
done

# 5. The report.
ln=$(median "$RESULTS/list_nginx" 1); la=$(median "$RESULTS/list_api" 1)
ratio=$(awk -v a="$ln" -v b="$la" 'BEGIN {printf "%.0f", 100 * a / b}')
mon=$(median "$RESULTS/metrics_true" 1); moff=$(median "$RESULTS/metrics_false" 1)
mcost=$(awk -v a="$mon" -v b="$moff" 'BEGIN {printf "%.1f", 100 * (b - a) / b}')
row() { # label file
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$(median "$RESULTS/$2" 1)" "$(median "$RESULTS/$2" 2)" "$(allvals "$RESULTS/$2" 1)" "$(awk '{s+=$3} END {print s+0}' "$RESULTS/$2")"
}
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
section=$(mktemp)
{
  echo "## The shop through nginx, and checkouts (issue 12)"
  echo
  echo "Generated by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`."
  echo "Machine: $(nproc) cores ($cpu), shared with other work while running, so numbers are noisy; each"
  echo "figure is the median of $RUNS runs of ${DURATION}, wrk ${THREADS} threads, ${CONNS} connections, \`--latency\`."
  echo
  echo "### Method"
  echo
  echo "- The stack of \`make run\` (shop/run-local.sh): PostgreSQL 15, \`Shop.dll api\`, \`Shop.dll web\` (one Release publish),"
  echo "  nginx from shop/nginx/nginx.conf.template, all on 127.0.0.1, started in \`.dev/bench\` with its own database."
  echo "- \"nginx\" rows go through the reverse proxy; \"direct\" rows hit the tier's own port. Runs of a pair are"
  echo "  interleaved. The /api rate limit is raised for the benchmark (wrk is a single client address); the"
  echo "  limit_req module still evaluates every /api request."
  echo "- Warm-up: 3 s of the same request before the measured runs (10 s after each restart in the metrics runs)."
  echo "- Checkout: bench/checkout.lua makes each order a new shopper (add to cart without a cookie, then"
  echo "  \`POST /api/orders\` with the new cart cookie and a unique \`Idempotency-Key\`); orders/s counts only"
  echo "  orders the api confirmed. Each shopper buys one unit of a product picked at random from the whole catalog,"
  echo "  as real traffic spreads; stock is set to 10,000,000 first, then units sold are checked in the database."
  echo "  One more run sends every shopper to the same product (a sale on one item): its row lock serialises them."
  echo "- Oversell check: stock set to $LIMITED_STOCK, then 5 s of the same load with $CONNS connections."
  echo "- Metrics cost: the api started with \`SHOP_METRICS_ENABLED=true\` and \`false\` alternately, $RUNS times each."
  echo
  echo "### Results"
  echo
  echo "| request | req/s (median) | p99 ms (median) | req/s of each run | non-2xx |"
  echo "|---|---|---|---|---|"
  row "product list \`GET $LIST_PATH\` via nginx" list_nginx
  row "product list, direct to api" list_api
  row "product page \`GET /products/$PRODUCT_ID\` via nginx" page_nginx
  row "product page, direct to web" page_web
  row "home page \`GET /\` via nginx" home_nginx
  row "home page, direct to web" home_web
  row "checkout (cart + order requests), direct to api" checkout_api
  echo
  echo "- Product list via nginx: **${ratio}%** of direct-to-api throughput (target ≥ 70%); p99 via nginx"
  echo "  **$(median "$RESULTS/list_nginx" 2) ms** at $CONNS connections (target < 50 ms)."
  echo "- Checkouts: **$(sort -g "$RESULTS/checkout_orders" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') orders/s** median"
  echo "  (each run: $(paste -sd' ' "$RESULTS/checkout_orders" | sed 's/ / \/ /g')); target ≥ 1,000 (issue #12). $placed_total orders placed,"
  echo "  $units_sold units left stock (stock bookkeeping consistent: $stock_consistent)."
  echo "- One hot product (every shopper buys the same item): **$hot_orders orders/s** (one run)."
  echo "- Oversell under contention: stock $LIMITED_STOCK, units sold $sold_contention, stock after $stock_contention,"
  echo "  **oversold units: $oversold**. wrk: \`$contention_line\`."
  echo "- Metrics middleware: api product list $mon req/s with metrics, $moff without (medians; runs:"
  echo "  $(allvals "$RESULTS/metrics_true" 1) vs $(allvals "$RESULTS/metrics_false" 1)): cost **${mcost}%**."
  echo
  echo "### Page weight"
  echo
  echo "Home page (\`GET /\`) before images: HTML $html_bytes bytes + CSS/JS $asset_bytes bytes ($asset_list )"
  echo "= **$((html_bytes + asset_bytes)) bytes** uncompressed; $((html_gzip + asset_gzip)) bytes as sent with gzip. Budget: 100 KB."
} >"$section"
write_section shop-bench "$section"
rm -f "$section"
log "wrote the shop section of $OUT"
