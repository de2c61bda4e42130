"""One return, confirmed twice at the same moment, once on each instance (a double click that a
load balancer spreads over two machines): Talon.One receives it once, the session is returned
once, and the shared audit log has exactly one entry for it.

The guarantee comes from app/changes.py (`submit`, used by app/sessions/routes.py): the form's
key is claimed in the shared idempotency_records table before anything is sent, so the second
instance waits for the first and shows its result."""

from __future__ import annotations

import threading

import requests
import sqlalchemy as sa

from tests.faults.catalog import discover_demo_ids
from tests.faults.faults import sandbox_requests
from tests.fuzz.forms import forms_on


def returnable_session(sandbox) -> tuple[str, dict]:
    """A closed session of the demo data with at least one item, and its cart."""
    session_id = discover_demo_ids(sandbox).closed_session
    answer = requests.get(f"{sandbox.url}/v2/customer_sessions/{session_id}",
                          headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"}, timeout=30)
    answer.raise_for_status()
    return session_id, answer.json()["customerSession"]


def confirm_form(browser, instance, session_id: str) -> dict[str, str]:
    """The return form filled in (one unit of the first line), previewed, and the confirm form
    that the preview shows, as the browser would submit it."""
    path = f"/sessions/{session_id}/return"
    page = browser.get(instance, path)
    assert page.status_code == 200, page.status_code
    [form] = [f for f in forms_on(path, page.text) if f.method == "POST" and f.path == path]
    fields = dict(form.fields)
    quantity_field = next(name for name in fields if name.endswith("-quantity"))
    fields[quantity_field] = "1"
    fields["reason"] = "Customer brought it back (scale test)"
    fields["action"] = "preview"
    preview = browser.post(instance, path, fields)
    assert preview.status_code == 200, preview.status_code
    confirm = [f for f in forms_on(path, preview.text) if f.method == "POST" and "action" in f.fields
               and f.fields["action"] == "confirm"]
    assert confirm, "the preview shows no confirm form"
    return confirm[0].fields


def test_a_return_confirmed_on_both_instances_at_once_is_applied_once(
        instances, staff, talon_sandbox, shared_database):
    a, b = instances
    session_id, before = returnable_session(talon_sandbox)
    browser = staff().login(a, "agent")
    fields = confirm_form(browser, a, session_id)
    path = f"/sessions/{session_id}/return"

    start = threading.Barrier(2)
    answers: dict[str, requests.Response] = {}

    def confirm(instance) -> None:
        start.wait()
        answers[instance.name] = browser.post(instance, path, fields)

    threads = [threading.Thread(target=confirm, args=(instance,)) for instance in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Both clicks end on the same stored result.
    for name, answer in answers.items():
        assert answer.status_code == 303, f"{name}: {answer.status_code} {answer.text[:500]}"
    locations = {answer.headers["Location"] for answer in answers.values()}
    assert len(locations) == 1 and f"/sessions/{session_id}/results/" in locations.pop()

    # Talon.One got the return once...
    sent = [e for e in sandbox_requests(talon_sandbox)
            if e["method"] == "POST" and e["path"].endswith(f"/customer_sessions/{session_id}/returns")
            and "dry=true" not in (e.get("query") or "")]
    assert len(sent) == 1, sent
    assert sent[0]["idempotencyKey"] == fields["form_key"]
    # ...and the session shows one unit returned, once.
    after = requests.get(f"{talon_sandbox.url}/v2/customer_sessions/{session_id}",
                         headers={"Authorization": f"ApiKey-v1 {talon_sandbox.integration_key}"},
                         timeout=30).json()["customerSession"]
    returned = sum(item.get("returnedQuantity") or 0 for item in after["cartItems"])
    returned_before = sum(item.get("returnedQuantity") or 0 for item in before["cartItems"])
    assert returned - returned_before == 1
    assert after["state"] == "partially_returned"

    # The shared audit log has exactly one entry for it.
    with shared_database.connect() as connection:
        entries = connection.execute(sa.text(
            "SELECT actor, outcome FROM audit_entries WHERE action = 'session.return' "
            "AND NOT dry_run AND target_id = :session"), {"session": session_id}).all()
    assert [tuple(row) for row in entries] == [("agent", "success")]

    # The result page is the same from either instance (stored in the shared database).
    result_path = next(iter({a.headers["Location"] for a in answers.values()}))
    for instance in (a, b):
        assert browser.get(instance, result_path).status_code == 200
