"""Returns: every bad input, roles and stores, states, the dry-run preview, exactly-once confirm
(replays, concurrent double submits, retries after a timeout) and upstream faults."""

from __future__ import annotations

import threading

import pytest

from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import (
    SLOW_ANSWER,
    audit_rows,
    blind_to_the_first_look,
    field_error,
    form_key,
    text,
)

SESSION = "sess-00001"  # closed, store-berlin: RUN-100 × 1 (position 0), TEE-010 × 2 (position 1)
RETURNS = rf"^/v2/customer_sessions/{SESSION}/returns$"


def return_form(client, quantities: dict | list, *, key: str, reason: str = "Wrong size",
                action: str = "confirm") -> dict:
    """The return form's fields. A dict maps position to the typed quantity, and the cart's other
    lines (positions 0 and 1) go with "0", as the browser sends them; a list of pairs is sent as
    it is (a repeated position, or no lines at all)."""
    if isinstance(quantities, dict):
        pairs = sorted({0: "0", 1: "0", **quantities}.items())
    else:
        pairs = list(quantities)
    data = {"csrf_token": client.csrf, "form_key": key, "reason": reason, "action": action}
    for index, (position, quantity) in enumerate(pairs):
        data[f"lines-{index}-position"] = str(position)
        data[f"lines-{index}-quantity"] = str(quantity)
    return data


def new_key(client, session_id: str = SESSION) -> str:
    return form_key(client.get(f"/sessions/{session_id}/return"))


def post_return(client, quantities, session_id: str = SESSION, **kwargs):
    key = kwargs.pop("key", None) or new_key(client, session_id)
    return client.post(f"/sessions/{session_id}/return", data=return_form(client, quantities, key=key, **kwargs))


# -- the form --------------------------------------------------------------------------------

def test_the_form_lists_what_can_still_be_returned(agent):
    page = agent.get("/sessions/sess-00004/return")  # partially returned already
    assert page.status_code == 200
    body = text(page)
    assert "Remaining" in body and "Reason" in body
    assert 'name="lines-0-position"' in page.get_data(as_text=True)
    assert len(form_key(page)) >= 16


@pytest.mark.parametrize("action", ["preview", "confirm"])
@pytest.mark.parametrize("quantities,reason,field_id,message", [
    ({0: "0", 1: "0"}, "Wrong size", "selection", "Pick at least one item"),
    ([], "Wrong size", "selection", "Pick at least one item"),
    ({1: "-1"}, "Wrong size", "lines-1-quantity", "Cannot be negative"),
    ({1: "3"}, "Wrong size", "lines-1-quantity", "Only 2 of Organic T-shirt"),
    ({1: "two"}, "Wrong size", "lines-1-quantity", "Enter a whole number"),
    ({1: "1.5"}, "Wrong size", "lines-1-quantity", "Enter a whole number"),
    ({1: "<b>1</b>"}, "Wrong size", "lines-1-quantity", "Enter a whole number"),
    ({7: "1"}, "Wrong size", "lines-2-quantity", "no item at position 7"),
    ([(0, "0"), (1, "1"), (1, "1")], "Wrong size", "lines-2-quantity", "listed twice"),
    ({1: "1"}, "", "reason", "Give a reason"),
    ({1: "1"}, "x" * 501, "reason", "At most 500 characters"),
    ({1: "1"}, "<script>alert(1)</script>", "reason", "plain text"),
    ({1: "1"}, "ok <img src=x onerror=alert(1)>", "reason", "plain text"),
])
def test_bad_input_gets_a_field_error_and_changes_nothing(agent, upstream, app, action, quantities, reason,
                                                         field_id, message):
    response = post_return(agent, quantities, reason=reason, action=action)
    assert response.status_code == 422
    if field_id == "selection":
        assert message in text(response)
        assert 'id="selection-errors"' in response.get_data(as_text=True)
    else:
        assert message in field_error(response, field_id)
    assert "<script>alert" not in response.get_data(as_text=True)
    assert upstream.log("POST", RETURNS) == []
    assert upstream.state(SESSION) == "closed"
    assert audit_rows(app, action="session.return") == []


