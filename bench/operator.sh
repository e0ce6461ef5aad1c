#!/usr/bin/env bash
# The operator at scale (issue 14): N minimal ShopInstances on the Kubernetes API emulator, and what the operator
# costs for them. Writes the section between the operator-bench markers of docs/benchmarks.md (appends it when
# missing). `make bench-operator`.
#   BENCH_OPERATOR_SIZES="200 1000 5000"   shops per measurement
#   BENCH_OPERATOR_RUNS=2                  runs of each size below 5,000 (BENCH_OPERATOR_LARGE_RUNS=1 from 5,000 on)
#   BENCH_OPERATOR_RESYNC=30               OPERATOR_RESYNC_PERIOD of the operator under test, in seconds
#   BENCH_OPERATOR_NAMESPACES=5  BENCH_OPERATOR_CONCURRENCY=16 (create requests in flight)
#   SKIP_BUILD=1                           use the Release builds as they are
#   BENCH_OPERATOR_DLL=path                the operator to measure (default: this tree's Release build), for A/B runs
#   BENCH_OUTPUT=path                      where the report goes (default docs/benchmarks.md)
# Each run starts a fresh emulator (Release build, pods simulated as by default) and operator, both on free ports
# of 127.0.0.1, and stops them at its end; every wait has a deadline. DOTNET_* variables of the caller (e.g.
# DOTNET_GCConserveMemory) reach the operator and are named in the report.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${BENCH_OPERATOR_SIZES:-200 1000 5000}
RUNS=${BENCH_OPERATOR_RUNS:-2}
LARGE_RUNS=${BENCH_OPERATOR_LARGE_RUNS:-1}
RESYNC=${BENCH_OPERATOR_RESYNC:-30}
NAMESPACES=${BENCH_OPERATOR_NAMESPACES:-5}
CONCURRENCY=${BENCH_OPERATOR_CONCURRENCY:-16}
# Memory is read this many seconds after the queue was found quiet (empty, no worker busy, twice 1 s apart): the
# operator compacts its heap once its queue has been empty for 2 s (IdleHeapCompactor), and the figure is meant to
# be the settled process's.
SETTLE=3
STATE=${BENCH_OPERATOR_STATE_DIR:-$ROOT/.dev/bench-operator}
OUT=${BENCH_OUTPUT:-$ROOT/docs/benchmarks.md}
RESULTS=$STATE/results.jsonl
EMULATOR_DLL=$ROOT/tests/KubeEmulator/bin/Release/net10.0/KubeEmulator.dll
OPERATOR_DLL=${BENCH_OPERATOR_DLL:-$ROOT/operator/ShopOperator/bin/Release/net10.0/shop-operator.dll}
HELPER=$ROOT/bench/operator_shops.py

BENCH_NAME=bench-operator
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh" # log and free_port (its stack helpers are not used here; stop_all below is the EXIT trap)
fail() { log "$*"; exit 1; }
for tool in curl jq kubectl python3; do command -v "$tool" >/dev/null || fail "$tool is required"; done
[[ "$RESYNC" =~ ^[0-9]+$ ]] && ((RESYNC >= 10)) || fail "BENCH_OPERATOR_RESYNC must be whole seconds, at least 10"

emulator_pid="" operator_pid=""
stop_pid() { # pid: SIGTERM, then SIGKILL after 15 s
  local pid=$1 i
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_operator() { stop_pid "$operator_pid"; operator_pid=""; }
stop_all() { stop_operator; stop_pid "$emulator_pid"; emulator_pid=""; }
trap stop_all EXIT
trap 'exit 130' INT TERM

# until_true seconds what command...: runs the command every 0.2 s until it succeeds; fails the bench at the deadline.
until_true() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || fail "no $what within $limit s"
    sleep 0.2
  done
}

