"""Reopen and cancel: what rolls back and what does not, the reason, roles and stores, states,
the dry-run cancel preview, exactly-once confirms and upstream faults."""

from __future__ import annotations

import re

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

CLOSED = "sess-00003"       # closed, store-munich
CLOSED_BERLIN = "sess-00002"
PARTLY_RETURNED = "sess-00004"
OPEN = "sess-00006"
CANCELLED = "sess-00008"
REOPEN = r"/reopen$"


def keys(client, session_id: str) -> dict[str, str]:
    """The keys of the reopen and cancel forms on the page."""
    body = client.get(f"/sessions/{session_id}/reopen").get_data(as_text=True)
    found = dict(re.findall(r'id="(reopen|cancel)-form-key" name="form_key" type="hidden" value="([^"]+)"', body))
    if "cancel" not in found:  # the cancel form's key comes with its preview
        preview = client.post(f"/sessions/{session_id}/cancel/preview", data={"csrf_token": client.csrf})
        if preview.status_code == 200:
            found["cancel"] = form_key(preview)
    return found


def reopen(client, session_id=CLOSED, *, key=None, reason="Till error, ring it up again"):
    key = key or keys(client, session_id)["reopen"]
    return client.post(f"/sessions/{session_id}/reopen",
                       data={"csrf_token": client.csrf, "form_key": key, "reason": reason})


def cancel(client, session_id=CLOSED, *, key=None, reason="Order abandoned at the till"):
    key = key or keys(client, session_id)["cancel"]
    return client.post(f"/sessions/{session_id}/cancel",
                       data={"csrf_token": client.csrf, "form_key": key, "reason": reason})


# -- the page --------------------------------------------------------------------------------

def test_the_reopen_page_lists_what_rolls_back_and_what_does_not(agent):
    page = agent.get(f"/sessions/{CLOSED}/reopen")
    assert page.status_code == 200
    body = text(page)
    rolls_back = body[body.index("Will roll back"):body.index("Will not roll back")]
    stays = body[body.index("Will not roll back"):body.index("Reason")]
    assert "Coupon VIPONLY-002 accepted" in rolls_back and "+84 points on card 4000-0001" in rolls_back
    assert "Free item: Gift wrap" in stays and "Gift wrap" not in rolls_back
    assert "Preview the cancellation" in body


@pytest.mark.parametrize("reason,message", [
    ("", "Give a reason"),
    ("   ", "Give a reason"),
    ("y" * 501, "At most 500 characters"),
    ("<b>urgent</b>", "plain text"),
])
def test_a_reopen_needs_a_plain_reason(agent, upstream, app, reason, message):
    response = reopen(agent, reason=reason)
    assert response.status_code == 422
    assert message in field_error(response, "reopen-reason")
    assert upstream.log("PUT", REOPEN) == []
    assert upstream.state(CLOSED) == "closed"
    assert audit_rows(app, action="session.reopen") == []


def test_reopen_shows_what_talon_one_rolled_back_and_is_audited(agent, upstream, app):
    key = keys(agent, CLOSED)["reopen"]
    response = reopen(agent, key=key)
    assert response.status_code == 303
    result = text(agent.get(response.headers["Location"]))
    assert "Session reopened" in result and "is now open" in result
    assert "84 earned points taken back from card 4000-0001" in result
    assert "Coupon VIPONLY-002 given back" in result
    assert upstream.state(CLOSED) == "open"
    again = reopen(agent, key=key)  # refresh or double click
    assert again.status_code == 303 and again.headers["Location"] == response.headers["Location"]
    assert len(upstream.changes("PUT", REOPEN)) == 1
    [entry] = audit_rows(app, action="session.reopen")
    assert (entry.outcome, entry.upstream_status) == ("success", 200)
    assert entry.summary["reason"] == "Till error, ring it up again"
    assert entry.summary["new_state"] == "open"


@pytest.mark.parametrize("session_id,state", [(PARTLY_RETURNED, "partially returned"), (OPEN, "open")])
def test_only_closed_sessions_reopen(agent, upstream, app, session_id, state):
    page = agent.get(f"/sessions/{session_id}/reopen")
    assert page.status_code == 200
    assert "Reopen the session" not in text(page) and "Preview the cancellation" in text(page)
    response = reopen(agent, session_id, key="d" * 32)
    assert response.status_code == 409
    assert f"Only a closed session can be reopened; this session is {state}" in text(response)
    assert upstream.log("PUT", REOPEN) == []
    [entry] = audit_rows(app, action="session.reopen")
    assert entry.outcome == "refused"


def test_a_cancelled_session_offers_neither(agent, upstream):
    page = agent.get(f"/sessions/{CANCELLED}/reopen")
    assert page.status_code == 409
    assert "can be neither reopened nor cancelled" in text(page)
    assert cancel(agent, CANCELLED, key="e" * 32).status_code == 409
    assert upstream.changes("PUT", rf"/{CANCELLED}$") == []


def test_roles_and_stores(login_as, upstream, app):
    marketer = login_as("marketer")
    assert marketer.get(f"/sessions/{CLOSED}/reopen").status_code == 403
    assert reopen(marketer, key="f" * 32).status_code == 403
    manager = login_as("manager")  # store-berlin; CLOSED is store-munich
    assert manager.get(f"/sessions/{CLOSED}/reopen").status_code == 403
    assert reopen(manager, key="f" * 32).status_code == 403
    assert cancel(manager, key="f" * 32).status_code == 403
    assert manager.get(f"/sessions/{CLOSED_BERLIN}/reopen").status_code == 200
    assert upstream.log("PUT", REOPEN) == [] and upstream.changes("PUT", rf"/{CLOSED}$") == []
    assert {r.outcome for r in audit_rows(app, action="permission.refused")} == {"refused"}
    assert "Reopen" not in text(manager.get(f"/sessions/{CLOSED}")).split("Customer")[0]