def test_a_damaged_form_key_is_refused(agent, upstream):
    response = post_return(agent, {1: "1"}, key="not a key!")
    assert response.status_code == 422
    assert "reload the page" in text(response)
    assert upstream.log("POST", RETURNS) == []


# -- preview and confirm ---------------------------------------------------------------------

def test_preview_is_a_dry_run_that_shows_the_rollbacks(agent, upstream, app):
    response = post_return(agent, {1: "1"}, action="preview")
    assert response.status_code == 200
    body = text(response)
    assert "Discounts rolled back -€1.99" in body
    assert "20 earned points taken back from card 4000-0001" in body
    assert "Confirm the return" in body
    sent = upstream.log("POST", RETURNS)
    assert len(sent) == 1 and "dry=true" in sent[0]["query"]
    assert upstream.state(SESSION) == "closed"
    [entry] = audit_rows(app, action="session.return")
    assert entry.dry_run and entry.outcome == "success"
    assert entry.summary["reason"] == "Wrong size"


def test_confirm_returns_once_and_a_replay_shows_the_same_result(agent, upstream, app):
    key = new_key(agent)
    data = return_form(agent, {1: "1"}, key=key)
    first = agent.post(f"/sessions/{SESSION}/return", data=data)
    assert first.status_code == 303
    assert first.headers["Location"].endswith(f"/sessions/{SESSION}/results/{key}")
    again = agent.post(f"/sessions/{SESSION}/return", data=data)  # refresh / double click
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]

    sent = upstream.changes("POST", RETURNS)
    assert len(sent) == 1 and sent[0]["idempotencyKey"] == key
    cart = upstream.session(SESSION)["customerSession"]["cartItems"]
    assert [i["returnedQuantity"] for i in cart] == [0, 1]

    result = agent.get(first.headers["Location"])
    body = text(result)
    assert result.status_code == 200 and "partially returned" in body
    assert "Discount Welcome 10% taken back" in body and "Wrong size" in body
    [entry] = audit_rows(app, action="session.return", dry_run=False)
    assert (entry.outcome, entry.upstream_status) == ("success", 200)
    assert entry.summary["reason"] == "Wrong size" and entry.summary["idempotency_key"] == key
    assert entry.summary["new_state"] == "partially_returned"


def test_the_same_form_asking_for_other_items_is_not_sent(agent, upstream, app):
    key = new_key(agent)
    assert post_return(agent, {1: "1"}, key=key).status_code == 303
    response = post_return(agent, {0: "1"}, key=key)
    assert response.status_code == 409
    assert "already confirmed" in text(response)
    assert form_key(response) != key
    assert len(upstream.changes("POST", RETURNS)) == 1
    assert [e.outcome for e in audit_rows(app, action="session.return")] == ["success", "refused"]


def test_a_form_that_timed_out_cannot_be_resent_for_other_items(agent, upstream, app):
    key = new_key(agent)
    upstream.fault(RETURNS, "POST", count=1, **SLOW_ANSWER)
    assert post_return(agent, {1: "1"}, key=key).status_code == 504
    upstream.wait_for("POST", RETURNS)
    response = post_return(agent, {1: "2"}, key=key)  # the agent "corrects" the quantity
    assert response.status_code == 409
    assert "already used for a different return" in text(response)
    assert len(upstream.changes("POST", RETURNS)) == 1
    assert [e.outcome for e in audit_rows(app, action="session.return")] == ["unknown", "refused"]


