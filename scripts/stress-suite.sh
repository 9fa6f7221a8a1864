#!/usr/bin/env bash
# Runs the vitest suite ROUNDS times, two copies at once, to catch flaky tests (timing under load, shared
# ports or files). Each copy has its own TMPDIR (every test's temporary files, stores and the dashboard
# build go there) and its own log; tests take free ports (port 0), so the copies cannot collide.
#   scripts/stress-suite.sh [ROUNDS] [vitest args...]     e.g. scripts/stress-suite.sh 3 src/ocpp
# Exit status: 0 when every run of every round passed, 1 otherwise (the failing tests are listed).
set -uo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
shift || true
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "stress-suite: ROUNDS must be a whole number >= 1, got '$rounds'" >&2
  exit 2
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/fusebox-stress-XXXXXX")"
echo "stress-suite: $rounds round(s) of 2 concurrent 'vitest run $*'; logs in $work"
failed=0
for round in $(seq 1 "$rounds"); do
  pids=()
  for copy in a b; do
    dir="$work/round-$round-$copy"
    mkdir -p "$dir/tmp"
    # --no-cache: the two copies would otherwise write vitest's results cache at the same time.
    TMPDIR="$dir/tmp" npx vitest run --no-cache "$@" >"$dir/vitest.log" 2>&1 &
    pids+=("$!")
  done
  for i in 0 1; do
    copy=$([ "$i" = 0 ] && echo a || echo b)
    log="$work/round-$round-$copy/vitest.log"
    if wait "${pids[$i]}"; then
      echo "round $round copy $copy: passed ($(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\s*(Tests|Duration) ' | xargs))"
    else
      failed=1
      echo "round $round copy $copy: FAILED, see $log"
      sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\s*(FAIL|×) ' | sort -u | sed 's/^/    /'
    fi
  done
done
if [ "$failed" = 0 ]; then
  echo "stress-suite: every run passed"
  rm -rf "$work"
fi
exit "$failed"
