#!/usr/bin/env bash
# make run: the whole shop on this machine, every process on 127.0.0.1.
#   PostgreSQL (throwaway cluster in .dev/pg, kept between runs) -> migrate -> api -> web -> nginx
# Serves http://127.0.0.1:${PORT:-8080}, stays in the foreground; Ctrl-C stops everything it started.
#
# Overrides (the E2E test and bench/ use them to run side by side with a developer's `make run`):
#   PORT                 nginx port (8080)
#   SHOP_DEV_DIR         state folder: database, logs, nginx run dir, published build (.dev)
#   SHOP_PUBLISH_DIR     where `dotnet publish` writes Shop.dll ($SHOP_DEV_DIR/publish)
#   SHOP_SKIP_BUILD=1    reuse an existing Shop.dll in SHOP_PUBLISH_DIR
#   PG_PORT API_PORT WEB_PORT API_METRICS_PORT WEB_METRICS_PORT   (55432 5081 5080 9091 9092)
#   SHOP_API_RATE SHOP_API_BURST   nginx limit_req on /api per client IP (20 r/s, burst 40)
#   SHOP_DEMO_PRODUCTS=N  grow the catalog to N generated products after migrating (deterministic; never shrinks)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${PORT:-8080}
DEV_DIR=${SHOP_DEV_DIR:-$ROOT/.dev}
PUBLISH_DIR=${SHOP_PUBLISH_DIR:-$DEV_DIR/publish}
PG_PORT=${PG_PORT:-55432}
API_PORT=${API_PORT:-5081}
WEB_PORT=${WEB_PORT:-5080}
API_METRICS_PORT=${API_METRICS_PORT:-9091}
WEB_METRICS_PORT=${WEB_METRICS_PORT:-9092}
export SHOP_API_RATE=${SHOP_API_RATE:-20}
export SHOP_API_BURST=${SHOP_API_BURST:-40}

PG_ROOT=$DEV_DIR/pg
PG_DATA=$PG_ROOT/data
LOG_DIR=$DEV_DIR/logs
NGINX_DIR=$DEV_DIR/nginx

log() { printf '[run-local] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

pg_bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  [[ -n "$d" && -x "$d/initdb" ]] && echo "$d"
}

