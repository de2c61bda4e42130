"""One timeline per customer: sessions, Talon.One events with their effects in words, loyalty
transactions and the console's own actions, newest first, filtered by kind and day, paged by a
cursor that never loses or repeats an entry, each entry linking to its object."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from app.customers import timeline
from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import field_error, text

ALICE = "cust-0001"
ENTRY = re.compile(r'<li class="timeline-entry timeline-(\w+)" data-when="([^"]+)"')


def entries(response) -> list[tuple[str, datetime]]:
    return [(kind, datetime.fromisoformat(when))
            for kind, when in ENTRY.findall(response.get_data(as_text=True))]


def older_link(response) -> str | None:
    match = re.search(r'<a rel="next" href="([^"]+)"', response.get_data(as_text=True))
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def manager(login_as):
    return login_as("manager")


def test_the_customer_page_links_to_the_timeline(agent):
    assert 'href="/customers/cust-0001/timeline"' in agent.get(f"/customers/{ALICE}").get_data(as_text=True)


def test_every_kind_newest_first_each_linking_to_its_object(manager):
    response = manager.get(f"/customers/{ALICE}/timeline")
    assert response.status_code == 200
    found = entries(response)
    assert len(found) == timeline.PER_PAGE
    assert [when for _kind, when in found] == sorted((w for _k, w in found), reverse=True)
    assert {"sessions", "events", "loyalty"} <= {kind for kind, _when in found}
    html, words = response.get_data(as_text=True), text(response)
    assert 'href="/sessions/sess-00006"' in html and "Session sess-00006" in words
    assert "Session closed · sess-00005" in words
    assert "Store card points" in words, "an event's effects in words"
    assert re.search(r"\+\d+ points, Store Card on card 4000-0001", words)
    assert 'href="/loyalty/1/cards/4000-0001"' in html


def test_the_consoles_own_actions_are_at_the_top_for_audit_roles(manager, login_as):
    manager.post(f"/customers/{ALICE}/why-not", data={"csrf_token": manager.csrf, "code": "VIPONLY-003"})
    response = manager.get(f"/customers/{ALICE}/timeline")
    (kind, _when), *_rest = entries(response)
    assert kind == "console"
    assert "Customer: why not" in text(response) and "by manager (manager)" in text(response)
    # agents see no audit entries, and are told why
    response = login_as("agent").get(f"/customers/{ALICE}/timeline")
    assert "console" not in {k for k, _w in entries(response)}
    assert "The console's own actions are shown to managers and admins" in text(response)


def test_filter_by_kind(manager):
    response = manager.get(f"/customers/{ALICE}/timeline?kind=loyalty")
    kinds = {k for k, _w in entries(response)}
    assert kinds == {"loyalty"}
    response = manager.get(f"/customers/{ALICE}/timeline?kind=sessions&kind=events")
    assert {k for k, _w in entries(response)} == {"sessions", "events"}


def test_filter_by_day(manager):
    everything = entries(manager.get(f"/customers/{ALICE}/timeline?kind=sessions"))
    day = everything[2][1].date()
    response = manager.get(f"/customers/{ALICE}/timeline?kind=sessions&first_day={day}&last_day={day}")
    found = entries(response)
    assert found and all(when.date() == day for _k, when in found)


@pytest.mark.parametrize("query,field_id,message", [
    ("first_day=2026-05-02&last_day=2026-05-01", "last_day", "The last day is before the first."),
    ("first_day=0001-01-01", "first_day", "A day from 2000 to 2100."),
    ("first_day=yesterday", "first_day", "Not a valid date value."),
])
def test_a_bad_filter_is_said_next_to_its_field_and_nothing_is_read(manager, upstream, query, field_id, message):
    response = manager.get(f"/customers/{ALICE}/timeline?{query}")
    assert response.status_code == 422
    assert message in field_error(response, field_id)
    assert upstream.log("GET", r"/events/no_total") == []


def test_pages_neither_lose_nor_repeat_an_entry(manager, monkeypatch):
    monkeypatch.setattr(timeline, "PER_PAGE", 40)
    whole = entries(manager.get(f"/customers/{ALICE}/timeline"))
    monkeypatch.setattr(timeline, "PER_PAGE", 7)
    paged, url = [], f"/customers/{ALICE}/timeline"
    while url and len(paged) < len(whole):
        response = manager.get(url)
        paged += entries(response)
        url = older_link(response)
    assert paged[:len(whole)] == whole


def test_a_cursor_that_is_not_one_starts_at_the_newest(manager):
    first = entries(manager.get(f"/customers/{ALICE}/timeline"))
    assert entries(manager.get(f"/customers/{ALICE}/timeline?older=not-a-cursor")) == first


def test_a_source_that_fails_leaves_the_others(manager, upstream):
    upstream.fault(r"/events/no_total", "GET", status=503)
    response = manager.get(f"/customers/{ALICE}/timeline")
    assert response.status_code == 200
    assert "Talon.One events could not be read" in text(response)
    assert {"sessions", "loyalty"} <= {k for k, _w in entries(response)}


def management_reads(upstream) -> list[str]:
    return sorted(e["path"] for e in upstream.log("GET") if e["path"].startswith("/v1/applications/")
                  or e["path"] == "/v1/loyalty_programs")


def test_a_page_costs_two_management_calls(manager, upstream):
    """The sessions and the events; campaign names and programs come from the read cache
    once they are in it (the Application's settings, for its time zone, once per hold period)."""
    manager.get(f"/customers/{ALICE}/timeline")
    assert management_reads(upstream) == [
        "/v1/applications/1", "/v1/applications/1/campaigns", "/v1/applications/1/events/no_total",
        "/v1/applications/1/sessions", "/v1/loyalty_programs"]
    first = len(upstream.log("GET"))
    manager.get(f"/customers/{ALICE}/timeline")
    again = [e["path"] for e in upstream.log("GET")[first:] if e["path"].startswith("/v1/applications/")
             or e["path"] == "/v1/loyalty_programs"]
    assert sorted(again) == ["/v1/applications/1/events/no_total", "/v1/applications/1/sessions"]


def test_an_unknown_customer_is_a_404(manager):
    assert manager.get("/customers/cust-nobody/timeline").status_code == 404
    assert manager.get("/customers/a%20b/timeline").status_code == 404


def test_the_cursor_round_trips():
    entry = timeline.Entry(datetime.fromisoformat("2026-05-01T10:00:00+00:00"), "loyalty", "a|b", "t")
    cursor = timeline.Cursor.of(entry)
    assert timeline.Cursor.decode(cursor.encode()) == cursor
    assert timeline.Cursor.decode("x" * 500) is None
    assert timeline.Window(first_day=date(2026, 5, 1), last_day=date(2026, 5, 1)).holds(entry)
