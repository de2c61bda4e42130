"""Failure handling against the live sandbox's fault injection (POST /sandbox/faults), proven
with its request log (GET /sandbox/requests)."""
from __future__ import annotations

import time
import uuid

import pytest

from app.talon import (
    TalonCircuitOpen,
    TalonConflict,
    TalonError,
    TalonMalformedResponse,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonService,
    TalonSettings,
    TalonUnavailable,
)
from tests.support.concurrency import overlapped
from tests.talon.conftest import SpecChecked
from tests.talon.manual_time import ManualTime

SESSION = "/v2/customer_sessions/sess-00001"
RETURNS = "/v2/customer_sessions/sess-00001/returns"


@pytest.fixture
def clock():
    """The time the transport waits in between tries: it moves at once, by what was waited."""
    return ManualTime()


def checked_service(talon_sandbox, clock, read_timeout: float):
    recorder = SpecChecked()
    service = TalonService(TalonSettings(
        base_url=talon_sandbox.url, integration_key=talon_sandbox.integration_key,
        management_key=talon_sandbox.management_key, read_timeout=read_timeout, retries=2, backoff=0.05,
        retry_after_max=2.0, circuit_threshold=3, circuit_cooldown=1.0,
    ), sleep=clock.sleep, clock=clock.now)
    service.http.hooks["response"].append(recorder)
    yield service
    service.close()
    recorder.assert_clean()


@pytest.fixture
def fast(talon_sandbox, clock):
    """A service with short timeouts and a small breaker, for fault tests."""
    yield from checked_service(talon_sandbox, clock, read_timeout=0.5)


@pytest.fixture
def unhurried(talon_sandbox, clock):
    """The same service with the normal read timeout, for a test of overlap that slows every
    call down: on a busy machine a call with 200 ms of latency could pass fast's 0.5 s, and its
    retry started after the others were answered (5 entries for 4 calls, not overlapped)."""
    yield from checked_service(talon_sandbox, clock, read_timeout=TalonSettings.read_timeout)