def test_a_concurrent_double_submit_returns_once(agent, login_as, upstream, talon_sandbox):
    """Two console instances (two logged-in clients) post the same form at the same moment while
    Talon.One is slow: one return is sent, both show its result."""
    other = login_as("agent")
    key = new_key(agent)
    upstream.http.post(f"{talon_sandbox.url}/sandbox/faults", json={"rules": [], "latencyMs": 400},
                       timeout=30).raise_for_status()
    answers = []

    def submit(client):
        answers.append(client.post(f"/sessions/{SESSION}/return", data=return_form(client, {1: "1"}, key=key)))

    threads = [threading.Thread(target=submit, args=(c,)) for c in (agent, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [a.status_code for a in answers] == [303, 303]
    assert {a.headers["Location"] for a in answers} == {f"/sessions/{SESSION}/results/{key}"}
    assert len(upstream.changes("POST", RETURNS)) == 1
    assert [i["returnedQuantity"] for i in upstream.session(SESSION)["customerSession"]["cartItems"]] == [0, 1]


def test_a_confirm_that_reads_the_session_after_its_twin_used_it_up_shows_the_twin_result(
        agent, login_as, upstream, app, monkeypatch):
    """The race the scale test found: instance B looks for an earlier try of the form before A
    has claimed it, then reads the session after A's return has used up the quantity. B answers
    with A's result instead of refusing the very return it asked for, and sends nothing."""
    other = login_as("agent")
    key = new_key(agent)
    first = agent.post(f"/sessions/{SESSION}/return", data=return_form(agent, {1: "2"}, key=key))
    assert first.status_code == 303

    looks = blind_to_the_first_look(monkeypatch)
    second = other.post(f"/sessions/{SESSION}/return", data=return_form(other, {1: "2"}, key=key))
    assert second.status_code == 303, text(second)
    assert second.headers["Location"] == first.headers["Location"]
    assert len(looks) == 2  # the look before the session was read, and the one after
    assert len(upstream.changes("POST", RETURNS)) == 1
    assert [e.outcome for e in audit_rows(app, action="session.return", dry_run=False)] == ["success"]


def test_a_form_whose_quantity_is_used_up_by_another_form_is_still_refused(agent, upstream, app):
    """The look for a twin confirm must not let a different form through."""
    assert post_return(agent, {1: "2"}).status_code == 303
    refused = post_return(agent, {1: "1"})
    assert refused.status_code == 422
    assert "returned in full already" in field_error(refused, "lines-1-quantity")
    assert len(upstream.changes("POST", RETURNS)) == 1


# -- roles, stores and states ------------------------------------------------------------------

def test_a_marketer_may_not_return(login_as, upstream, app):
    marketer = login_as("marketer")
    assert marketer.get(f"/sessions/{SESSION}/return").status_code == 403
    response = marketer.post(f"/sessions/{SESSION}/return",
                             data=return_form(marketer, {1: "1"}, key="a" * 32))
    assert response.status_code == 403
    assert upstream.log("POST", RETURNS) == []
    refusals = audit_rows(app, action="permission.refused")
    assert refusals and all(r.outcome == "refused" for r in refusals)
    assert "Return items" not in text(marketer.get(f"/sessions/{SESSION}"))


def test_a_manager_returns_only_in_their_own_store(login_as, upstream, app):
    manager = login_as("manager")  # store-berlin
    assert manager.get(f"/sessions/{SESSION}/return").status_code == 200
    other_store = "sess-00005"  # store-hamburg
    assert manager.get(f"/sessions/{other_store}/return").status_code == 403
    response = manager.post(f"/sessions/{other_store}/return",
                            data=return_form(manager, {0: "1"}, key="b" * 32))
    assert response.status_code == 403
    assert "store-hamburg" in text(response)
    assert upstream.log("POST", r"/returns$") == []
    refusal = audit_rows(app, action="permission.refused", target_id=other_store)[-1]
    assert refusal.summary["own_store"] == "store-berlin" and refusal.summary["store"] == "store-hamburg"
    assert "Return items" not in text(manager.get(f"/sessions/{other_store}"))


@pytest.mark.parametrize("session_id,state", [("sess-00006", "open"), ("sess-00008", "cancelled")])
def test_only_closed_or_partially_returned_sessions_take_returns(agent, upstream, app, session_id, state):
    page = agent.get(f"/sessions/{session_id}/return")
    assert page.status_code == 409
    assert f"this session is {state}" in text(page)
    response = agent.post(f"/sessions/{session_id}/return",
                          data=return_form(agent, {0: "1"}, key="c" * 32))
    assert response.status_code == 409
    assert upstream.log("POST", r"/returns$") == []
    [entry] = audit_rows(app, action="session.return")
    assert entry.outcome == "refused" and entry.summary["state"] == state
    assert "Return items" not in text(agent.get(f"/sessions/{session_id}"))


# -- upstream faults ---------------------------------------------------------------------------

@pytest.mark.parametrize("status,words,page_status", [
    (500, "is unavailable (HTTP 500)", 502),
    (409, "reported a conflict (HTTP 409)", 409),
])
def test_a_failed_return_says_so_is_audited_and_can_be_sent_again(agent, upstream, app, status, words, page_status):
    key = new_key(agent)
    upstream.fault(RETURNS, "POST", status=status, count=1)
    failed = post_return(agent, {1: "1"}, key=key)
    assert failed.status_code == page_status
    body = text(failed)
    assert words in body and "The return was not applied" in body
    assert upstream.applied("POST", RETURNS) == []
    [entry] = audit_rows(app, action="session.return")
    assert (entry.outcome, entry.upstream_status) == ("failure", status)
    assert "Injected fault" in entry.summary["error"]

    retried = post_return(agent, {1: "1"}, key=key)
    assert retried.status_code == 303
    assert len(upstream.applied("POST", RETURNS)) == 1
    assert [e.outcome for e in audit_rows(app, action="session.return")] == ["failure", "success"]


def test_a_rate_limited_return_says_when_to_try_again(agent, upstream, app):
    upstream.fault(RETURNS, "POST", status=429, retryAfter=30, count=1)
    response = post_return(agent, {1: "1"})
    assert response.status_code == 429
    assert "try again in 30 seconds" in text(response)
    assert audit_rows(app, action="session.return")[0].upstream_status == 429


def test_a_timed_out_return_may_have_happened_and_a_retry_applies_it_once(agent, upstream, app):
    key = new_key(agent)
    upstream.fault(RETURNS, "POST", count=1, **SLOW_ANSWER)
    timed_out = post_return(agent, {1: "1"}, key=key)
    assert timed_out.status_code == 504
    body = text(timed_out)
    assert "may have happened" in body and "Re-check the session" in body
    assert "Send the return again" in body
    [entry] = audit_rows(app, action="session.return")
    assert entry.outcome == "unknown" and entry.upstream_status is None

    upstream.wait_for("POST", RETURNS)  # the sandbox finishes the slow request: the return happened
    assert upstream.state(SESSION) == "partially_returned"
    retried = post_return(agent, {1: "1"}, key=key)
    assert retried.status_code == 303
    cart = upstream.session(SESSION)["customerSession"]["cartItems"]
    assert [i["returnedQuantity"] for i in cart] == [0, 1]  # once, not twice
    assert {e["idempotencyKey"] for e in upstream.changes("POST", RETURNS)} == {key}
    assert "partially returned" in text(agent.get(retried.headers["Location"]))
    assert [e.outcome for e in audit_rows(app, action="session.return")] == ["unknown", "success"]


def test_a_failed_preview_says_nothing_was_saved(agent, upstream, app):
    upstream.fault(RETURNS, "POST", status=500)
    response = post_return(agent, {1: "1"}, action="preview")
    assert response.status_code == 502
    assert "HTTP 500" in text(response)
    [entry] = audit_rows(app, action="session.return")
    assert entry.dry_run and entry.outcome == "failure"
    assert upstream.state(SESSION) == "closed"
