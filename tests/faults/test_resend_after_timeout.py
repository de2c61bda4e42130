"""Nothing is applied twice when the agent sends again after a change got no answer.

Talon.One (the sandbox) applies the change and answers too late; the console says it may have
happened. The agent sends the same form again, with Talon.One healthy: a return is re-sent with
the same Idempotency-Key (Talon.One answers with the first result), a reopen is confirmed by
reading the session instead of being sent again. Either way the session changed once, and the
audit log tells the story: first "unknown", then the success.
"""

from __future__ import annotations

import pytest
import requests

from tests.faults.actions import ACTIONS, last_step, run_until_last
from tests.faults.catalog import discover_demo_ids
from tests.faults.counts import count_checks
from tests.faults.faults import FAULTS, FaultyConsole, clear, sandbox_requests
from tests.web.helpers import audit_rows

TIMEOUT = next(f for f in FAULTS if f.name == "timeout")


@pytest.fixture(scope="module")
def console(sandbox, tmp_path_factory):
    return FaultyConsole(TIMEOUT, sandbox, tmp_path_factory.mktemp("resend"))


def session_state(sandbox, session_id: str) -> dict:
    answer = requests.get(f"{sandbox.url}/v2/customer_sessions/{session_id}",
                          headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"}, timeout=30)
    answer.raise_for_status()
    return answer.json()["customerSession"]


def hold_changes(sandbox, path: str) -> None:
    rule = {"path": path, "timeout": True, "timeoutSeconds": TIMEOUT.rules[0]["timeoutSeconds"]}
    plan = {"rules": [{**rule, "method": m} for m in ("POST", "PUT")]}
    requests.post(f"{sandbox.url}/sandbox/faults", json=plan, timeout=10).raise_for_status()


def moved_on(response) -> bool:
    """The console led the agent on to the result: a 303 for a plain form, HX-Redirect for the
    htmx form the retry is sent from (app.templating.navigate)."""
    if response.status_code == 303:
        return True
    return response.status_code == 200 and bool(response.headers.get("HX-Redirect"))


def send_twice(console, sandbox, action, ids, held_path):
    """The last step once under the timeout, then the very same form again, healthy."""
    console.reset_circuit()
    client = console.admin
    html, page_path, values = run_until_last(client, action, ids)
    log_before = len(sandbox_requests(sandbox))
    audit_before = len(audit_rows(console.app))
    hold_changes(sandbox, held_path)
    try:
        first, spec = last_step(client, action, html, page_path, values)
    finally:
        clear(sandbox, TIMEOUT)  # waits until the held change has been applied
    assert first.status_code in (200, 202, 409, 422, 502, 503, 504), first.status_code
    assert "may have happened" in first.get_data(as_text=True)
    console.reset_circuit()
    second, _ = last_step(client, action, html, page_path, values)
    assert moved_on(second), (second.status_code, dict(second.headers))
    sent = [e for e in sandbox_requests(sandbox)[log_before:] if e["method"] in ("POST", "PUT")
            and "dry=true" not in (e.get("query") or "")]
    outcomes = [e.outcome for e in audit_rows(console.app)[audit_before:] if not e.dry_run]
    return sent, outcomes


def test_a_return_sent_again_after_a_timeout_is_applied_once(console, talon_sandbox):
    ids = discover_demo_ids(talon_sandbox)
    action = next(a for a in ACTIONS if a.name == "return: confirm")
    before = session_state(talon_sandbox, ids.closed_session)
    sent, outcomes = send_twice(console, talon_sandbox, action, ids,
                                f"/customer_sessions/{ids.closed_session}/returns$")
    after = session_state(talon_sandbox, ids.closed_session)
    returned = sum(i.get("returnedQuantity") or 0 for i in after["cartItems"])
    returned_before = sum(i.get("returnedQuantity") or 0 for i in before["cartItems"])
    assert returned - returned_before == 1
    returns = [e for e in sent if e["path"].endswith("/returns")]
    assert len({e["idempotencyKey"] for e in returns}) == 1 and returns[0]["idempotencyKey"]
    assert outcomes == ["unknown", "success"]
    count_checks("fault cases (resend after timeout)", 1)


def test_a_reopen_sent_again_after_a_timeout_is_not_sent_twice(console, talon_sandbox):
    ids = discover_demo_ids(talon_sandbox)
    action = next(a for a in ACTIONS if a.name == "reopen")
    sent, outcomes = send_twice(console, talon_sandbox, action, ids,
                                f"/customer_sessions/{ids.closed_session}/reopen$")
    assert session_state(talon_sandbox, ids.closed_session)["state"] == "open"
    assert len([e for e in sent if e["path"].endswith("/reopen")]) == 1
    assert outcomes == ["unknown", "success"]
    count_checks("fault cases (resend after timeout)", 1)
