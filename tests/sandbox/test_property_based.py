"""A schemathesis run over every operation the sandbox implements: no 500, no spec-breaking answer.

Cases come from talon-openapi.json, valid ones (positive) and invalid ones (negative). For every
case the answer must not be a 5xx and, when it is an error, must carry Talon.One's error body;
for a valid request the answer must match the spec exactly (tests/support/openapi.py's rules).
Path IDs are swapped for demo IDs in half the cases, so that operations reach their real logic
rather than a 404. The run is derandomized: the same cases every time. The number of cases run
is written to test-artifacts/sandbox-property-run.json.
"""
from __future__ import annotations

import json
import os
import random
from collections import Counter

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck

from sandbox.api import integration, management
from tests.conftest import ARTIFACTS, SandboxHTTP
from tests.sandbox.conftest import check_spec
from tests.support.openapi import SpecMismatch, check_error_body, spec_dict

# Random cases per operation on top of schemathesis's coverage cases; raise it for a longer run:
# SANDBOX_FUZZ_EXAMPLES=200 .venv/bin/pytest tests/sandbox/test_property_based.py
EXAMPLES_PER_OPERATION = int(os.environ.get("SANDBOX_FUZZ_EXAMPLES", "10"))
IMPLEMENTED = sorted([*integration.routes.operations, *management.routes.operations])
DEMO_IDS = {
    "customerSessionId": ["sess-00001", "sess-00004", "sess-00006", "sess-00100", "sess-00200"],
    "integrationId": ["cust-0001", "cust-0002", "cust-0031", "cust-0050"],
    "audienceId": [1, 2, 3],
    "loyaltyProgramId": [1, 2],
    "loyaltyCardId": ["4000-0001", "4000-0031", "4000-0035", "4000-0038"],
    "couponValue": ["SUMMER20", "VIPONLY-001", "GOODWILL-002", "BF30"],
    "applicationId": [1],
    "campaignId": [2, 8],
    "sessionId": [1, 4],
    "customerId": [1, 50],
    "achievementId": [1],
    "catalogId": [1],
}
RUN = Counter()      # (operation, status) -> cases
KINDS = Counter()    # valid / invalid requests

schema = schemathesis.openapi.from_dict(spec_dict()).include(operation_id=IMPLEMENTED)


def with_demo_ids(case) -> None:
    chooser = random.Random(repr(sorted((case.path_parameters or {}).items())))
    if not case.path_parameters or chooser.random() < 0.5:
        return
    for name in case.path_parameters:
        if name in DEMO_IDS:
            case.path_parameters[name] = chooser.choice(DEMO_IDS[name])


def pytest_generate_tests(metafunc):
    """pytest 9 builds a node ID from the function's name and its callspec only; schemathesis
    4.32 names each operation's item "test[GET /path]" but gives it no callspec, so all 58 shared
    one node ID and could not run under pytest-xdist. One indirect parameter gives each item a
    callspec, so each has its own ID ("...[GET /path][run]") and xdist spreads them."""
    if "fuzz_http" in metafunc.fixturenames:
        metafunc.parametrize("fuzz_http", ["run"], indirect=True, scope="module")


@pytest.fixture(scope="module")
def fuzz_http(sandbox):
    requests.post(f"{sandbox.url}/sandbox/reset", timeout=30).raise_for_status()
    http = SandboxHTTP(sandbox)
    yield http
    http.close()
    requests.post(f"{sandbox.url}/sandbox/reset", timeout=30)
    write_run_counts()


def write_run_counts() -> None:
    """test-artifacts/sandbox-property-run.json: the run's counts. Under pytest-xdist each worker
    runs part of the operations; each adds its part to the file of the same run (the run ID
    xdist gives every worker), under a lock."""
    import fcntl

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with open(ARTIFACTS / "sandbox-property-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = ARTIFACTS / "sandbox-property-run.json"
        before = json.loads(path.read_text()) if path.exists() else {}
        if not run_id or before.get("run") != run_id:
            before = {}
        operations = sorted(set(before.get("operation_names", [])) | {op for op, _ in RUN})
        kinds = Counter({k: before.get(k, 0) for k in ("valid requests", "invalid requests")}) + KINDS
        by_status = Counter({int(k): v for k, v in before.get("by_status", {}).items()})
        by_status.update(Counter(status for (_, status), n in RUN.items() for _ in range(n)))
        path.write_text(json.dumps(
            {"cases": before.get("cases", 0) + sum(RUN.values()), "operations": len(operations),
             **{k: kinds[k] for k in ("valid requests", "invalid requests")},
             "by_status": {str(status): n for status, n in sorted(by_status.items())},
             "run": run_id, "operation_names": operations}, indent=2))


def test_every_implemented_operation_is_a_spec_operation():
    """32 Integration API operations (the 31 of the seeds plus unlinkLoyaltyCardFromProfile) and
    27 Management API operations (20 reads, two of them POSTs, the loyalty card update and its
    transfer, points added or deducted by hand on a profile or a card, and the campaign update);
    each is in the spec,
    so each is in the run below."""
    in_spec = {op["operationId"] for ops in spec_dict()["paths"].values() for m, op in ops.items()
               if m != "parameters"}
    assert (len(integration.routes.operations), len(management.routes.operations)) == (32, 27)
    assert set(IMPLEMENTED) <= in_spec


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_no_spec_breaking_answers(case, fuzz_http):
    with_demo_ids(case)
    key = "management" if case.operation.definition.raw["operationId"] in management.routes.operations \
        else "integration"
    # The request as schemathesis would send it, sent through requests so that the lead's
    # checker (which reads requests.Response objects) can judge it.
    sent = case.as_transport_kwargs(base_url=fuzz_http.base_url, headers={"Authorization": fuzz_http.keys[key]})
    sent.pop("timeout", None)
    response = fuzz_http.request(key=None, timeout=30, **sent)
    RUN[(case.operation.label, response.status_code)] += 1
    assert response.status_code < 500, f"{case.operation.label}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        check_error_body(response, case.operation.label)
    KINDS["valid requests" if judge(response) else "invalid requests"] += 1


def judge(response: requests.Response) -> bool:
    """Check the exchange against the spec; answer whether the request itself was valid.

    A valid request must get exactly an answer the spec describes. An invalid one (a negative
    case) may get any 4xx with an error body, which the test checked already.
    """
    try:
        check_spec(response)
    except SpecMismatch as exc:
        if "request breaks the spec" in str(exc) or "not an operation of the spec" in str(exc):
            return False
        raise
    except UnicodeDecodeError:
        return False   # openapi-core fails to describe a request body that is not UTF-8
    return True
