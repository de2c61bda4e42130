"""The budget, the single flight and the read cache against the sandbox enforcing Talon.One's
limit (3 per second per Management endpoint), over real HTTP. Time is manual on both sides:
the console's budget and cache run on a ManualTime, whose moves also move the sandbox's
rate-limit clock, so nothing here waits for a second to pass."""
from __future__ import annotations

import threading
import time as wall

import pytest
from flask_caching.backends import SimpleCache

from app.talon import TalonRateLimited, TalonService, TalonSettings
from app.talon.budget import TalonBudgetExhausted
from app.talon.budget_slots import MemorySlots
from tests.talon.manual_time import ManualTime

CARD = "/v1/loyalty_programs/1/cards/{}"
CARDS = "GET /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}"


@pytest.fixture
def limited(control):
    """The sandbox at Talon.One's 3 per second, on a manual clock."""
    control.rate_limit(managementPerSecond=3, clock="manual")
    return control


def service_for(sandbox, time: ManualTime, *, cache_store=None, **settings) -> TalonService:
    base = dict(base_url=sandbox.url, integration_key=sandbox.integration_key,
                management_key=sandbox.management_key, read_timeout=5.0, backoff=0.01,
                retries=2, management_rate_limit=3)
    base.update(settings)
    return TalonService(TalonSettings(**base), slots=MemorySlots(time.now), sleep=time.sleep,
                        cache_store=cache_store, cache_clock=time.now)


def moving_the_sandbox(control):
    return lambda seconds: control.rate_limit(advanceSeconds=seconds)


def test_a_request_over_the_budget_waits_rather_than_fails(talon_sandbox, limited):
    time = ManualTime(on_advance=moving_the_sandbox(limited))
    with service_for(talon_sandbox, time) as service:
        cards = [service.management.get_loyalty_card(1, f"4000-000{n}") for n in range(1, 5)]
        report = service.budget_report()["endpoints"][CARDS]
    assert [c.identifier for c in cards] == ["4000-0001", "4000-0002", "4000-0003", "4000-0004"]
    assert time.slept == [pytest.approx(1.25)]  # the fourth waited for its slot
    assert limited.refused() == 0
    assert report["requests"] == 4 and report["waits"] == 1 and report["refused_upstream"] == 0


def test_without_the_budget_the_fourth_is_refused(talon_sandbox, limited):
    time = ManualTime(on_advance=moving_the_sandbox(limited))
    with service_for(talon_sandbox, time, management_rate_limit=0, retries=0) as service:
        for n in range(1, 4):
            service.management.get_loyalty_card(1, f"4000-000{n}")
        with pytest.raises(TalonRateLimited) as refused:
            service.management.get_loyalty_card(1, "4000-0004")
    assert refused.value.status == 429 and refused.value.retry_after == 1
    assert limited.refused() == 1


def test_a_429_from_another_tool_holds_the_endpoint_and_the_retry_waits_its_turn(talon_sandbox, limited):
    time = ManualTime(on_advance=moving_the_sandbox(limited))
    other_tool = limited.http
    headers = {"Authorization": f"ManagementKey-v1 {talon_sandbox.management_key}"}
    for n in range(1, 4):  # another tool with the same key spends this second's three
        assert other_tool.get(talon_sandbox.url + CARD.format(f"4000-001{n}"), headers=headers,
                              timeout=10).status_code == 200
    with service_for(talon_sandbox, time) as service:
        card = service.management.get_loyalty_card(1, "4000-0001")
        report = service.budget_report()["endpoints"][CARDS]
    assert card.identifier == "4000-0001"
    # one refusal, then the retry waited out Retry-After (1 s) in the budget, and was answered
    assert limited.refused() == 1
    assert time.slept == [pytest.approx(1.0)]
    assert report["refused_upstream"] == 1 and report["requests"] == 2


def test_a_spent_budget_fails_its_call_with_a_specific_error(talon_sandbox, control):
    # another tool keeps the endpoint busy: every answer is 429 with Retry-After 5
    control.faults({"path": "/cards/", "method": "GET", "status": 429, "retryAfter": 5})
    time = ManualTime()
    with service_for(talon_sandbox, time) as service:
        with pytest.raises(TalonBudgetExhausted) as spent:
            service.management.get_loyalty_card(1, "4000-0001")
    assert spent.value.retry_after == pytest.approx(5.0)
    assert time.slept == []  # the page's 3 s cannot cover 5 s: it says so at once
    assert len(control.requests(CARD.format("4000-0001"))) == 1  # sent once, never retried


def test_a_burst_of_identical_reads_reaches_talon_one_once(talon_sandbox, control):
    time = ManualTime()
    readers = 8
    with service_for(talon_sandbox, time) as service:
        def hold_the_answer(response, *args, **kwargs):
            # the first call's answer waits here until the other seven have joined its flight
            deadline = wall.monotonic() + 20
            while service.transport.flights.shared < readers - 1 and wall.monotonic() < deadline:
                wall.sleep(0.005)
            return response

        service.http.hooks["response"].append(hold_the_answer)
        results: list = []
        threads = [threading.Thread(target=lambda: results.append(
            service.management.list_sessions(profile="cust-0001"))) for _ in range(readers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(results) == readers and len({tuple(s.integration_id for s in r) for r in results}) == 1
    assert len(control.requests("/v1/applications/1/sessions")) == 1


def test_a_cached_read_is_refreshed_after_its_ttl_and_after_the_consoles_change(talon_sandbox, control):
    time = ManualTime()
    with service_for(talon_sandbox, time, cache_ttl=60) as service:
        names = lambda: {a.id: a.name for a in service.management.list_audiences()}  # noqa: E731
        assert names()[1] == "VIP"
        assert names()[1] == "VIP"
        assert len(control.requests("/v1/audiences")) == 1  # the second came from the cache
        time.advance(60)
        names()
        assert len(control.requests("/v1/audiences")) == 2  # stale after its TTL: read again
        service.integration.update_audience(1, "VIP customers")
        assert names()[1] == "VIP customers"  # the console's own change: read afresh at once
        assert len(control.requests("/v1/audiences")) == 3


def test_the_cache_is_shared_and_one_instances_change_reaches_the_other(talon_sandbox, control):
    time = ManualTime()
    shared = SimpleCache(default_timeout=0)  # stands in for the Redis both instances share
    with service_for(talon_sandbox, time, cache_store=shared) as first, \
            service_for(talon_sandbox, time, cache_store=shared) as second:
        assert first.management.campaign_names()[2] == "Summer coupons"
        assert second.management.campaign_names()[2] == "Summer coupons"
        assert len(control.requests("/v1/applications/1/campaigns")) == 1
        first.integration.create_audience("Walk-ins")
        second.management.list_audiences()
        assert "Walk-ins" in {a.name for a in second.management.list_audiences()}
        assert len(control.requests("/v1/audiences")) == 1  # the change came before any read