# 1. Tools: a fresh Debian machine gets PostgreSQL and nginx from apt.
missing=()
[[ -n "$(pg_bin_dir)" ]] || missing+=(postgresql)
command -v nginx >/dev/null || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
command -v envsubst >/dev/null || missing+=(gettext-base)
if ((${#missing[@]})); then
  log "installing ${missing[*]} with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts a system cluster and nginx on port 80 on install; we run our own instances.
  as_root systemctl disable --now postgresql nginx >/dev/null 2>&1 || true
fi
command -v dotnet >/dev/null || die "the .NET SDK is required (see global.json)"
PG_BIN=$(pg_bin_dir) || die "no PostgreSQL server binaries under /usr/lib/postgresql"
NGINX_BIN=$(command -v nginx)

mkdir -p "$DEV_DIR" "$LOG_DIR" "$NGINX_DIR"

# initdb and postgres refuse to run as root: as root, the cluster belongs to the postgres OS user.
PG_USER=""
if [[ $(id -u) -eq 0 ]]; then PG_USER=postgres; fi
pg() { if [[ -n "$PG_USER" ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }

pids=()
pg_started=0
cleanup() {
  trap - INT TERM EXIT
  log "stopping"
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if ((pg_started)); then pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true; fi
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 2. Build once; the same Shop.dll runs as api and as web.
if [[ "${SHOP_SKIP_BUILD:-0}" == 1 && -f "$PUBLISH_DIR/Shop.dll" ]]; then
  log "reusing $PUBLISH_DIR/Shop.dll"
else
  log "publishing the shop to $PUBLISH_DIR"
  dotnet publish "$ROOT/shop/Shop/Shop.csproj" -c Release -o "$PUBLISH_DIR" -nologo -v q -clp:ErrorsOnly >&2
fi

# 3. PostgreSQL: create the cluster on first run, keep it afterwards.
if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
  log "creating a PostgreSQL cluster in $PG_DATA"
  mkdir -p "$PG_ROOT"
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DEV_DIR/pg-password"
  chmod 600 "$DEV_DIR/pg-password"
  cp "$DEV_DIR/pg-password" "$PG_ROOT/pwfile"
  if [[ -n "$PG_USER" ]]; then chown -R "$PG_USER:" "$PG_ROOT"; fi
  chmod 700 "$PG_ROOT"
  pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile "$PG_ROOT/pwfile" --auth scram-sha-256 \
    -E UTF8 --locale C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 || { cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
  rm -f "$PG_ROOT/pwfile"
fi
PG_PASSWORD=$(cat "$DEV_DIR/pg-password")
if pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
  # Left over from a run that was killed hard: stop it so it restarts with this run's settings.
  pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
fi
log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
pg_started=1
pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 60 -l "$PG_ROOT/server.log" \
  -o "-p $PG_PORT -k $PG_ROOT -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null ||
  { tail -n 20 "$PG_ROOT/server.log" >&2; die "PostgreSQL did not start"; }
if ! PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAq \
  -c "SELECT 1 FROM pg_database WHERE datname = 'shop'" | grep -q 1; then
  PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres shop
fi

export SHOP_DB_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Database=shop;Username=postgres;Password=$PG_PASSWORD"
export SHOP_LISTEN_ADDRESS=127.0.0.1
export SHOP_LOG_FORMAT=${SHOP_LOG_FORMAT:-json}
# One key for every web process of this folder, so antiforgery tokens survive a restart.
if [[ -z "${SHOP_DATA_PROTECTION_KEY:-}" ]]; then
  [[ -f "$DEV_DIR/data-protection-key" ]] || { head -c 32 /dev/urandom | base64 >"$DEV_DIR/data-protection-key"; chmod 600 "$DEV_DIR/data-protection-key"; }
  SHOP_DATA_PROTECTION_KEY=$(cat "$DEV_DIR/data-protection-key")
fi

# 4. Schema.
log "migrating"
(cd "$PUBLISH_DIR" && dotnet Shop.dll migrate >"$LOG_DIR/migrate.log" 2>&1) ||
  { tail -n 30 "$LOG_DIR/migrate.log" >&2; die "migrate failed"; }

if [[ -n "${SHOP_DEMO_PRODUCTS:-}" ]]; then
  [[ "$SHOP_DEMO_PRODUCTS" =~ ^[0-9]{1,7}$ ]] || die "SHOP_DEMO_PRODUCTS must be a whole number up to 9999999"
  added=$(PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shop -tAq -v ON_ERROR_STOP=1 \
    -c "SELECT generate_demo_products($SHOP_DEMO_PRODUCTS)") || die "generating the catalog failed"
  log "catalog: $SHOP_DEMO_PRODUCTS products requested, $added generated"
fi

wait_ready() { # name url pid
  local deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null --max-time 2 "$2" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || { tail -n 30 "$LOG_DIR/$1.log" >&2; die "$1 exited during start-up"; }
    ((SECONDS < deadline)) || { tail -n 30 "$LOG_DIR/$1.log" >&2; die "$1 not ready after 90 s"; }
    sleep 0.3
  done
}

# 5. api and web from the one build (content root = publish folder, for wwwroot).
log "starting api on 127.0.0.1:$API_PORT"
(cd "$PUBLISH_DIR" && SHOP_HTTP_PORT=$API_PORT SHOP_METRICS_PORT=$API_METRICS_PORT \
  exec dotnet Shop.dll api >>"$LOG_DIR/api.log" 2>&1) &
pids+=($!)
wait_ready api "http://127.0.0.1:$API_PORT/healthz/ready" "${pids[-1]}"

log "starting web on 127.0.0.1:$WEB_PORT"
(cd "$PUBLISH_DIR" && SHOP_HTTP_PORT=$WEB_PORT SHOP_METRICS_PORT=$WEB_METRICS_PORT \
  SHOP_API_URL="http://127.0.0.1:$API_PORT" SHOP_DATA_PROTECTION_KEY=$SHOP_DATA_PROTECTION_KEY \
  exec dotnet Shop.dll web >>"$LOG_DIR/web.log" 2>&1) &
pids+=($!)
wait_ready web "http://127.0.0.1:$WEB_PORT/healthz/ready" "${pids[-1]}"

# 6. nginx as an unprivileged user: as root, the run folder is handed to nobody.
export SHOP_NGINX_RUN_DIR=$NGINX_DIR SHOP_PORT=$PORT SHOP_LISTEN_ADDRESS=127.0.0.1
export SHOP_WEB_UPSTREAM=127.0.0.1:$WEB_PORT SHOP_API_UPSTREAM=127.0.0.1:$API_PORT
envsubst '${SHOP_NGINX_RUN_DIR} ${SHOP_PORT} ${SHOP_LISTEN_ADDRESS} ${SHOP_WEB_UPSTREAM} ${SHOP_API_UPSTREAM} ${SHOP_API_RATE} ${SHOP_API_BURST}' \
  <"$ROOT/shop/nginx/nginx.conf.template" >"$NGINX_DIR/nginx.conf"
as_nginx=()
if [[ $(id -u) -eq 0 ]]; then
  chown -R nobody: "$NGINX_DIR"
  as_nginx=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
"${as_nginx[@]}" "$NGINX_BIN" -t -q -p "$NGINX_DIR" -e stderr -c "$NGINX_DIR/nginx.conf" ||
  die "nginx config test failed"
log "starting nginx on 127.0.0.1:$PORT"
"${as_nginx[@]}" "$NGINX_BIN" -p "$NGINX_DIR" -e stderr -c "$NGINX_DIR/nginx.conf" >>"$LOG_DIR/nginx.log" 2>&1 &
pids+=($!)
wait_ready nginx "http://127.0.0.1:$PORT/healthz/ready" "${pids[-1]}"

echo "Shop running at http://127.0.0.1:$PORT  (logs: $LOG_DIR; Ctrl-C stops)"

# Foreground until Ctrl-C or until one of the processes dies (then stop the rest).
set +e
wait -n "${pids[@]}"
status=$?
# Ctrl-C reaches nginx too, which then quits with 0; only a failure is worth a line.
((status == 0)) || log "a process exited with status $status"
exit "$status"
