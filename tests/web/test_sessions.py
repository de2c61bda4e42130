"""The session page: cart, totals, codes, effects in words by campaign with their JSON, return
history and events; actions offered by state, role and store; sections failing on their own."""

from __future__ import annotations

import pytest

from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import text


def test_the_page_shows_the_cart_totals_and_effects_in_words(agent):
    page = agent.get("/sessions/sess-00001")
    assert page.status_code == 200
    body = text(page)
    for heading in ("Pos.", "SKU", "Name", "Qty", "Returned", "Remaining", "Price", "Line total"):
        assert heading in body
    assert "RUN-100 Trail runner shoes 1 0 1 €89.90 €89.90" in body
    assert "Cart value €129.70" in body and "Discounts -€26.46" in body and "To pay €103.24" in body
    assert "store-berlin" in body and "4000-0001" in body and "channel store" in body
    assert "Welcome discount campaign #1" in body
    assert "Welcome 10% (-€12.97)" in body and "Shoe week 15% on Trail runner (-€13.49)" in body
    html = page.get_data(as_text=True)
    assert "<details class=\"raw\"><summary>JSON</summary>" in html and "\"effectType\": \"setDiscount\"" in html
    assert "Session closed" in body and "Session created" in body  # the events timeline


def test_return_history_of_a_partially_returned_session(agent):
    body = text(agent.get("/sessions/sess-00004"))
    history = body[body.index("Return history"):body.index("Events")]
    assert "returned" in history and "×" in history
    assert "No items have been returned" not in history


@pytest.mark.parametrize("role,session_id,offered", [
    ("agent", "sess-00001", {"Dry-run preview", "Return items", "Reopen", "Cancel session"}),
    ("agent", "sess-00004", {"Dry-run preview", "Return items", "Cancel session"}),
    ("agent", "sess-00006", {"Dry-run preview", "Cancel session"}),
    ("agent", "sess-00008", {"Dry-run preview"}),
    ("marketer", "sess-00001", {"Dry-run preview"}),
    ("manager", "sess-00001", {"Dry-run preview", "Return items", "Reopen", "Cancel session"}),
    ("manager", "sess-00005", {"Dry-run preview"}),  # store-hamburg, the manager's is store-berlin
    ("admin", "sess-00005", {"Dry-run preview", "Return items", "Reopen", "Cancel session"}),
])
def test_only_allowed_actions_are_offered(login_as, role, session_id, offered):
    html = login_as(role).get(f"/sessions/{session_id}").get_data(as_text=True)
    nav = html[html.index('class="session-actions"'):html.index("</nav>", html.index('class="session-actions"'))]
    labels = {label for label in ("Dry-run preview", "Return items", "Reopen", "Cancel session") if label in nav}
    assert labels == offered


def test_an_unknown_session_says_so_and_offers_the_search(agent):
    # the page is streamed, so its status left before Talon.One said "no such session"
    page = agent.get("/sessions/sess-99999")
    assert page.status_code == 200
    assert 'No session “sess-99999”' in text(page)
    assert 'action="/search"' in page.get_data(as_text=True)


@pytest.mark.parametrize("bad_id", ["sess 1", "<script>", "x" * 300])
def test_a_malformed_session_id_is_refused_before_asking_talon_one(agent, upstream, bad_id):
    page = agent.get(f"/sessions/{bad_id}")
    assert page.status_code == 404
    assert "This is not a valid session ID" in text(page)
    assert "<script>" not in page.get_data(as_text=True)
    assert upstream.log() == []


def test_failing_events_do_not_blank_the_session(agent, upstream):
    upstream.fault(r"/events/", "GET", status=500)
    page = agent.get("/sessions/sess-00001")
    assert page.status_code == 200
    body = text(page)
    assert "Trail runner" in body and "Welcome discount" in body
    assert "Events: Talon.One is unavailable" in body and "Try again" in body
    assert 'hx-get="/sessions/sess-00001/sections/events"' in page.get_data(as_text=True)
    upstream.clear_faults()
    retry = agent.get("/sessions/sess-00001/sections/events", headers={"HX-Request": "true"})
    assert retry.status_code == 200 and "Session closed" in text(retry)
    assert "<html" not in retry.get_data(as_text=True)


def test_a_failing_session_read_keeps_the_events(agent, upstream):
    upstream.fault(r"^/v2/customer_sessions/sess-00001$", "GET", status=503)
    page = agent.get("/sessions/sess-00001")
    assert page.status_code == 200
    body = text(page)
    assert "Session sess-00001: Talon.One is unavailable" in body
    assert "Session closed" in body


def test_a_section_url_without_htmx_goes_to_the_page(agent):
    response = agent.get("/sessions/sess-00001/sections/events")
    assert response.status_code == 303 and response.headers["Location"].endswith("/sessions/sess-00001")
    assert agent.get("/sessions/sess-00001/sections/nope", headers={"HX-Request": "true"}).status_code == 404


def test_viewed_sessions_appear_on_the_home_page(agent):
    agent.get("/sessions/sess-00002")
    home = text(agent.get("/"))
    assert "Recently viewed" in home and "sess-00002" in home


def test_an_unknown_result_key_is_a_404(agent):
    assert agent.get("/sessions/sess-00001/results/" + "a" * 32).status_code == 404