def wait_for_log(control, path, method, count, timeout=5.0):
    """The sandbox logs a request when it answers; a delayed one shows up late."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entries = control.requests(path, method)
        if len(entries) >= count:
            return entries
        time.sleep(0.05)
    return control.requests(path, method)


def test_get_retries_through_transient_503s(fast, control):
    control.faults({"path": f"^{SESSION}$", "method": "GET", "status": 503, "count": 2})
    state = fast.integration.get_customer_session("sess-00001")
    assert state.session.integration_id == "sess-00001"
    assert [e["status"] for e in control.requests(SESSION, "GET")] == [503, 503, 200]
    assert fast.circuit.state == "closed"


def test_get_honours_retry_after_on_429(fast, control, clock):
    control.faults({"path": f"^{SESSION}$", "method": "GET", "status": 429, "retryAfter": 1,
                    "count": 1})
    started = clock.now()
    fast.integration.get_customer_session("sess-00001")
    assert 1.0 <= clock.now() - started < 1.8
    assert [e["status"] for e in control.requests(SESSION, "GET")] == [429, 200]


def test_429_beyond_the_cap_is_rate_limited_at_once(fast, control, clock):
    control.faults({"path": f"^{SESSION}$", "status": 429, "retryAfter": 60})
    with pytest.raises(TalonRateLimited) as caught:
        fast.integration.get_customer_session("sess-00001")
    assert clock.slept == []  # the transport waited for nothing
    assert caught.value.retry_after == 60 and caught.value.status == 429
    assert len(control.requests(SESSION, "GET")) == 1


def test_a_change_is_sent_exactly_once_when_upstream_times_out(fast, control):
    control.faults({"path": f"^{SESSION}$", "method": "PUT", "timeout": True,
                    "timeoutSeconds": 1.0, "count": 1})
    with pytest.raises(TalonOutcomeUnknown) as caught:
        fast.integration.update_customer_session("sess-00001", state="cancelled")
    assert caught.value.status is None and caught.value.request_id
    control.release()  # the held change is answered; nothing else may follow
    entries = wait_for_log(control, SESSION, "PUT", 1)
    assert len(control.requests(SESSION, "PUT")) == 1 == len(entries)
    # the change did happen upstream: exactly why the UI says "may have happened — re-check"
    assert fast.integration.get_customer_session("sess-00001").session.state == "cancelled"


def test_a_post_is_sent_exactly_once_when_upstream_times_out(fast, control):
    path = "/v1/coupon_reservations/VIPONLY-002"
    control.faults({"path": f"^{path}$", "method": "POST", "timeout": True,
                    "timeoutSeconds": 1.0, "count": 1})
    with pytest.raises(TalonOutcomeUnknown):
        fast.integration.create_coupon_reservation("VIPONLY-002", ["cust-0004"])
    control.release()
    wait_for_log(control, path, "POST", 1)
    assert len(control.requests(path, "POST")) == 1


def test_idempotent_return_retried_after_a_timeout_is_applied_once(fast, control):
    control.faults({"path": f"^{RETURNS}$", "method": "POST", "timeout": True,
                    "timeoutSeconds": 1.0, "count": 1})
    key = str(uuid.uuid4())
    state = fast.integration.return_cart_items("sess-00001", [(0, 1)], idempotency_key=key,
                                               response_content=["customerSession"])
    assert state.session.state == "partially_returned"
    control.release()
    entries = wait_for_log(control, RETURNS, "POST", 2)
    assert len(entries) == 2 and {e["idempotencyKey"] for e in entries} == {key}
    item = fast.integration.get_customer_session("sess-00001").session.cart_items[0]
    assert item.returned_quantity == 1  # applied once, not twice


def test_non_idempotent_return_times_out_as_outcome_unknown_and_is_not_retried(fast, control):
    control.faults({"path": f"^{RETURNS}$", "method": "POST", "timeout": True,
                    "timeoutSeconds": 1.0, "count": 1})
    with pytest.raises(TalonOutcomeUnknown):
        fast.integration.return_cart_items("sess-00001", [(0, 1)])
    control.release()
    wait_for_log(control, RETURNS, "POST", 1)
    assert len(control.requests(RETURNS, "POST")) == 1


def test_circuit_opens_and_closes(fast, control, clock):
    control.faults({"path": "^/v2/customer_sessions/", "method": "GET", "status": 500})
    for _ in range(3):
        with pytest.raises(TalonUnavailable):
            fast.integration.get_customer_session("sess-00001")
    assert fast.health()["circuit"]["state"] == "open"

    sent = len(control.requests(method="GET"))
    with pytest.raises(TalonCircuitOpen):
        fast.integration.get_customer_session("sess-00001")
    assert len(control.requests(method="GET")) == sent  # failed fast, nothing sent

    control.faults()  # upstream recovers
    clock.advance(1.05)
    assert fast.circuit.state == "half_open"
    fast.integration.get_customer_session("sess-00001")
    assert fast.health()["circuit"]["state"] == "closed"


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(409, TalonConflict), (503, TalonUnavailable), (500, TalonUnavailable)],
)
def test_injected_statuses_map_to_their_error_class(fast, control, status, error_class):
    control.faults({"path": f"^{SESSION}$", "method": "PUT", "status": status})
    with pytest.raises(error_class) as caught:
        fast.integration.update_customer_session("sess-00001", state="cancelled")
    assert caught.value.status == status and caught.value.message == "Injected fault"
    assert len(control.requests(SESSION, "PUT")) == 1  # a change is never retried


def test_malformed_json_from_upstream_is_unavailable_not_a_crash(talon_sandbox, control):
    # no spec hook here: the body is broken on purpose
    with TalonService(TalonSettings(base_url=talon_sandbox.url,
                                    integration_key=talon_sandbox.integration_key,
                                    management_key=talon_sandbox.management_key,
                                    retries=0)) as service:
        control.faults({"path": f"^{SESSION}$", "malformed": True})
        with pytest.raises(TalonMalformedResponse) as caught:
            service.integration.get_customer_session("sess-00001")
    assert isinstance(caught.value, TalonUnavailable) and isinstance(caught.value, TalonError)


def test_fan_out_isolates_a_failing_section(fast, control):
    control.faults({"path": "/inventory$", "status": 503})
    results = fast.fan_out({
        "session": lambda: fast.integration.get_customer_session("sess-00001"),
        "inventory": lambda: fast.integration.get_customer_inventory("cust-0001"),
        "sessions": lambda: fast.management.list_sessions(profile="cust-0001"),
    })
    assert results["session"].session.integration_id == "sess-00001"
    assert isinstance(results["inventory"], TalonUnavailable)
    assert results["sessions"].items


def test_fan_out_runs_the_calls_at_once(unhurried, control):
    control.faults(latency_ms=200)  # keeps each call in flight long enough to meet the others
    calls = {
        "profile": lambda: unhurried.integration.get_customer_inventory("cust-0001"),
        "sessions": lambda: unhurried.management.list_sessions(profile="cust-0001"),
        "card": lambda: unhurried.integration.get_loyalty_card_balances(1, "4000-0001"),
        "events": lambda: unhurried.management.list_events(profile="cust-0001"),
    }
    results = unhurried.fan_out(calls)
    assert not [r for r in results.values() if isinstance(r, Exception)]
    # every call reached Talon.One before any was answered (the log's order, not a clock)
    assert overlapped(control.requests()), control.requests()
