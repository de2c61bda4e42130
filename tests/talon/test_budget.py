"""The Management budget on its own (app/talon/budget.py, budget_slots.py): per endpoint at most
N in any window of 1 s + margin, waits instead of failures, priorities. Time is manual."""
from __future__ import annotations

import logging
import threading

import pytest

from app.talon.budget import (BULK, INTERACTIVE, SUGGEST, BudgetSettings, ManagementBudget,
                              TalonBudgetExhausted, priority)
from app.talon.budget_slots import MemorySlots
from app.talon.endpoints import management_endpoint
from tests.talon.manual_time import ManualTime

CARDS = "GET /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}"


def budget_on(time: ManualTime, **settings) -> ManagementBudget:
    return ManagementBudget(BudgetSettings(**{"per_second": 3, "margin": 0.25, **settings}),
                            MemorySlots(time.now), sleep=time.sleep)


def test_endpoints_are_method_and_path_template():
    assert management_endpoint("GET", "/v1/loyalty_programs/1/cards/4000-0001") == CARDS
    assert management_endpoint("get", "/v1/loyalty_programs/2/cards/x.y@z") == CARDS
    assert management_endpoint("PUT", "/v1/loyalty_programs/1/cards/4000-0001") == CARDS.replace("GET", "PUT")
    assert management_endpoint("GET", "/v1/audiences/analytics") == "GET /v1/audiences/analytics"
    assert management_endpoint("GET", "/v1/audiences/7/memberships") == \
        "GET /v1/audiences/{audienceId}/memberships"
    assert management_endpoint("GET", "/v1/applications/1/sessions") == \
        "GET /v1/applications/{applicationId}/sessions"
    assert management_endpoint("GET", "/v1/unknown/1") == "GET /v1/unknown/1"


def test_memory_slots_hold_n_per_window_and_say_when_the_next_frees():
    time = ManualTime()
    slots = MemorySlots(time.now)
    assert [slots.take("e", 3, 1.25) for _ in range(3)] == [0.0, 0.0, 0.0]
    time.advance(0.5)
    assert slots.take("e", 3, 1.25) == pytest.approx(0.75)
    assert slots.take("other", 3, 1.25) == 0.0
    time.advance(0.75)
    assert slots.take("e", 3, 1.25) == 0.0
    slots.block("e", 2.0)
    assert slots.take("e", 3, 1.25) == pytest.approx(2.0)
    report = slots.report(1.25)["e"]
    assert report["requests"] == 4 and report["in_window"] == 1 and report["blocked_seconds"] == 2.0


def test_a_request_over_the_budget_waits_for_its_slot(caplog):
    time = ManualTime()
    budget = budget_on(time)
    with caplog.at_level(logging.WARNING, logger="app.talon"):
        waits = [budget.acquire(CARDS) for _ in range(4)]
    assert waits == [0.0, 0.0, 0.0, pytest.approx(1.25)]
    assert time.slept == [pytest.approx(1.25)]
    assert any("waiting 1.25s for a free " + CARDS in r.getMessage() for r in caplog.records)
    row = budget.report()["endpoints"][CARDS]
    assert row["requests"] == 4 and row["waits"] == 1 and row["wait_seconds"] == pytest.approx(1.2, abs=0.1)
    assert row["gave_up"] == 0


def test_a_wait_beyond_the_deadline_fails_without_sending():
    time = ManualTime()
    budget = budget_on(time, interactive_wait=3.0)
    budget.refused_upstream(CARDS, 5.0)  # another tool: Talon.One said wait 5 s
    with pytest.raises(TalonBudgetExhausted) as refused:
        budget.acquire(CARDS)
    assert refused.value.retry_after == pytest.approx(5.0)
    assert "3 requests per second per endpoint" in refused.value.message
    assert time.slept == []  # no point waiting 3 s for a slot 5 s away
    row = budget.report()["endpoints"][CARDS]
    assert row["refused_upstream"] == 1 and row["gave_up"] == 1 and row["requests"] == 0


