"""Streamed pages (app.streaming): the customer and session pages send their frame before
Talon.One answers, then their content. Checked here: the order (frame first, while the upstream
call is still held), the session cookie (flashes and the CSRF token made by the frame are kept),
a failure while the content is built (a panel in the page, logged, never a 500 or a trace), and
that checks which need no Talon.One call still answer with their own status."""

from __future__ import annotations

import logging
import re
import threading

import pytest

from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import text

PAGES = {
    "session": ("/sessions/sess-00001", "app.sessions.routes", "details", "Cart"),
    "customer": ("/customers/cust-0001", "app.customers.sections", "inventory", "Alice Archer"),
}


def held_call(monkeypatch, module_name: str, call_name: str) -> threading.Event:
    """Make the page's ``call_name`` upstream call wait until the returned event is set."""
    import importlib

    module = importlib.import_module(module_name)
    release = threading.Event()
    original = module._calls

    def calls(*args, **kwargs):
        planned = original(*args, **kwargs)
        call = planned[call_name]

        def held():
            assert release.wait(30), "the test never released the call"
            return call()

        planned[call_name] = held
        return planned

    monkeypatch.setattr(module, "_calls", calls)
    return release


@pytest.mark.parametrize("page", PAGES)
def test_the_frame_leaves_before_talon_one_answers(agent, upstream, monkeypatch, page):
    path, module, call, content_word = PAGES[page]
    release = held_call(monkeypatch, module, call)
    response = agent.get(path, buffered=False)
    try:
        assert response.status_code == 200
        chunks = iter(response.response)
        frame = next(chunks).decode()
        # the head, the header with its search box and the page's title are in the browser
        # while the upstream call is still held
        assert "<head>" in frame and 'name="q"' in frame and "<title>" in frame
        assert content_word not in frame and "</html>" not in frame
        assert not release.is_set()
        release.set()
        rest = b"".join(chunks).decode()
    finally:
        release.set()
        response.close()
    assert content_word in rest and rest.rstrip().endswith("</html>")


def test_a_failure_while_the_content_is_built_is_a_panel_not_a_500(agent, monkeypatch, caplog):
    import app.sessions.session_view as session_view

    def broken(*args, **kwargs):
        raise ValueError("a programming error")

    monkeypatch.setattr(session_view, "page_context", broken)
    caplog.set_level(logging.ERROR, logger="app.streaming")
    page = agent.get("/sessions/sess-00001", headers={"X-Request-ID": "req-stream-1"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This page could not be completed" in text(page) and "req-stream-1" in body
    assert "Traceback" not in body and "a programming error" not in body
    assert body.rstrip().endswith("</html>")  # the frame is closed properly
    assert any("req-stream-1" in r.getMessage() and r.exc_info for r in caplog.records)
    assert agent.get("/").status_code == 200  # and the next request is fine


def test_a_message_shown_by_a_streamed_page_is_shown_once(agent):
    with agent.session_transaction() as session:
        session["_flashes"] = [("message", "Shown exactly once")]
    assert "Shown exactly once" in text(agent.get("/customers/cust-0001"))
    assert "Shown exactly once" not in text(agent.get("/sessions/sess-00001"))


def test_the_csrf_token_of_a_streamed_page_is_kept(agent):
    with agent.session_transaction() as session:
        session.pop("csrf_token", None)
    page = agent.get("/sessions/sess-00001").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    # a form posted with the token from that page is accepted (not "The form has expired")
    response = agent.post("/logout", data={"csrf_token": token})
    assert response.status_code in (302, 303)


@pytest.mark.parametrize("path", ["/customers/cust%200001", "/sessions/%3Cscript%3E"])
def test_a_malformed_id_is_still_a_404_sent_before_streaming(agent, upstream, path):
    page = agent.get(path)
    assert page.status_code == 404 and "Error 404" in text(page)
    assert upstream.log() == []


def test_the_view_is_recorded_after_the_last_byte(agent, app):
    """The recently viewed list is written once the page is sent (app.streaming.after_response),
    not while the browser waits for the page's last byte."""
    from app.recent import RecentView

    def viewed() -> list[str]:
        with app.app_context():
            return [v.target_id for v in RecentView.query.all()]

    response = agent.get("/sessions/sess-00004", buffered=False)
    try:
        body = b"".join(response.response).decode()
        assert "Cart" in body and body.rstrip().endswith("</html>")
        assert "sess-00004" not in viewed()  # every byte is out, the write is still to come
    finally:
        response.close()
    assert "sess-00004" in viewed()


def test_a_failing_record_of_the_view_is_only_logged(agent, monkeypatch, caplog):
    import app.customers.routes as customer_routes

    def broken(*args, **kwargs):
        raise RuntimeError("bookkeeping failed")

    monkeypatch.setattr(customer_routes, "remember", broken)
    caplog.set_level(logging.ERROR, logger="app.streaming")
    page = agent.get("/customers/cust-0001")
    assert page.status_code == 200 and "Alice Archer" in text(page)
    assert any("after a streamed response" in r.getMessage() for r in caplog.records)
