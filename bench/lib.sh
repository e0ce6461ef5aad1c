# Shared by the benchmark scripts (sourced, not run): the local stack, wrk runs and their figures, and the
# writing of one marked section of docs/benchmarks.md. The caller sets ROOT, STATE, RESULTS, THREADS, CONNS,
# DURATION and BENCH_NAME (the log prefix) before sourcing it.

log() { printf '[%s] %s\n' "$BENCH_NAME" "$*" >&2; }

# A free loopback port in 20000-40000 (nothing listening there now).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# The stack of `make run` (shop/run-local.sh) in $STATE, on the ports exported by the caller; one publish per
# script run. start_stack [SHOP_METRICS_ENABLED]; stop_stack (also on exit).
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

start_stack() {
  log "starting the stack on 127.0.0.1:$PORT (api $API_PORT, SHOP_METRICS_ENABLED=${1:-true})"
  : >"$STATE/stack.log"
  SHOP_METRICS_ENABLED=${1:-true} SHOP_SKIP_BUILD=${SKIP_BUILD:-0} "$ROOT/shop/run-local.sh" >>"$STATE/stack.log" 2>&1 &
  stack_pid=$!
  SKIP_BUILD=1
  local deadline=$((SECONDS + 300))
  until grep -q "Shop running at" "$STATE/stack.log"; do
    kill -0 "$stack_pid" 2>/dev/null || { cat "$STATE/stack.log" >&2; exit 1; }
    ((SECONDS < deadline)) || { cat "$STATE/stack.log" >&2; exit 1; }
    sleep 0.5
  done
}

psql_shop() {
  PGPASSWORD=$(cat "$STATE/pg-password") "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)/psql" \
    -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shop -tAq -v ON_ERROR_STOP=1 -c "$1"
}

# wrk_run NAME URL [wrk args...]: appends "req/s p99-ms errors" to $RESULTS/NAME (errors = non-2xx responses
# plus socket errors) and wrk's whole output to $RESULTS/NAME.raw.
wrk_run() {
  local name=$1 url=$2
  shift 2
  local out rps p99 non2xx errors
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
  echo "$out" >>"$RESULTS/$name.raw"
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  echo "$rps $p99 $((${non2xx:-0} + ${errors:-0}))" >>"$RESULTS/$name"
  log "$name: $rps req/s, p99 $p99 ms, non-2xx/errors $((${non2xx:-0} + ${errors:-0}))"
}

# warm URL [DURATION]: the same request unmeasured first (JIT, pools, caches).
warm() { wrk -t"$THREADS" -c"$CONNS" -d"${2:-3s}" "$1" >/dev/null; }

# median FILE COLUMN; allvals FILE COLUMN ("a / b / c"); spread FILE (lowest–highest of column 1).
median() { sort -g -k"$2","$2" "$1" | awk -v c="$2" '{a[NR]=$c} END {print a[int((NR+1)/2)]}'; }
allvals() { awk -v c="$2" '{printf "%s%s", sep, $c; sep=" / "}' "$1"; }
spread() { sort -g -k1,1 "$1" | awk '{a[NR]=$1} END {printf "%.0f–%.0f", a[1], a[NR]}'; }

# orders_per_s NAME: the orders/s that bench/checkout.lua printed for the last run of NAME.
orders_per_s() { grep '^ORDERS' "$RESULTS/$1.raw" | tail -n1 | sed -E 's/.*orders_per_s=([0-9.]+).*/\1/'; }

# write_section MARKER FILE: puts FILE between <!-- MARKER:start --> and <!-- MARKER:end --> of $OUT, replacing
# what was there; appends it when the markers are missing. Everything else in $OUT (other scripts' sections,
# notes written by hand) stays.
write_section() {
  local marker=$1 file=$2 body
  body=$(mktemp)
  { echo "<!-- $marker:start -->"; cat "$file"; echo "<!-- $marker:end -->"; } >"$body"
  if [[ -f "$OUT" ]] && grep -q "<!-- $marker:start -->" "$OUT"; then
    awk -v f="$body" -v s="<!-- $marker:start -->" -v e="<!-- $marker:end -->" '
      $0 == s {while ((getline l < f) > 0) print l; skip = 1; next}
      $0 == e {skip = 0; next}
      !skip {print}' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
  else
    { [[ -f "$OUT" ]] && cat "$OUT" && echo; cat "$body"; } >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
  fi
  rm -f "$body"
}
