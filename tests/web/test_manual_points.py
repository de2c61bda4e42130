"""Points added or deducted by hand (goodwill points, issue 17 item 3) against the sandbox: the
form's refusals, the caps per role an admin sets (per change and per day, deductions counted),
once per form, upstream faults, the audit, and the card/profile page showing the transaction."""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import console_config
from tests.faults.faults import release_held, upstream_changes, visible_text
from tests.web.helpers import audit_rows

CARD = "4000-0001"           # active, cust-0001's card in program 1
INACTIVE_CARD = "4000-0031"
CARD_URL = f"/loyalty/1/cards/{CARD}"
CARD_FORM = f"{CARD_URL}/adjust-points"
PROFILE_URL = "/loyalty/2/customers/cust-0001"
PROFILE_FORM = f"{PROFILE_URL}/adjust-points"


@pytest.fixture
def app_config(talon_sandbox, tmp_path, request):
    overrides = getattr(request, "param", {})
    return console_config(talon_sandbox, tmp_path / "console.db", **overrides)


def send(client, url=CARD_FORM, **fields):
    form = {"direction": "add", "points": "50", "reason": "goodwill", "note": "Parcel arrived late",
            "subledger": "", "validity": "", "pending": "", "submission": "a" * 32,
            "csrf_token": client.csrf, **fields}
    return client.post(url, data=form)


def errors_of(html: str) -> list[str]:
    return [visible_text(e) for e in re.findall(r'class="field-errors">(.*?)</small>', html, re.S)]


def point_changes(sandbox) -> list[dict]:
    return [e for e in upstream_changes(sandbox)
            if e["path"].endswith(("/add_points", "/deduct_points"))]


def management(sandbox, path: str) -> dict:
    response = requests.get(f"{sandbox.url}{path}", timeout=10,
                            headers={"Authorization": f"ManagementKey-v1 {sandbox.management_key}"})
    response.raise_for_status()
    return response.json()


def set_caps(client, **caps):
    """POST the admin's caps page: caps as agent_per_change=..., manager_per_day=''..."""
    form = {"csrf_token": client.csrf}
    for role in ("agent", "manager", "admin"):
        for per in ("per_change", "per_day"):
            form[f"{role}-{per}"] = caps.get(f"{role}_{per}", "")
    return client.post("/admin/points-caps", data=form)


# -- the change itself ---------------------------------------------------------------------------


def test_an_agent_adds_points_to_a_card_and_sees_the_transaction(login_as, app, talon_sandbox):
    client = login_as("agent")
    page = client.get(CARD_URL).get_data(as_text=True)
    assert 'id="adjust-points"' in page and "Your cap as agent" in page
    response = send(client, note="Parcel arrived late", validity="30D", pending="immediate")
    assert response.status_code == 303 and response.headers["Location"] == CARD_URL
    [call] = point_changes(talon_sandbox)
    assert call["method"] == "PUT" and call["path"] == f"/v1/loyalty_programs/1/cards/{CARD}/add_points"
    shown = visible_text(client.get(CARD_URL).get_data(as_text=True))
    assert f"Added 50 points to card {CARD} (Goodwill)." in shown
    transactions = shown.split("Transactions", 1)[1]
    assert "Goodwill: Parcel arrived late" in transactions  # the newest transaction, re-read
    [entry] = audit_rows(app, action="loyalty_points.add")
    assert (entry.actor, entry.target_type, entry.target_id, entry.outcome) == (
        "agent", "loyalty_card", f"1/{CARD}", "success")
    assert entry.summary["points"] == 50 and entry.summary["reason"] == "goodwill"
    assert entry.summary["note"] == "Parcel arrived late" and entry.summary["validity"] == "30D"


def test_the_transaction_keeps_the_name_and_the_expiry(login_as, talon_sandbox, spec_http):
    """The sandbox checks the body against AddLoyaltyPoints (json_body); the transaction Talon.One
    keeps (getLoyaltyCardTransactions, spec-checked) has the reason and note and the expiry."""
    assert send(login_as("manager"), validity="7D_D", note="Broken zip").status_code == 303
    rows = spec_http.get(f"{talon_sandbox.url}/v1/loyalty_programs/1/cards/{CARD}/transactions",
                         params={"loyaltyTransactionType": "manual"}).json()["data"]
    [row] = [r for r in rows if r.get("name") == "Goodwill: Broken zip"]
    assert row["amount"] == 50 and not row.get("subledgerId")
    assert row["expiryDate"]