# Counters from a Prometheus text page: sum of the series of one metric whose labels match a regex.
metric_sum() { # text metric label_regex
  awk -v m="$2" -v re="$3" '
    $1 !~ /^#/ { name = $1; sub(/\{.*/, "", name); if (name == m && $1 ~ re) s += $NF }
    END { printf "%.0f\n", s }' <<<"$1"
}
emulator_metrics() { curl -fsS --max-time 10 "$EMULATOR/metrics"; }
operator_metrics() { curl -fsS --max-time 10 "$OPERATOR/metrics"; }
emulator_writes() { metric_sum "$1" apiserver_request_total 'verb="(create|update|patch|delete|deletecollection)"'; }
emulator_requests() { metric_sum "$1" apiserver_request_total '.'; }
# Requests between two snapshots by verb and resource ("patch secrets 20, update networkpolicies/status 3"), largest
# first; writes only unless a verb regex is given.
writes_by() { # before after [verb_regex]
  awk -v verbs="verb=\"(${3:-create|update|patch|delete|deletecollection})\"" '
    $1 ~ /^apiserver_request_total\{/ && $1 ~ verbs {
      match($1, /verb="[a-z]+"/); v = substr($1, RSTART + 6, RLENGTH - 7)
      match($1, /resource="[^"]+"/); r = substr($1, RSTART + 10, RLENGTH - 11)
      k = v " " r; if (FILENAME == ARGV[1]) b[k] += $NF; else a[k] += $NF }
    END { for (k in a) if (a[k] - b[k] > 0) printf "%d %s\n", a[k] - b[k], k }' <(echo "$1") <(echo "$2") |
    sort -rn | awk '{printf "%s%s %s %d", sep, $2, $3, $1; sep = ", "}'
}
# The emulator's one global resourceVersion (a list's): how many changes were stored, by anyone.
stored_version() { curl -fsS --max-time 10 -H 'Authorization: Bearer emulator' "$EMULATOR/api/v1/namespaces?limit=1" | jq -r '.metadata.resourceVersion'; }
rss_bytes() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
hwm_bytes() { awk '/^VmHWM:/ {print $2 * 1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; } # utime + stime (fields 14, 15)
TICKS=$(getconf CLK_TCK)
# The managed heap: prometheus-net's dotnet_total_memory_bytes (GC.GetTotalMemory, bytes in use on the GC heap).
heap_bytes() { metric_sum "$(operator_metrics)" dotnet_total_memory_bytes '.'; }

start_emulator() {
  EMULATOR_PORT=$(free_port)
  EMULATOR=http://127.0.0.1:$EMULATOR_PORT
  KUBE_EMULATOR_PORT=$EMULATOR_PORT dotnet "$EMULATOR_DLL" >"$STATE/emulator.log" 2>&1 &
  emulator_pid=$!
  until_true 60 "emulator answer on $EMULATOR" curl -fs -o /dev/null --max-time 2 "$EMULATOR/api"
  cat >"$STATE/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: { server: "$EMULATOR" }
users:
- name: bench
  user: { token: emulator }
contexts:
- name: bench
  context: { cluster: bench, user: bench }
current-context: bench
KCFG
  kubectl --kubeconfig "$STATE/kubeconfig" apply -f "$ROOT/crds/shop.example.com_shopinstances.yaml" >/dev/null
  until_true 30 "served ShopInstance API" curl -fs -o /dev/null --max-time 2 "$EMULATOR/apis/shop.example.com/v1alpha1/shopinstances"
}

start_operator() {
  OPERATOR_PORT=$(free_port)
  OPERATOR=http://127.0.0.1:$OPERATOR_PORT
  KUBECONFIG=$STATE/kubeconfig OPERATOR_HTTP_PORT=$OPERATOR_PORT OPERATOR_LISTEN_ADDRESS=127.0.0.1 \
    OPERATOR_METRICS_SECURE=false OPERATOR_RESYNC_PERIOD=${RESYNC}s LEADER_ELECTION_NAMESPACE= WATCH_NAMESPACES= \
    dotnet "$OPERATOR_DLL" run >>"$STATE/operator.log" 2>&1 &
  operator_pid=$!
  operator_started=$(date +%s.%N)
}
operator_ready() { curl -fs -o /dev/null --max-time 2 "$OPERATOR/readyz"; }

# Every ShopInstance reconciled at least `want` times since the process started, nothing queued or running,
# twice in a row 1 s apart (one pass, then quiet).
pass_done_once() {
  local m
  m=$(operator_metrics) || return 1
  (($(metric_sum "$m" controller_runtime_reconcile_total '.') >= $1)) &&
    (($(metric_sum "$m" workqueue_depth '.') == 0)) &&
    (($(metric_sum "$m" controller_runtime_active_workers '.') == 0))
}
pass_done() { pass_done_once "$1" && sleep 1 && pass_done_once "$1"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
# sleep until `at` (epoch seconds, fractional)
sleep_until() { local d; d=$(awk -v t="$1" -v n="$(now)" 'BEGIN {d = t - n; print (d > 0 ? d : 0)}'); sleep "$d"; }

runs_of() { (($1 >= 5000)) && echo "$LARGE_RUNS" || echo "$RUNS"; }

# One run: fresh emulator and operator, N shops, then a restart and one resync period.
measure() { # size run
  local n=$1 run=$2 note="" t0
  t0=$SECONDS
  : >"$STATE/operator.log"
  start_emulator
  start_operator
  until_true 120 "operator /readyz" operator_ready
  sleep 2
  local rss_empty
  rss_empty=$(rss_bytes "$operator_pid")

  log "size $n run $run: creating $n ShopInstances (emulator $EMULATOR, operator $OPERATOR)"
  local load ready_s created_s ready_count errors
  load=$(python3 "$HELPER" create --server "$EMULATOR" --count "$n" --namespaces "$NAMESPACES" \
    --concurrency "$CONCURRENCY" --deadline $((120 + n / 2)))
  ready_s=$(jq -r '.ready_s // "null"' <<<"$load")
  created_s=$(jq -r '.created_s' <<<"$load")
  ready_count=$(jq -r '.ready' <<<"$load")
  errors=$(jq -r '.errors' <<<"$load")
  log "size $n run $run: $ready_count/$n Ready after ${ready_s} s (all created after $created_s s, $errors create errors)"
  [[ "$ready_s" != null ]] || note="only $ready_count of $n Ready at the deadline"
  ((errors == 0)) || note="${note:+$note, }$errors create requests failed"

  until_true $((300 + n / 10)) "quiet operator after convergence" pass_done "$n"
  sleep "$SETTLE"
  local rss_converged heap_converged
  rss_converged=$(rss_bytes "$operator_pid")
  heap_converged=$(heap_bytes)

  # The restart: everything it sends until its first pass is over.
  local before writes0 requests0 rv0
  rv0=$(stored_version)
  before=$(emulator_metrics)
  writes0=$(emulator_writes "$before")
  requests0=$(emulator_requests "$before")
  log "size $n run $run: restarting the operator"
  stop_operator
  start_operator
  until_true 300 "operator /readyz after the restart" operator_ready
  local synced_at restart_sync_s restart_pass_s
  synced_at=$(now)
  restart_sync_s=$(elapsed "$operator_started" "$synced_at")
  until_true $((300 + n / 3)) "end of the restart's pass" pass_done "$n"
  restart_pass_s=$(elapsed "$operator_started" "$(now)")
  sleep "$SETTLE"
  local after rss_restart hwm_restart heap_restart
  after=$(emulator_metrics)
  rss_restart=$(rss_bytes "$operator_pid")
  hwm_restart=$(hwm_bytes "$operator_pid")
  heap_restart=$(heap_bytes)
  local restart_writes=$(($(emulator_writes "$after") - writes0))
  local restart_requests=$(($(emulator_requests "$after") - requests0))
  local restart_writes_by restart_stored
  restart_writes_by=$(writes_by "$before" "$after")
  restart_stored=$(($(stored_version) - rv0))
  log "size $n run $run: restart synced after $restart_sync_s s, pass over after $restart_pass_s s, $restart_writes writes${restart_writes_by:+ ($restart_writes_by)}, $restart_stored changes stored"

  # One resync period. First the next resync is found: after the queue has been quiet for 2 s (events from the
  # restart's writes can still trickle in), the first moment it gets exactly N adds at once (scrapes 0.5 s apart;
  # a burst of events is rarely exactly N, and one that coincides with a resync only makes us wait for the next).
  # The next resync comes one period later. CPU is read at 0.5, 0.8 and 1.5 periods after the one found:
  # 0.5–0.8 is idle, 0.5–1.5 is one whole period holding exactly one pass (a detection late by up to
  # 0.2 periods still keeps the next pass out of the idle part).
  local cpu_a cpu_b cpu_c adds_a adds_b adds_c m req_a req_c wr_a wr_c resync_at="" prev cur limit quiet=0
  log "size $n run $run: one resync period (${RESYNC} s)"
  prev=$(metric_sum "$(operator_metrics)" workqueue_adds_total '.')
  limit=$((SECONDS + 4 * RESYNC + 30))
  while ((SECONDS < limit)); do
    sleep 0.5
    cur=$(metric_sum "$(operator_metrics)" workqueue_adds_total '.')
    if ((quiet >= 4 && cur - prev == n)); then resync_at=$(now); break; fi
    if ((cur == prev)); then quiet=$((quiet + 1)); else quiet=0; fi
    prev=$cur
  done
  if [[ -z "$resync_at" ]]; then # measured from now; the checks below then tell whether it held a pass
    note="${note:+$note, }no resync seen (exactly $n adds after a quiet queue) within $((4 * RESYNC + 30)) s"
    resync_at=$(now)
  fi
  sleep_until "$(awk -v s="$resync_at" -v p="$RESYNC" 'BEGIN {printf "%.3f", s + 0.5 * p}')"
  # The operator's own /metrics is read just before cpu_a, not inside the idle window: one scrape costs the operator
  # about 25 ms of CPU (measured by hand, 2026-11-29), 3 ms/s of a 9 s window.
  adds_a=$(metric_sum "$(operator_metrics)" workqueue_adds_total '.')
  cpu_a=$(cpu_ticks "$operator_pid")
  local m_a rv_a
  rv_a=$(stored_version) # a list: read before the counters, so the window does not count it
  m_a=$(emulator_metrics); req_a=$(emulator_requests "$m_a"); wr_a=$(emulator_writes "$m_a")
  sleep_until "$(awk -v s="$resync_at" -v p="$RESYNC" 'BEGIN {printf "%.3f", s + 0.8 * p}')"
  cpu_b=$(cpu_ticks "$operator_pid")
  adds_b=$(metric_sum "$(operator_metrics)" workqueue_adds_total '.')
  sleep_until "$(awk -v s="$resync_at" -v p="$RESYNC" 'BEGIN {printf "%.3f", s + 1.5 * p}')"
  cpu_c=$(cpu_ticks "$operator_pid")
  m=$(emulator_metrics); req_c=$(emulator_requests "$m"); wr_c=$(emulator_writes "$m")
  local resync_writes_by resync_stored resync_requests_by
  resync_writes_by=$(writes_by "$m_a" "$m")
  resync_requests_by=$(writes_by "$m_a" "$m" '[a-z]+')
  resync_stored=$(($(stored_version) - rv_a))
  adds_c=$(metric_sum "$(operator_metrics)" workqueue_adds_total '.')
  local window_ok=1
  ((adds_b == adds_a)) || { window_ok=0; note="${note:+$note, }the idle part of the resync window saw $((adds_b - adds_a)) queue adds"; }
  ((adds_c - adds_b == n)) || { window_ok=0; note="${note:+$note, }the resync window saw $((adds_c - adds_b)) queue adds, not $n (one pass)"; }
  local idle_ms_per_s resync_cpu_per_1000 cpu_10min_per_1000 pass_cpu_per_1000
  idle_ms_per_s=$(awk -v a="$cpu_a" -v b="$cpu_b" -v t="$TICKS" -v p="$RESYNC" 'BEGIN {printf "%.3f", (b - a) / t * 1000 / (0.3 * p)}')
  resync_cpu_per_1000=$(awk -v a="$cpu_a" -v c="$cpu_c" -v t="$TICKS" -v n="$n" 'BEGIN {printf "%.4f", (c - a) / t / n * 1000}')
  # The pass alone: this period's CPU minus its idle part.
  pass_cpu_per_1000=$(awk -v a="$cpu_a" -v b="$cpu_b" -v c="$cpu_c" -v t="$TICKS" -v p="$RESYNC" -v n="$n" \
    'BEGIN {idle = (b - a) / t / (0.3 * p); pass = (c - a) / t - idle * p; if (pass < 0) pass = 0; printf "%.4f", pass / n * 1000}')
  # A 10-minute period: this period's CPU minus its idle part, plus 600 s of idle.
  cpu_10min_per_1000=$(awk -v a="$cpu_a" -v b="$cpu_b" -v c="$cpu_c" -v t="$TICKS" -v p="$RESYNC" -v n="$n" \
    'BEGIN {idle = (b - a) / t / (0.3 * p); pass = (c - a) / t - idle * p; if (pass < 0) pass = 0; printf "%.4f", (pass + idle * 600) / n * 1000}')
  log "size $n run $run: queue adds at 0.5/0.8/1.5 periods: $adds_a/$adds_b/$adds_c"
  if ((window_ok == 0)); then # the window missed its pass: its figures are left out of the report
    note="$note, so its CPU figures are left out"
    idle_ms_per_s=null resync_cpu_per_1000=null pass_cpu_per_1000=null cpu_10min_per_1000=null
  fi
  log "size $n run $run: resync period: $((req_c - req_a)) requests${resync_requests_by:+ ($resync_requests_by)}, $((wr_c - wr_a)) writes, $resync_stored changes stored, CPU $resync_cpu_per_1000 s per 1,000 shops (the pass alone $pass_cpu_per_1000 s); idle $idle_ms_per_s ms/s"
  local emulator_rss
  emulator_rss=$(rss_bytes "$emulator_pid")
  stop_all

  jq -cn --argjson size "$n" --argjson run "$run" --argjson ready_s "$ready_s" --argjson created_s "$created_s" \
    --argjson ready "$ready_count" --argjson rss_empty "$rss_empty" --argjson rss_converged "$rss_converged" \
    --argjson heap_converged "$heap_converged" --argjson rss_restart "$rss_restart" --argjson hwm_restart "$hwm_restart" \
    --argjson heap_restart "$heap_restart" --argjson restart_sync_s "$restart_sync_s" --argjson restart_pass_s "$restart_pass_s" \
    --argjson restart_writes "$restart_writes" --argjson restart_requests "$restart_requests" \
    --argjson resync_requests "$((req_c - req_a))" --argjson resync_writes "$((wr_c - wr_a))" \
    --argjson resync_cpu_per_1000 "$resync_cpu_per_1000" --argjson idle_cpu_ms_per_s "$idle_ms_per_s" \
    --argjson cpu_10min_per_1000 "$cpu_10min_per_1000" --argjson emulator_rss "$emulator_rss" --arg note "$note" \
    --arg restart_writes_by "$restart_writes_by" --arg resync_writes_by "$resync_writes_by" --arg resync_requests_by "$resync_requests_by" \
    --argjson restart_stored "$restart_stored" --argjson resync_stored "$resync_stored" --argjson pass_cpu_per_1000 "$pass_cpu_per_1000" \
    '{size: $size, run: $run, ready_s: $ready_s, created_s: $created_s, ready: $ready, rss_empty: $rss_empty,
      rss_converged: $rss_converged, heap_converged: $heap_converged, rss_restart: $rss_restart, hwm_restart: $hwm_restart,
      heap_restart: $heap_restart, per_shop_converged: (($rss_converged - $rss_empty) / $size),
      per_shop_restart: (($rss_restart - $rss_empty) / $size), restart_sync_s: $restart_sync_s,
      restart_pass_s: $restart_pass_s, restart_writes: $restart_writes, restart_requests: $restart_requests,
      resync_requests: $resync_requests, resync_writes: $resync_writes, resync_cpu_per_1000: $resync_cpu_per_1000,
      idle_cpu_ms_per_s: $idle_cpu_ms_per_s, cpu_10min_per_1000: $cpu_10min_per_1000, emulator_rss: $emulator_rss,
      restart_stored: $restart_stored, resync_stored: $resync_stored, pass_cpu_per_1000: $pass_cpu_per_1000,
      restart_writes_by: $restart_writes_by, resync_writes_by: $resync_writes_by, resync_requests_by: $resync_requests_by, note: $note}' >>"$RESULTS"
  log "size $n run $run: done in $((SECONDS - t0)) s"
}

mkdir -p "$STATE"
: >"$RESULTS"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "building the emulator and the operator (Release)"
  dotnet build "$ROOT/tests/KubeEmulator/KubeEmulator.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2
  dotnet build "$ROOT/operator/ShopOperator/ShopOperator.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2
fi
[[ -f "$EMULATOR_DLL" && -f "$OPERATOR_DLL" ]] || fail "missing $EMULATOR_DLL or $OPERATOR_DLL"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
bench_t0=$SECONDS
total=0
for size in $SIZES; do
  [[ "$size" =~ ^[0-9]+$ ]] && ((size > 0)) || fail "BENCH_OPERATOR_SIZES: '$size' is not a positive number"
  total=$((total + $(runs_of "$size")))
done
i=0
for size in $SIZES; do
  for ((run = 1; run <= $(runs_of "$size"); run++)); do
    i=$((i + 1))
    log "measurement $i of $total (size $size, run $run), $((SECONDS - bench_t0)) s into the bench"
    measure "$size" "$run"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
duration=$((SECONDS - bench_t0))

# The report.
header=$(mktemp)
gc_env=$(env | grep -E '^DOTNET_(GC|gc|Tiered|TC_|ReadyToRun)' | sort | paste -sd' ' || true)
{
  echo "<!-- operator-bench:start -->"
  echo "## Operator at scale"
  echo
  echo "Generated by \`bench/operator.sh\` (\`make bench-operator\`) on $started, commit"
  echo "\`$(git -C "$ROOT" rev-parse --short HEAD)\`, in $((duration / 60)) min. Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);"
  echo "load average $load_before before, $load_after after. Operator runtime settings: the built"
  echo "runtimeconfig.json${gc_env:+, plus $gc_env}."
  echo
  echo "Method: each run starts a fresh emulator (\`tests/KubeEmulator\`, Release, pods simulated) and"
  echo "\`shop-operator run\` (Release, 4 workers, no leader election, plain metrics, \`OPERATOR_RESYNC_PERIOD=${RESYNC}s\`),"
  echo "both on 127.0.0.1. N minimal ShopInstances (image by digest, host, \`connectionSecretRef\`), each with its"
  echo "connection Secret, spread over $NAMESPACES namespaces, are created $CONCURRENCY requests in flight; one watch counts"
  echo "\`Ready=True\`. Time to all Ready runs from the first create."
  echo "Memory: \`VmRSS\` of the operator's process (/proc), managed heap = its \`dotnet_total_memory_bytes\`, read"
  echo "$SETTLE s after the queue was found empty and no worker busy twice 1 s apart (the operator compacts its heap after"
  echo "2 s of an empty queue); cost per shop = (RSS − RSS of the same process before"
  echo "any shop) / N. Restart: SIGTERM, then a new process; its requests and writes are the emulator's counters"
  echo "(\`GET /metrics\`, \`apiserver_request_total\`) from before the stop to the end of the new process's first pass"
  echo "(nothing else talks to the API then); \"changes stored\" is the emulator's resourceVersion delta (a no-op"
  echo "apply is a write request that stores nothing)."
  echo "Resync: utime+stime of the process (/proc/PID/stat) over one whole resync period, from 0.5 to 1.5 periods"
  echo "after a resync (seen as all N keys queued at once), so it holds exactly the next pass, and the requests in it;"
  echo "the idle rate is read from 0.5 to 0.8 periods (no pass, no scrape of the operator); the pass alone = the period's CPU minus its idle"
  echo "part; the 10-minute estimate = the pass alone + 600 s at the idle rate. Medians of the runs; \"each run\""
  echo "is the run-to-run spread."
} >"$header"
# The section between the operator-bench markers of $OUT (appended when they are missing); the rest stays.
python3 "$HELPER" report --results "$RESULTS" --header "$header" --out "$OUT"
rm -f "$header"
log "wrote the operator section of $OUT ($duration s in all)"
