"""The two tiers of the suite and the parallel run (a pytest plugin, loaded by tests/conftest.py).

`make check` runs the quick tier (`--quick`): everything but the long matrices, marked here by
where they live (`slow`) or by their module (`e2e`); the slow paths are not even collected (their
modules cost ~5 s of CPU per process to import and generate: schemathesis builds its cases at
collection). `make test` runs everything. Both run in parallel
under pytest-xdist; each worker is its own process with its own sandbox, console apps and
database (servers bind port 0), so workers share nothing but test-artifacts/; each worker that
gets a browser test starts its own Chromium once. Tests that share a node ID cannot run under
xdist (it schedules by node ID): the collection fails and names them.

xdist_group marks do nothing with pytest 9.2 and xdist 3.8 (xdist writes the group into
`item._nodeid`, which pytest 9 no longer reads), so no test may rely on running beside another.
"""

from __future__ import annotations

from collections import Counter

import pytest

# The long generated matrices: every page and action under every fault, bad input into every
# form, the schemathesis run over the sandbox.
SLOW_PATHS = ("tests/faults/", "tests/fuzz/", "tests/sandbox/test_property_based.py")
QUICK = "not slow and not e2e"


def pytest_addoption(parser):
    parser.addoption("--quick", action="store_true",
                     help=f'the quick tier (make check): -m "{QUICK}", without collecting {", ".join(SLOW_PATHS)}')


def pytest_ignore_collect(collection_path, config):
    if config.getoption("quick"):
        path = collection_path.relative_to(config.rootpath).as_posix()
        if (path + "/").startswith(SLOW_PATHS) or path.startswith(SLOW_PATHS):
            return True
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    # pytest-xdist schedules tests by node ID; of tests that share one, only one would run (and
    # xdist's workers would disagree on the collection). Give each its own ID (a parameter:
    # tests/sandbox/test_property_based.py shows how for schemathesis's items).
    shared = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if shared:
        raise pytest.UsageError("tests share a node ID, so pytest-xdist would run one of each: "
                                + ", ".join(shared))
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)


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
    if config.getoption("quick"):
        given = config.option.markexpr
        config.option.markexpr = f"({given}) and {QUICK}" if given else QUICK
    # pyproject.toml loads xdist by its module name (no plugin autoload)
    if config.pluginmanager.hasplugin("xdist.plugin"):
        config.pluginmanager.register(ProofCountsFromWorkers(), "proof-counts-from-workers")