def test_deduct_from_a_profile_in_the_profile_program(login_as, app, talon_sandbox):
    client = login_as("manager")
    response = send(client, PROFILE_FORM, direction="deduct", points="5", reason="correction",
                    note="Double booked")
    assert response.status_code == 303 and response.headers["Location"] == PROFILE_URL
    [call] = point_changes(talon_sandbox)
    assert call["path"] == "/v1/loyalty_programs/2/profile/cust-0001/deduct_points"
    [entry] = audit_rows(app, action="loyalty_points.deduct")
    assert (entry.target_type, entry.target_id) == ("customer", "cust-0001")
    text = visible_text(client.get(PROFILE_URL).get_data(as_text=True))
    assert "Deducted 5 points from cust-0001 in Members Points (Correction)." in text
    assert "Correction: Double booked" in text.split("Transactions", 1)[1]


# -- bad input: a message next to the field, nothing sent ------------------------------------------


@pytest.mark.parametrize("fields, message", [
    ({"points": "fifty"}, "Enter a number of points"),
    ({"points": ""}, "Enter how many points"),
    ({"points": "0"}, "Enter more than 0 points"),
    ({"points": "-20"}, "Enter more than 0 points"),
    ({"points": "1.234"}, "At most two decimals"),
    ({"points": "NaN"}, "Enter a number of points"),
    ({"points": "1e400"}, "At most 999,999,999,999.99 points"),
    ({"reason": ""}, "Choose a reason"),
    ({"reason": "bribe"}, "Not a valid choice"),
    ({"note": ""}, "Say what happened"),
    ({"note": "<script>alert(1)</script>"}, "Markup is not allowed"),
    ({"note": "x" * 301}, "At most 300 characters"),
    ({"subledger": "vip-points"}, "Not a subledger of this program"),
    ({"validity": "30 days"}, "Not a duration"),
    ({"validity": "5h_D"}, "_D (from the start of the day) rounds days only"),
    ({"pending": "2m_U"}, "_U (to the end of the period)"),
    ({"pending": "on_action"}, "Not a duration"),
    ({"direction": "deduct", "validity": "30D"}, "Only added points expire"),
    ({"direction": "gift"}, "Not a valid choice"),
])
def test_bad_input_is_refused_next_to_its_field(login_as, app, talon_sandbox, fields, message):
    response = send(login_as("agent"), **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any(message in e for e in errors_of(html)), errors_of(html)
    assert "<script>alert(1)</script>" not in html  # echoed escaped, if at all
    assert point_changes(talon_sandbox) == []
    assert audit_rows(app, action="loyalty_points.add") == []


def test_a_form_without_csrf_is_refused(login_as, talon_sandbox):
    client = login_as("agent")
    response = send(client, csrf_token="")
    assert response.status_code in (400, 422)
    assert point_changes(talon_sandbox) == []


def test_an_inactive_card_is_refused_before_anything_is_sent(login_as, app, talon_sandbox):
    client = login_as("agent")
    assert 'id="adjust-points"' not in client.get(f"/loyalty/1/cards/{INACTIVE_CARD}").get_data(as_text=True)
    response = send(client, f"/loyalty/1/cards/{INACTIVE_CARD}/adjust-points")
    assert response.status_code == 409
    assert "is inactive: its points cannot change" in visible_text(response.get_data(as_text=True))
    assert point_changes(talon_sandbox) == []
    assert audit_rows(app, action="loyalty_points.add")[-1].outcome == "refused"


def test_talon_ones_refusal_of_a_deduction_is_shown(login_as, app, talon_sandbox):
    response = send(login_as("admin"), direction="deduct", points="999999", reason="correction")
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Only active points can be deducted" in text and "was not applied" in text
    assert audit_rows(app, action="loyalty_points.deduct")[-1].outcome == "failure"


# -- roles and caps ------------------------------------------------------------------------------


def test_marketers_may_not_change_points(login_as, app, talon_sandbox):
    client = login_as("marketer")
    assert 'id="adjust-points"' not in client.get(CARD_URL).get_data(as_text=True)
    assert send(client).status_code == 403
    assert point_changes(talon_sandbox) == []


def test_an_agent_above_the_cap_per_change_is_refused_and_told_who_can(login_as, app, talon_sandbox):
    client = login_as("agent")  # default: 100 per change
    response = send(client, points="150")
    assert response.status_code == 403
    [error] = errors_of(response.get_data(as_text=True))
    assert "at most 100 points in one change (this one is 150)" in error
    assert "A manager or an admin can do it." in error
    assert point_changes(talon_sandbox) == []
    [entry] = audit_rows(app, action="loyalty_points.add")
    assert entry.outcome == "refused" and entry.summary["points"] == 150
    assert entry.summary["points_reason"] == "goodwill" and "at most 100" in entry.summary["reason"]
    # the manager may
    assert send(login_as("manager"), points="150", submission="b" * 32).status_code == 303


def test_deductions_count_towards_the_daily_cap(login_as, app, talon_sandbox):
    client = login_as("agent")  # default: 300 a day
    assert send(client, points="100", submission="1" * 32).status_code == 303
    assert send(client, points="100", direction="deduct", submission="2" * 32).status_code == 303
    assert send(client, points="90", submission="3" * 32).status_code == 303
    response = send(client, points="20", submission="4" * 32)
    assert response.status_code == 403
    [error] = errors_of(response.get_data(as_text=True))
    assert "at most 300 points a day; you have used 290 today and this change is 20 (10 left)" in error
    assert len(point_changes(talon_sandbox)) == 3
    assert send(client, points="10", submission="5" * 32).status_code == 303  # what is left
    # another agent's day is their own: the sum is per staff member
    from app.auth.accounts import create_user
    with app.app_context():
        create_user("agent2", "plum orchard ledger", "agent")
    other = login_as("agent2", "plum orchard ledger")
    assert send(other, points="100", submission="6" * 32).status_code == 303


def test_a_change_talon_one_refused_does_not_count(login_as, app, talon_sandbox):
    from app import points_caps

    client = login_as("admin")  # no cap: Talon.One refuses more than the active points
    refused = send(client, direction="deduct", points="999999", reason="correction", submission="7" * 32)
    assert refused.status_code == 422
    with app.app_context():
        assert points_caps.used_today("admin") == 0


def test_caps_set_by_an_admin_are_enforced_per_role(login_as, app, talon_sandbox):
    admin = login_as("admin")
    page = admin.get("/admin/points-caps")
    assert page.status_code == 200 and "Points caps" in page.get_data(as_text=True)
    response = set_caps(admin, agent_per_change="20", agent_per_day="40",
                        manager_per_change="60", manager_per_day="", admin_per_change="")
    assert response.status_code == 303
    [entry] = audit_rows(app, action="points_caps.update")
    assert entry.actor == "admin" and entry.summary["agent"]["per_change"] == [100, 20]

    agent, manager = login_as("agent"), login_as("manager")
    refused = send(agent, points="25")
    assert refused.status_code == 403
    assert "at most 20 points in one change" in errors_of(refused.get_data(as_text=True))[0]
    assert "A manager or an admin can do it." in errors_of(refused.get_data(as_text=True))[0]
    assert send(manager, points="50", submission="c" * 32).status_code == 303
    above = send(manager, points="61", submission="d" * 32)
    assert above.status_code == 403
    assert "as a manager you may add or deduct at most 60 points" in errors_of(above.get_data(as_text=True))[0]
    assert "An admin can do it." in errors_of(above.get_data(as_text=True))[0]
    # the manager's day has no cap now; the admin's change has none at all
    for n in range(3):
        assert send(manager, points="60", submission=f"{n}e" + "0" * 30).status_code == 303
    assert send(login_as("admin"), points="5000", submission="f" * 32).status_code == 303


@pytest.mark.parametrize("fields, message", [
    ({"agent_per_change": "ten"}, "Enter a whole number"),
    ({"agent_per_change": "0"}, "more than 0"),
    ({"agent_per_change": "-5"}, "more than 0"),
    ({"agent_per_change": "500", "agent_per_day": "100"}, "not less than the cap per change"),
])
def test_the_caps_page_refuses_bad_caps(login_as, app, fields, message):
    response = set_caps(login_as("admin"), **fields)
    assert response.status_code == 422
    assert any(message in e for e in errors_of(response.get_data(as_text=True)))
    assert audit_rows(app, action="points_caps.update") == []


@pytest.mark.parametrize("role", ["agent", "marketer", "manager"])
def test_only_admins_set_caps(login_as, role):
    client = login_as(role)
    assert client.get("/admin/points-caps").status_code == 403
    assert set_caps(client, agent_per_change="100000").status_code == 403


# -- once per form ---------------------------------------------------------------------------------


def test_a_double_submit_changes_points_once(login_as, app, talon_sandbox):
    client = login_as("agent")
    first = send(client, submission="9" * 32)
    second = send(client, submission="9" * 32)
    assert first.status_code == second.status_code == 303
    assert len(point_changes(talon_sandbox)) == 1
    assert "This form was sent already: 50 points, once." in visible_text(client.get(CARD_URL).get_data(as_text=True))
    with app.app_context():
        from app import points_caps
        assert points_caps.used_today("agent") == 50  # counted once
    assert len(audit_rows(app, action="loyalty_points.add")) == 1


def test_two_concurrent_submits_of_one_form_send_once(login_as, app, talon_sandbox):
    from concurrent.futures import ThreadPoolExecutor

    client = login_as("agent")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: send(client, submission="8" * 32).status_code, range(2)))
    assert all(status in (303, 409) for status in answers) and 303 in answers
    assert len(point_changes(talon_sandbox)) == 1


