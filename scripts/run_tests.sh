#!/usr/bin/env bash
# make test / make check: run_tests.sh "<marker expression or empty>" [pytest options...]
#
# The tests pytest-xdist can schedule run in parallel workers (PYTEST_WORKERS, default one per
# core). Those it cannot (marked `serial` by tests/support/tiers.py: several share one node ID,
# as schemathesis's per-operation tests do) run meanwhile in one more process; their output
# follows the parallel run's. The exit code is the first failure's (pytest's 5, "no tests
# selected", counts as success for the serial part, which is often empty).
set -u
cd "$(dirname "$0")/.."

selection=${1:-}
shift || true
pytest=(.venv/bin/pytest)
serial_only="serial${selection:+ and ($selection)}"
parallel_only="not serial${selection:+ and ($selection)}"

serial_log=$(mktemp)
trap 'rm -f "$serial_log"' EXIT
"${pytest[@]}" -m "$serial_only" "$@" >"$serial_log" 2>&1 &
serial_pid=$!

"${pytest[@]}" -n "${PYTEST_WORKERS:-auto}" --dist loadgroup -m "$parallel_only" "$@"
parallel_rc=$?

wait "$serial_pid"
serial_rc=$?
echo
echo "--- tests that run in one process (marked serial) ---"
cat "$serial_log"
[ "$serial_rc" = 5 ] && serial_rc=0
[ "$parallel_rc" != 0 ] && exit "$parallel_rc"
exit "$serial_rc"
