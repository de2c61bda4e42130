"""Fixtures for the service-layer tests: a scripted stub upstream and services pointed at it.

Live-sandbox tests use the shared fixtures of tests/conftest.py (sandbox, talon_sandbox).
"""
from __future__ import annotations

import time

import pytest

from app.talon import TalonService, TalonSettings
from tests.talon.stub_upstream import Reply, StubUpstream

INTEGRATION_KEY = "stub-integration-key-SECRET1"
MANAGEMENT_KEY = "stub-management-key-SECRET2"


@pytest.fixture(scope="module")
def upstream():
    server = StubUpstream().start()
    yield server
    server.stop()


@pytest.fixture
def stub(upstream):
    """The module's stub upstream, with an empty script and log for this test."""
    upstream.script.clear()
    upstream.received.clear()
    upstream.default = Reply()
    yield upstream
    upstream.script.clear()


def stub_settings(url: str, **overrides) -> TalonSettings:
    base = dict(
        base_url=url,
        integration_key=INTEGRATION_KEY,
        management_key=MANAGEMENT_KEY,
        connect_timeout=1.0,
        read_timeout=0.5,
        retries=2,
        backoff=0.01,
        retry_after_max=1.5,
        circuit_threshold=3,
        circuit_cooldown=0.5,
        management_rate_limit=0,  # the budget has its own tests (test_budget*.py)
    )
    base.update(overrides)
    return TalonSettings(**base)


@pytest.fixture
def make_service(stub):
    services = []

    def make(*, sleep=time.sleep, clock=time.monotonic, **overrides) -> TalonService:
        """``sleep`` is the transport's wait between tries (a test's ManualTime.sleep),
        ``clock`` the circuit breaker's (a test's ManualTime.now)."""
        service = TalonService(stub_settings(stub.url, **overrides), sleep=sleep, clock=clock)
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()


# --- the live sandbox ------------------------------------------------------------------------

class SpecChecked:
    """A response hook that records every exchange breaking talon-openapi.json.

    One tolerance, the same as tests/sandbox/conftest.py: the spec declares ``content: {}`` on
    its 204 answers and openapi-core then demands a body, which HTTP forbids for a 204; an empty
    204 on an operation that declares 204 is accepted. (Belongs in tests/support/openapi.py.)
    """

    def __init__(self) -> None:
        self.mismatches: list[str] = []
        self.checked = 0

    def __call__(self, response, *args, **kwargs):
        from tests.support.openapi import SpecMismatch, check_exchange

        try:
            check_exchange(response)
            self.checked += 1
        except SpecMismatch as exc:
            empty_no_content = (response.status_code == 204 and not response.content
                                and "Missing response data" in str(exc))
            if not empty_no_content:
                self.mismatches.append(str(exc))
        return response

    def assert_clean(self) -> None:
        assert not self.mismatches, (
            f"{len(self.mismatches)} exchange(s) broke the spec:\n" + "\n".join(self.mismatches[:10]))


@pytest.fixture
def live(talon_sandbox):
    """A TalonService against the reset sandbox; every exchange is checked against the spec."""
    recorder = SpecChecked()
    service = TalonService(TalonSettings(
        base_url=talon_sandbox.url,
        integration_key=talon_sandbox.integration_key,
        management_key=talon_sandbox.management_key,
        read_timeout=5.0,
        retries=2,
        backoff=0.05,
        retry_after_max=2.0,
        circuit_threshold=5,
        circuit_cooldown=30.0,
        management_rate_limit=0,  # the budget has its own tests (test_budget*.py)
    ))
    service.http.hooks["response"].append(recorder)
    service.spec_recorder = recorder
    yield service
    service.close()
    recorder.assert_clean()


class SandboxControl:
    """The sandbox's test controls: faults and the request log."""

    def __init__(self, sandbox) -> None:
        import requests

        self.url = sandbox.url
        self.http = requests.Session()

    def faults(self, *rules: dict, latency_ms: float = 0) -> None:
        body = {"rules": list(rules), "latencyMs": latency_ms} if rules or latency_ms else {}
        self.http.post(f"{self.url}/sandbox/faults", json=body, timeout=10).raise_for_status()

    def rate_limit(self, **settings) -> dict:
        """POST /sandbox/rate-limit: managementPerSecond, clock ("manual"), advanceSeconds."""
        answer = self.http.post(f"{self.url}/sandbox/rate-limit", json=settings, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def refused(self) -> int:
        """429s the sandbox's Management limit answered since the reset."""
        return sum(e["refused"] for e in self.rate_limit()["endpoints"])

    def release(self) -> None:
        """Requests held by a timeout fault are answered now (returns once they are)."""
        self.http.post(f"{self.url}/sandbox/faults/release", timeout=40).raise_for_status()

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict]:
        entries = self.http.get(f"{self.url}/sandbox/requests", timeout=10).json()["requests"]
        return [e for e in entries
                if (path is None or e["path"] == path) and (method is None or e["method"] == method)]


@pytest.fixture
def control(talon_sandbox):
    ctl = SandboxControl(talon_sandbox)
    yield ctl
    ctl.http.close()
