#!/usr/bin/env bash
# make test: scripts/run_tests.sh [pytest options...]
#
# Every test, in parallel workers (pytest-xdist; PYTEST_WORKERS, default one per core). Tests in
# one xdist_group run on one worker (--dist loadgroup): the schemathesis run, whose module writes
# its counts once. tests/support/tiers.py fails the collection if two tests share a node ID,
# since xdist would run only one of them.
set -u
cd "$(dirname "$0")/.."

exec .venv/bin/pytest -n "${PYTEST_WORKERS:-auto}" --dist loadgroup "$@"
