"""Every action under each of the seven upstream faults.

The fault hits the change itself: the sandbox breaks only POST/PUT/DELETE calls, so the reads an
action makes first still work and the change is what fails ("connection refused" breaks
everything, as a real outage would). For every (action, fault) case:
- never a 500, a stack trace or a key; a specific, human message;
- nothing sent twice (a repeated change carries one Idempotency-Key);
- the audit log records the outcome: failure, or "unknown" when the change may have happened
  (a timeout or an unreadable answer to a change);
- afterwards, with Talon.One healthy again, the page works.
Actions on the console's own accounts must work as if nothing were wrong.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.faults.actions import ACTIONS, NOT_DRIVEN, ids_map, last_step, run_until_last
from tests.faults.catalog import actions as action_routes
from tests.faults.catalog import discover_demo_ids
from tests.faults.counts import count_checks
from tests.faults.faults import (
    CHANGING_METHODS,
    FAULT_IDS,
    FAULTS,
    FaultyConsole,
    assert_human_message,
    assert_safe_answer,
    changes_something,
    sandbox_requests,
)
from tests.web.helpers import audit_rows


def changes_only(fault) -> dict | None:
    """The fault's plan, narrowed to calls that may change something."""
    if not fault.plan:
        return None
    rules = []
    for rule in fault.plan["rules"]:
        for method in CHANGING_METHODS:
            rules.append({**rule, "method": method})
    return {"rules": rules}


@pytest.fixture(scope="module")
def demo_ids(sandbox):
    return discover_demo_ids(sandbox)


@pytest.fixture(scope="module", params=FAULTS, ids=FAULT_IDS)
def faulty(request, sandbox, tmp_path_factory):
    return FaultyConsole(request.param, sandbox, tmp_path_factory.mktemp(f"action-{request.param.name}"),
                         held_changes=True)


def test_every_action_is_driven_or_excused():
    driven = {action.endpoint for action in ACTIONS}
    missing = sorted(r.endpoint for r in action_routes()
                     if r.endpoint not in driven and r.endpoint not in NOT_DRIVEN)
    assert not missing, f"actions with no fault case (add them to tests/faults/actions.py): {missing}"


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.id)
def test_action_under_fault(action, faulty, talon_sandbox, demo_ids):
    sandbox, fault = talon_sandbox, faulty.fault
    faulty.reset_circuit()
    client = faulty.admin
    what = f"{action.name} under {fault.name}"
    page = action.page.format(**ids_map(demo_ids))
    page_headers = {"HX-Request": "true"} if action.page_htmx else {}

    if fault.name == "refused" and action.talon:
        # Talon.One is unreachable: the action's page must still answer, and say why.
        response = client.get(page, headers=page_headers)
        body = assert_safe_answer(response, what, faulty.secrets)
        assert_human_message(body, fault, what)
        count_checks("fault cases (action x fault)", 1)
        return

    html, page_path, values = run_until_last(client, action, demo_ids)
    log_before = len(sandbox_requests(sandbox))
    audit_before = len(audit_rows(faulty.app))
    with faulty.changes_held(changes_only(fault)):
        response, _ = last_step(client, action, html, page_path, values)
    body = assert_safe_answer(response, what, faulty.secrets)
    if 300 <= response.status_code < 400 and "/login" not in response.headers.get("Location", ""):
        followed = client.get(response.headers["Location"])
        body = assert_safe_answer(followed, f"{what} (after the redirect)", faulty.secrets)
    sent = sandbox_requests(sandbox)[log_before:]
    attempted = [e for e in sent if changes_something(e) or "dry=true" in (e.get("query") or "")]

    new_entries = [e for e in audit_rows(faulty.app)[audit_before:] if e.action != "permission.refused"]
    outcomes = {e.outcome for e in new_entries}
    # A change whose answer was lost or unreadable did happen (the sandbox applies it): the
    # console may say so (it read the session again, or needed no body), or say "may have
    # happened"; it must never call it a failure.
    confirmed = "success" in outcomes and response.status_code < 400
    if not action.talon:
        assert response.status_code < 400, f"{what}: a console-only action failed ({response.status_code})"
    elif attempted and not (fault.outcome_unknown and action.changes and confirmed):
        assert_human_message(body, fault, what)

    # Nothing sent twice: a change repeated on the wire must carry one Idempotency-Key.
    by_call = defaultdict(list)
    for entry in sent:
        if changes_something(entry):
            by_call[(entry["method"], entry["path"])].append(entry.get("idempotencyKey"))
    for call, keys in by_call.items():
        assert len(keys) == 1 or (len(set(keys)) == 1 and keys[0]), f"{what}: {call} sent {len(keys)} times"

    # The audit log records the outcome of what was attempted.
    if action.talon and attempted:
        if fault.outcome_unknown and action.changes:
            assert outcomes & {"unknown", "success"} and "failure" not in outcomes, (
                f"{what}: the change happened, yet the audit says {outcomes or 'nothing'}")
        else:
            assert outcomes & {"failure", "unknown"}, f"{what}: no failure or unknown outcome audited ({outcomes})"

    # Talon.One is back: the object's page works again.
    faulty.reset_circuit()
    after = action.after.format(**ids_map(demo_ids)) if action.after else page
    again = client.get(after, headers=page_headers if not action.after else {})
    assert again.status_code < 400, f"{what}: {after} did not recover ({again.status_code})"
    count_checks("fault cases (action x fault)", 1)