# -- upstream faults -------------------------------------------------------------------------------


def inject(sandbox, *rules: dict) -> None:
    requests.post(f"{sandbox.url}/sandbox/faults", json={"rules": list(rules)}, timeout=10).raise_for_status()


@pytest.mark.parametrize("app_config", [{"TALON_READ_TIMEOUT": 0.5}], indirect=True)
def test_a_timeout_may_have_happened_is_audited_and_not_sent_again(login_as, app, talon_sandbox, app_config):
    inject(talon_sandbox, {"path": "/add_points$", "timeout": True, "timeoutSeconds": 1.5, "count": 1})
    client = login_as("agent")
    first = send(client, submission="5" * 32)
    text = visible_text(first.get_data(as_text=True))
    assert first.status_code == 504
    assert "It may have happened: re-check" in text and "did not answer in time" in text
    release_held(talon_sandbox)
    again = send(client, submission="5" * 32)
    assert again.status_code == 409
    assert "sent already and Talon.One has not confirmed it" in visible_text(again.get_data(as_text=True))
    assert len(point_changes(talon_sandbox)) == 1, "never sent twice"
    assert [e.outcome for e in audit_rows(app, action="loyalty_points.add")] == ["unknown"]
    with app.app_context():
        from app import points_caps
        assert points_caps.used_today("agent") == 50  # it may have happened: it counts


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_changes_nothing_and_says_so(login_as, app, talon_sandbox, status):
    inject(talon_sandbox, {"path": "/add_points$", "status": status})
    client = login_as("agent")
    response = send(client, submission="6" * 32)
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 502
    assert "Not done" in text and "was not applied" in text
    assert "Traceback" not in text
    [entry] = audit_rows(app, action="loyalty_points.add")
    assert entry.outcome == "failure" and entry.upstream_status == status
    with app.app_context():
        from app import points_caps
        assert points_caps.used_today("agent") == 0
    inject(talon_sandbox)
    assert send(client, submission="6" * 32).status_code == 303  # the same form, once it works


