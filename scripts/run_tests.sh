#!/usr/bin/env bash
# make test: scripts/run_tests.sh [pytest options...]
#
# The tests pytest-xdist can schedule run in parallel workers (PYTEST_WORKERS, default one per
# core). Those it cannot (marked `serial` by tests/support/tiers.py: several share one node ID,
# as schemathesis's per-operation tests do) run meanwhile in one more process; their output
# follows the parallel run's. The exit code is the first failure's (pytest's 5, "no tests
# selected", counts as success for the serial part).
set -u
cd "$(dirname "$0")/.."

serial_log=$(mktemp)
trap 'rm -f "$serial_log"' EXIT
.venv/bin/pytest -m serial "$@" >"$serial_log" 2>&1 &
serial_pid=$!

.venv/bin/pytest -n "${PYTEST_WORKERS:-auto}" --dist loadgroup -m "not serial" "$@"
parallel_rc=$?

wait "$serial_pid"
serial_rc=$?
echo
echo "--- the tests that run in one process (marked serial) ---"
cat "$serial_log"
[ "$serial_rc" = 5 ] && serial_rc=0
[ "$parallel_rc" != 0 ] && exit "$parallel_rc"
exit "$serial_rc"
