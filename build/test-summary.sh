#!/usr/bin/env bash
# Adds up the TRX files of every test project and prints the total as the last line:
#   N passed, N failed, N skipped
# Exits non-zero when a test failed or no test ran.
set -euo pipefail
dir=${1:-TestResults}
passed=0 failed=0 skipped=0
shopt -s nullglob
files=("$dir"/*.trx)
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p=$(get passed); fl=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${fl:-0} + ${e:-0}))
  # VSTest counts a skipped test as not executed.
  skipped=$((skipped + ${t:-0} - ${x:-0}))
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ ${#files[@]} -eq 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