# -- the customer's timeline -----------------------------------------------------------------------


def timeline_entries(client, customer="cust-0001") -> list[str]:
    html = client.get(f"/customers/{customer}/timeline").get_data(as_text=True)
    return [visible_text(e) for e in re.findall(r'<li class="timeline-entry.*?</li>\s*(?=<li class="timeline-entry|</ol>)',
                                               html, re.S)]


def test_the_timeline_shows_the_change_at_the_top(login_as, talon_sandbox):
    manager = login_as("manager")
    assert send(manager, points="50", note="Courier lost the parcel").status_code == 303
    first, second = timeline_entries(manager)[:2]
    assert "Loyalty points: add" in first and "points: 50" in first
    assert "note: Courier lost the parcel" in first and "by manager" in first
    assert "+50 points" in second and "Goodwill: Courier lost the parcel" in second
    # roles without the audit log see the transaction itself at the top
    top = timeline_entries(login_as("agent"))[0]
    assert "+50 points" in top and f"card {CARD}" in top


def test_a_profile_change_is_on_the_timeline_too(login_as, talon_sandbox):
    manager = login_as("manager")
    assert send(manager, PROFILE_FORM, points="7", reason="service_failure",
                note="Hotline wait").status_code == 303
    first = timeline_entries(manager)[0]
    assert "Loyalty points: add" in first and "points: 7" in first and "reason: service_failure" in first
