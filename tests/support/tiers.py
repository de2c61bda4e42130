"""The two tiers of the suite and the parallel run (a pytest plugin, loaded by tests/conftest.py).

`make check` runs the quick tier: everything but the long matrices, marked here by where they
live (`slow`) or by their module (`e2e`). `make test` runs everything. Both run in parallel
under pytest-xdist; each worker is its own process with its own sandbox, console apps and
database (servers bind port 0), so workers share nothing but test-artifacts/. Tests marked
`serial` (and so `slow`) run in one process of their own.
"""

from __future__ import annotations

from collections import Counter

import pytest

# The long generated matrices: every page and action under every fault, bad input into every
# form, the schemathesis run over the sandbox.
SLOW_PATHS = ("tests/faults/", "tests/fuzz/", "tests/sandbox/test_property_based.py")
# Browser tests share one worker, so one Chromium starts.
BROWSER_GROUP = "browser"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    parallel = config.pluginmanager.hasplugin("xdist")
    # pytest-xdist schedules tests by node ID; tests that share one (schemathesis makes one item
    # per API operation, all with the test function's ID) would run only once. `make test` runs
    # them in one more process beside the workers (scripts/run_tests.sh); `make check` not at all.
    seen = Counter(item.nodeid for item in items)
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
        if seen[item.nodeid] > 1:
            item.add_marker(pytest.mark.serial)
            item.add_marker(pytest.mark.slow)
        if not parallel:
            continue
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group(BROWSER_GROUP))


class ProofCountsFromWorkers:
    """The proof suites' counts (tests/faults/counts.py) are kept per process: each worker
    sends its tally to the controller, which prints and writes the sum."""

    @pytest.hookimpl
    def pytest_sessionfinish(self, session):
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            from tests.faults.counts import tally

            workeroutput["proof_counts"] = tally()

    @pytest.hookimpl
    def pytest_testnodedown(self, node, error):
        from tests.faults.counts import add_tally

        add_tally(getattr(node, "workeroutput", {}).get("proof_counts", {}))


def pytest_configure(config):
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(ProofCountsFromWorkers(), "proof-counts-from-workers")
