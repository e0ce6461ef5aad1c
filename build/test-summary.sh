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
# The failed tests by name with their message's first line, just above the total, so that a CI log's tail names them.
if [ "$failed" -ne 0 ]; then
  for f in "${files[@]}"; do
    perl -0777 -ne '
      while (/<UnitTestResult [^>]*?testName="([^"]*)"[^>]*?outcome="(?:Failed|Error)"[^>]*>(.*?)<\/UnitTestResult>/sg) {
        my ($name, $body) = ($1, $2);
        my ($msg) = $body =~ /<Message>(.*?)<\/Message>/s;
        $msg = defined $msg ? (split /\n/, $msg)[0] : "";
        $msg = substr($msg, 0, 300);
        for ($name, $msg) { s/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&apos;/\x27/g; s/&amp;/&/g; }
        print "FAILED $name: $msg\n";
      }' "$f"
  done
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ ${#files[@]} -eq 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