# -- cancel ----------------------------------------------------------------------------------

def test_the_cancel_preview_is_a_dry_run(agent, upstream, app):
    response = agent.post(f"/sessions/{CLOSED}/cancel/preview", data={"csrf_token": agent.csrf},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = text(response)
    assert "A cancellation would roll back" in body and "nothing has been cancelled yet" in body
    assert "84 earned points taken back" in body
    assert "<html" not in response.get_data(as_text=True)  # the htmx partial alone
    sent = upstream.log("PUT", rf"/{CLOSED}$")
    assert len(sent) == 1 and "dry=true" in sent[0]["query"]
    assert upstream.state(CLOSED) == "closed"
    [entry] = audit_rows(app, action="session.cancel")
    assert entry.dry_run and entry.outcome == "success"


def test_cancel_after_its_preview(agent, upstream, app):
    response = cancel(agent)
    assert response.status_code == 303
    assert "Session cancelled" in text(agent.get(response.headers["Location"]))
    assert upstream.state(CLOSED) == "cancelled"
    entries = audit_rows(app, action="session.cancel", dry_run=False)
    assert [(e.outcome, e.summary["reason"]) for e in entries] == [("success", "Order abandoned at the till")]


def test_an_open_session_can_be_cancelled(agent, upstream):
    assert cancel(agent, OPEN).status_code == 303
    assert upstream.state(OPEN) == "cancelled"


def test_cancel_needs_a_reason(agent, upstream):
    response = cancel(agent, reason="")
    assert response.status_code == 422
    assert "Give a reason" in field_error(response, "cancel-reason")
    assert upstream.changes("PUT", rf"/{CLOSED}$") == []


# -- upstream faults ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["reopen", "cancel"])
@pytest.mark.parametrize("status,words,page_status", [
    (500, "is unavailable (HTTP 500)", 502),
    (409, "reported a conflict (HTTP 409)", 409),
])
def test_a_failed_change_says_so_and_is_audited(agent, upstream, app, kind, status, words, page_status):
    path = REOPEN if kind == "reopen" else rf"/{CLOSED}$"
    key = keys(agent, CLOSED)[kind]
    upstream.fault(path, "PUT", status=status)
    send = reopen if kind == "reopen" else cancel
    response = send(agent, key=key)
    assert response.status_code == page_status
    assert words in text(response) and "was not applied" in text(response)
    assert upstream.state(CLOSED) == "closed"
    entry = audit_rows(app, action=f"session.{kind}", dry_run=False)[-1]
    assert (entry.outcome, entry.upstream_status) == ("failure", status)
    assert "Injected fault" in entry.summary["error"]
    upstream.clear_faults()
    assert send(agent, key=key).status_code == 303  # a definite failure frees the form


@pytest.mark.parametrize("kind,target", [("reopen", "open"), ("cancel", "cancelled")])
def test_a_timed_out_change_is_confirmed_by_a_reread_not_sent_twice(agent, upstream, app, kind, target):
    path = REOPEN if kind == "reopen" else rf"/{CLOSED}$"
    key = keys(agent, CLOSED)[kind]
    upstream.fault(path, "PUT", count=1, **SLOW_ANSWER)
    send = reopen if kind == "reopen" else cancel
    response = send(agent, key=key)
    assert response.status_code == 504
    assert "may have happened" in text(response) and "Re-check the session" in text(response)
    assert audit_rows(app, action=f"session.{kind}", dry_run=False)[-1].outcome == "unknown"

    upstream.wait_for("PUT", path)
    assert upstream.state(CLOSED) == target  # it did happen, after the console gave up
    retried = send(agent, key=key)
    assert retried.status_code == 303
    assert "nothing was sent again" in text(agent.get(retried.headers["Location"]))
    assert len(upstream.changes("PUT", path)) == 1
    entries = audit_rows(app, action=f"session.{kind}", dry_run=False)
    assert [e.outcome for e in entries] == ["unknown", "success"]
    assert entries[-1].summary["confirmed_by_reread"] is True


@pytest.mark.parametrize("kind,target", [("reopen", "open"), ("cancel", "cancelled")])
def test_a_confirm_that_reads_the_session_after_its_twin_changed_it_shows_the_twin_result(
        agent, login_as, upstream, app, monkeypatch, kind, target):
    """The same form posted to two instances: B looks for an earlier try before A has claimed the
    form, then reads the session after A has changed it. B answers with A's result instead of
    refusing because the state moved on, and nothing is sent twice."""
    other = login_as("agent")
    key = keys(agent, CLOSED)[kind]
    send = reopen if kind == "reopen" else cancel
    first = send(agent, key=key)
    assert first.status_code == 303 and upstream.state(CLOSED) == target

    looks = blind_to_the_first_look(monkeypatch)
    second = send(other, key=key)
    assert second.status_code == 303, text(second)
    assert second.headers["Location"] == first.headers["Location"]
    assert len(looks) == 2
    path = REOPEN if kind == "reopen" else rf"/{CLOSED}$"
    assert len(upstream.changes("PUT", path)) == 1
    assert [e.outcome for e in audit_rows(app, action=f"session.{kind}", dry_run=False)] == ["success"]