def test_suggestions_never_wait_and_never_take_the_last_slot():
    time = ManualTime()
    budget = budget_on(time)
    with priority(SUGGEST):
        budget.acquire(CARDS)
        budget.acquire(CARDS)
        with pytest.raises(TalonBudgetExhausted, match="to pages"):
            budget.acquire(CARDS)
    assert budget.acquire(CARDS) == 0.0  # the page still has its slot
    assert time.slept == []


def test_bulk_work_paces_itself_to_what_pages_leave():
    time = ManualTime()
    budget = budget_on(time)
    with priority(BULK):
        waits = [budget.acquire(CARDS) for _ in range(6)]
    # two per window: the third slot of every window stays free for pages
    assert waits == [0.0, 0.0, pytest.approx(1.25), 0.0, pytest.approx(1.25), 0.0]
    assert budget.acquire(CARDS) == 0.0


class GrantOrder(MemorySlots):
    """Records which thread got each slot, in the order granted (under the slots' lock)."""

    def __init__(self, clock) -> None:
        super().__init__(clock)
        self.granted: list[str] = []

    def take(self, endpoint, limit, window):
        wait = super().take(endpoint, limit, window)
        if wait == 0:
            self.granted.append(threading.current_thread().name)
        return wait


def test_interactive_reads_overtake_a_waiting_bulk_job():
    time = ManualTime(blocking=True)
    slots = GrantOrder(time.now)
    budget = ManagementBudget(BudgetSettings(per_second=3, margin=0.25), slots, sleep=time.sleep)

    def bulk_job():
        with priority(BULK):
            for _ in range(4):
                budget.acquire(CARDS)

    job = threading.Thread(target=bulk_job, name="bulk")
    job.start()
    time.wait_for_sleepers(1)  # two bulk reads went; the third waits for the window
    assert slots.granted == ["bulk", "bulk"]
    page = threading.Thread(target=lambda: [budget.acquire(CARDS) for _ in range(2)], name="page")
    page.start()
    time.wait_for_sleepers(2)  # the page got the slot bulk work leaves free, and waits for another
    assert slots.granted == ["bulk", "bulk", "page"]
    time.advance(1.25)  # both wake at once: the page goes first, the job steps aside
    page.join(timeout=30)
    while job.is_alive():
        time.advance(0.05)
        job.join(timeout=0.01)
    assert slots.granted == ["bulk", "bulk", "page", "page", "bulk", "bulk"]


def test_the_budget_off_never_waits():
    time = ManualTime()
    budget = budget_on(time, per_second=0)
    assert all(budget.acquire(CARDS) == 0.0 for _ in range(20))
    assert budget.report()["endpoints"] == {}
    assert INTERACTIVE == "interactive"


def test_an_unreachable_redis_falls_back_to_this_process_alone(caplog):
    from app.talon.budget_slots import FallbackSlots, slots_for

    slots = slots_for("redis://127.0.0.1:1/0", "test")
    assert isinstance(slots, FallbackSlots)
    budget = ManagementBudget(BudgetSettings(per_second=3), slots, sleep=lambda s: None)
    with caplog.at_level(logging.WARNING, logger="app.talon"):
        assert budget.acquire(CARDS) == 0.0
    assert "shared store is unreachable" in caplog.text
    # one request per window while the store is away (the others' counts are unknown)
    assert slots.take(CARDS, 3, 1.25) > 0
    assert budget.report()["endpoints"][CARDS]["store"].startswith("this process")


def test_a_failing_cache_store_reads_through():
    from app.talon.cache import MISSING, ReadCache

    class Broken:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("redis is down")
            return fail

    cache = ReadCache(Broken(), 60)
    assert cache.fetch("campaigns", "names", lambda: {"1": "Welcome"}) == {"1": "Welcome"}
    cache.invalidate("campaigns")
    assert cache.get("campaigns", "names") is MISSING
    assert cache.report()["store_errors"] >= 3
