"""Pages within Talon.One's Management API limit (issue 12): the console waits for a slot, and
when another tool has spent the endpoint's budget, the one section that could not load says
why; a search never answers 502 for a rate limit. Time is manual (tests/talon/manual_time.py),
moving the sandbox's rate-limit clock along, so nothing waits for real."""
from __future__ import annotations

import pytest
import requests

from app.talon import TalonService, TalonSettings
from app.talon.budget_slots import MemorySlots
from tests.talon.manual_time import ManualTime
from tests.web.test_sessions_support import text

SESSIONS = "/v1/applications/1/sessions"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "TALON_MANAGEMENT_RATE_LIMIT": 3}


def control(sandbox, path: str, body: dict) -> dict:
    answer = requests.post(f"{sandbox.url}/sandbox/{path}", json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def sandbox_requests(sandbox, path: str) -> list[dict]:
    entries = requests.get(f"{sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
    return [e for e in entries if e["path"] == path]


@pytest.fixture
def manual_time(app, talon_sandbox):
    """The app's Talon.One service on a manual clock that also moves the sandbox's."""
    control(talon_sandbox, "rate-limit", {"managementPerSecond": 3, "clock": "manual"})
    time = ManualTime(on_advance=lambda s: control(talon_sandbox, "rate-limit", {"advanceSeconds": s}))
    old = app.extensions["talon"]
    service = TalonService(TalonSettings.from_mapping(app.config), http=old.http,
                           slots=MemorySlots(time.now), sleep=time.sleep, cache_clock=time.now)
    app.extensions["talon"] = service
    yield time
    app.extensions["talon"] = old


def test_a_page_waits_for_the_budget_another_tool_spent_and_is_complete(login_as, talon_sandbox, manual_time):
    agent = login_as("agent")
    headers = {"Authorization": f"ManagementKey-v1 {talon_sandbox.management_key}"}
    for _ in range(3):  # another tool with the same key spends this second's three
        assert requests.get(talon_sandbox.url + SESSIONS, headers=headers, timeout=10).status_code == 200
    page = agent.get("/customers/cust-0001")
    body = text(page)
    assert page.status_code == 200 and "sess-00001" in body and "Alice Archer" in body
    assert "at its limit" not in body and "rate limiting" not in body
    assert manual_time.slept == [pytest.approx(1.0)]  # Retry-After, waited in the budget
    assert [e["status"] for e in sandbox_requests(talon_sandbox, SESSIONS)][-2:] == [429, 200]
    budget = agent.get("/healthz").get_json()["talon"]["management_budget"]
    row = budget["endpoints"]["GET /v1/applications/{applicationId}/sessions"]
    assert row["refused_upstream"] == 1 and row["waits"] == 1


def test_a_budget_spent_beyond_the_deadline_fails_only_its_section(login_as, talon_sandbox, manual_time):
    # another tool keeps the sessions endpoint at its limit: Talon.One says "wait 5 s"
    control(talon_sandbox, "faults", {"rules": [{"path": "/sessions$", "method": "GET", "status": 429,
                                                 "retryAfter": 5}]})
    page = login_as("agent").get("/customers/cust-0001")
    body = text(page)
    assert page.status_code == 200 and "Alice Archer" in body
    assert "Sessions: Talon.One's Management API is at its limit" in body
    assert "Try again in 5 seconds" in body
    assert len(sandbox_requests(talon_sandbox, SESSIONS)) == 1  # asked once, not retried into it
    assert manual_time.slept == []


def test_a_search_never_answers_502_for_a_rate_limit(login_as, talon_sandbox, manual_time):
    control(talon_sandbox, "faults", {"rules": [{"path": "coupons_search", "status": 429, "retryAfter": 5}]})
    agent = login_as("agent")
    nothing = agent.get("/search", query_string={"q": "NOBODY-1234"})
    assert nothing.status_code == 503 and nothing.headers["Retry-After"] == "5"
    assert "Coupons: Talon.One's Management API is at its limit" in text(nothing)
    # a query that matched elsewhere still lists its match, with the coupon lookup named
    found = agent.get("/search", query_string={"q": "cust-0001"})
    assert found.status_code == 200 and "cust-0001" in text(found)
    assert "Coupons: Talon.One's Management API is at its limit" in text(found)


def test_a_search_asks_only_what_the_query_can_be(login_as, talon_sandbox):
    from app.search.lookups import possible_kinds

    assert possible_kinds("cust-0001") == ("customer", "session", "coupon", "card")
    assert possible_kinds("abc") == ("customer", "session")  # too short for a code or a card
    assert possible_kinds("two words") == ("person", "coupon")  # a full name (issue 16), or a code
    login_as("agent").get("/search", query_string={"q": "abc"})
    asked = requests.get(f"{talon_sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
    assert not [e for e in asked if "coupons_search" in e["path"] or "/cards/" in e["path"]]
    # the profile and the session are asked of the Integration API, not the Management API
    assert not [e for e in asked if e["path"].startswith("/v1/applications/1/customers")]


def test_suggestions_never_wait_and_the_same_query_costs_nothing_again(login_as, talon_sandbox, manual_time):
    agent = login_as("agent")
    def management_calls() -> int:
        entries = requests.get(f"{talon_sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
        return len([e for e in entries if e["path"].startswith(("/v1/applications", "/v1/loyalty"))])

    first = agent.get("/search/suggest", query_string={"q": "sess-0000"}, headers={"HX-Request": "true"})
    assert "sess-00001" in text(first)
    asked = management_calls()
    again = agent.get("/search/suggest", query_string={"q": "sess-0000"}, headers={"HX-Request": "true"})
    assert text(again) == text(first)
    # typing on: "sess-0000" had fewer sessions than were asked for (a complete answer), so
    # "sess-00001" is answered from it
    narrower = agent.get("/search/suggest", query_string={"q": "sess-00001"}, headers={"HX-Request": "true"})
    assert "sess-00001" in text(narrower) and "sess-00002" not in text(narrower)
    assert management_calls() == asked
    # typing on while the sessions endpoint's slots are spent: no wait, a note instead
    for number in range(5):
        later = agent.get("/search/suggest", query_string={"q": f"sess-0001{number}"},
                          headers={"HX-Request": "true"})
    assert "at its limit" in text(later) and "Press Enter to search" in text(later)
    assert manual_time.slept == []
    refused = requests.get(f"{talon_sandbox.url}/sandbox/rate-limit", timeout=10).json()
    assert sum(e["refused"] for e in refused["endpoints"]) == 0
