"""Profile changes against the sandbox: attributes with a dry-run preview, audience memberships,
referral codes and the erasure of personal data."""

from __future__ import annotations

import re

import pytest
import requests

from tests.faults.faults import upstream_changes, visible_text
from tests.web.helpers import audit_rows

ALICE = "cust-0001"


def profile_of(sandbox, integration_id: str) -> dict | None:
    response = requests.get(f"{sandbox.url}/v1/applications/1/customers", timeout=10,
                            params={"integrationId": integration_id},
                            headers={"Authorization": f"ManagementKey-v1 {sandbox.management_key}"})
    response.raise_for_status()
    return next((c for c in response.json()["data"] if c["integrationId"] == integration_id), None)


def errors_of(html: str) -> list[str]:
    return [visible_text(e) for e in re.findall(r'class="field-errors">(.*?)</small>', html, re.S)]


def profile_writes(sandbox) -> list[dict]:
    return [e for e in upstream_changes(sandbox) if e["path"].startswith("/v2/customer_profiles")]


def attribute_form(client, integration_id=ALICE, **overrides):
    """The edit form as the page renders it, with `overrides` (attribute name → value, or the
    new_* fields) applied."""
    html = client.get(f"/customers/{integration_id}/profile").get_data(as_text=True)
    data = {"csrf_token": client.csrf}
    names = dict(re.findall(r'name="(rows-\d+)-name" type="hidden" value="([^"]*)"', html))
    for row, name in names.items():
        data[f"{row}-name"] = name
        value = re.search(rf'name="{row}-value"[^>]*value="([^"]*)"', html)
        selected = re.search(rf'name="{row}-value".*?<option value="(\w+)" selected', html, re.S)
        data[f"{row}-value"] = overrides.get(name, value.group(1) if value else selected.group(1))
    data.update({k: v for k, v in overrides.items() if k.startswith("new_")})
    data.setdefault("new_kind", "string")
    return data


def test_preview_shows_effects_and_changes_nothing(login_as, app, talon_sandbox):
    client = login_as("admin")
    response = client.post(f"/customers/{ALICE}/profile",
                           data={**attribute_form(client, City="Munich"), "preview": "Preview effects"})
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Preview (dry run, nothing saved)" in text
    assert "City Berlin Munich" in text
    assert "Effects of the rule engine" in text and "VIP perk" in text
    assert profile_of(talon_sandbox, ALICE)["attributes"]["City"] == "Berlin"
    assert all("dry=true" in e["query"] for e in profile_writes(talon_sandbox))
    entry = audit_rows(app, action="customer.update_attributes")[-1]
    assert entry.dry_run and entry.summary == {"attributes": ["City"]}


def test_save_sends_exactly_what_was_previewed(login_as, app, talon_sandbox):
    client = login_as("admin")
    form = attribute_form(client, City="Munich", new_name="ShoeSize", new_kind="number", new_value="42")
    preview = client.post(f"/customers/{ALICE}/profile", data={**form, "preview": "1"}).get_data(as_text=True)
    fingerprint = re.search(r'name="previewed" value="([0-9a-f]+)"', preview).group(1)

    changed = client.post(f"/customers/{ALICE}/profile",
                          data={**form, "City": "x", "rows-1-value": "Hamburg", "previewed": fingerprint, "save": "1"})
    assert changed.status_code == 422
    assert "differ from the last preview" in visible_text(changed.get_data(as_text=True))

    saved = client.post(f"/customers/{ALICE}/profile", data={**form, "previewed": fingerprint, "save": "1"})
    assert saved.status_code == 303
    attributes = profile_of(talon_sandbox, ALICE)["attributes"]
    assert attributes["City"] == "Munich" and attributes["ShoeSize"] == 42
    entry = audit_rows(app, action="customer.update_attributes", dry_run=False)[-1]
    assert entry.outcome == "success" and entry.summary == {"attributes": ["City", "ShoeSize"]}
    assert "Munich" not in str(entry.summary), "values stay out of the audit log"


def test_save_without_a_preview_is_refused(login_as, talon_sandbox):
    client = login_as("admin")
    response = client.post(f"/customers/{ALICE}/profile", data={**attribute_form(client, City="Munich"), "save": "1"})
    assert response.status_code == 422
    assert profile_writes(talon_sandbox) == []


@pytest.mark.parametrize("overrides, message", [
    ({"BirthDate": "next tuesday"}, "is a date and time"),
    ({"Newsletter": "maybe"}, "true or false"),
    ({"new_name": "Tier", "new_kind": "number", "new_value": "gold"}, "is a number"),
    ({"City": "<script>alert(1)</script>"}, "Markup is not allowed"),
    ({"City": "B" * 501}, "At most 500 characters"),
    ({"new_name": "2fast", "new_value": "x"}, "starts with a letter"),
    ({"new_name": "City", "new_value": "x"}, "exists already"),
    ({"new_value": "orphan"}, "Name the new attribute"),
])
def test_bad_attribute_values_get_field_errors_and_change_nothing(login_as, talon_sandbox, overrides, message):
    client = login_as("admin")
    response = client.post(f"/customers/{ALICE}/profile", data={**attribute_form(client, **overrides), "preview": "1"})
    assert response.status_code == 422
    assert any(message in e for e in errors_of(response.get_data(as_text=True)))
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert profile_writes(talon_sandbox) == []


def test_nothing_changed_is_said(login_as, talon_sandbox):
    client = login_as("admin")
    response = client.post(f"/customers/{ALICE}/profile", data={**attribute_form(client), "preview": "1"})
    assert response.status_code == 422
    assert "Nothing changed" in visible_text(response.get_data(as_text=True))


def test_unknown_and_malformed_profiles_are_404(login_as):
    client = login_as("admin")
    assert client.get("/customers/cust-9999/profile").status_code == 404
    assert client.get("/customers/%3Cb%3E/profile").status_code == 404


def test_marketer_cannot_edit_attributes(login_as, talon_sandbox):
    client = login_as("marketer")
    assert client.get(f"/customers/{ALICE}/profile").status_code == 403
    assert client.post(f"/customers/{ALICE}/profile", data={"csrf_token": client.csrf, "save": "1"}).status_code == 403
    assert upstream_changes(talon_sandbox) == []


def test_manager_cannot_create_referral_codes(login_as, talon_sandbox):
    client = login_as("manager")
    assert client.get(f"/customers/{ALICE}/referrals/new").status_code == 403
    assert referral(client).status_code == 403
    assert upstream_changes(talon_sandbox) == []


# -- audiences --------------------------------------------------------------------------------


def test_audience_widget_adds_and_removes(login_as, app, talon_sandbox):
    client = login_as("marketer")
    widget = client.get(f"/customers/{ALICE}/audiences", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert widget.lstrip().startswith("<section") and 'hx-target="this"' in widget
    assert "Newsletter" in widget
    member_of = {a["id"] for a in profile_of(talon_sandbox, ALICE)["audienceMemberships"]}
    target = next(i for i in (2, 3) if i not in member_of)

    added = client.post(f"/customers/{ALICE}/audiences", headers={"HX-Request": "true"},
                        data={"audience_id": target, "action": "add", "csrf_token": client.csrf})
    assert f"added to audience {target}" in visible_text(added.get_data(as_text=True))
    assert target in {a["id"] for a in profile_of(talon_sandbox, ALICE)["audienceMemberships"]}

    removed = client.post(f"/customers/{ALICE}/audiences",
                          data={"audience_id": target, "action": "delete", "csrf_token": client.csrf})
    assert removed.status_code == 303
    assert target not in {a["id"] for a in profile_of(talon_sandbox, ALICE)["audienceMemberships"]}
    actions = [e.action for e in audit_rows(app, target_id=ALICE)]
    assert "customer.audience_add" in actions and "customer.audience_remove" in actions


def test_audience_changes_need_the_audiences_permission(login_as, talon_sandbox):
    client = login_as("agent")
    assert client.get(f"/customers/{ALICE}/audiences").status_code == 200
    assert client.post(f"/customers/{ALICE}/audiences",
                       data={"audience_id": 2, "action": "add", "csrf_token": client.csrf}).status_code == 403
    assert upstream_changes(talon_sandbox) == []


def test_bad_audience_input_changes_nothing(login_as, talon_sandbox):
    client = login_as("marketer")
    for data in ({"audience_id": "abc", "action": "add"}, {"audience_id": 2, "action": "explode"}):
        response = client.post(f"/customers/{ALICE}/audiences", data={**data, "csrf_token": client.csrf})
        assert response.status_code == 422
    assert upstream_changes(talon_sandbox) == []


# -- referral codes ---------------------------------------------------------------------------


def referral(client, **fields):
    data = {"campaign_id": 6, "usage_limit": 1, "expiry_date": "", "friend_id": "",
            "submission": "c" * 32, "csrf_token": client.csrf, **fields}
    return client.post(f"/customers/{ALICE}/referrals/new", data=data)


def test_create_referral_code_once(login_as, app, talon_sandbox):
    client = login_as("marketer")
    assert "Refer a friend" in client.get(f"/customers/{ALICE}/referrals/new").get_data(as_text=True)
    first = referral(client)
    second = referral(client)
    assert first.status_code == second.status_code == 303
    creates = [e for e in upstream_changes(talon_sandbox) if e["path"] == "/v1/referrals"]
    assert len(creates) == 1, "the same form creates one code"
    entry = audit_rows(app, action="customer.create_referral")[-1]
    assert (entry.outcome, entry.upstream_status, entry.target_id) == ("success", 201, ALICE)


@pytest.mark.parametrize("fields, message", [
    ({"campaign_id": 1}, "Not a valid choice"),
    ({"usage_limit": -1}, "Between 0"),
    ({"usage_limit": "lots"}, "Not a valid integer"),
    ({"expiry_date": "2000-01-01"}, "after today"),
    ({"friend_id": "cust-9999"}, "no customer profile cust-9999"),
    ({"friend_id": ALICE}, "someone other than the advocate"),
    ({"friend_id": "<i>x</i>"}, "markup"),
])
def test_bad_referral_input_gets_field_errors(login_as, talon_sandbox, fields, message):
    response = referral(login_as("marketer"), **fields)
    assert response.status_code == 422
    assert any(message in e for e in errors_of(response.get_data(as_text=True)))
    assert upstream_changes(talon_sandbox) == []


# -- deleting personal data -------------------------------------------------------------------


def test_delete_shows_what_will_be_erased_then_needs_the_typed_id(login_as, app, talon_sandbox):
    client = login_as("admin")
    review = visible_text(client.get(f"/customers/{ALICE}/delete").get_data(as_text=True))
    assert "Step 1 of 2" in review and "Alice Archer" in review and "4000-0001" in review

    wrong = client.post(f"/customers/{ALICE}/delete", data={"confirm_id": "cust-0002", "csrf_token": client.csrf})
    assert wrong.status_code == 422
    assert any("This is not cust-0001" in e for e in errors_of(wrong.get_data(as_text=True)))
    assert profile_of(talon_sandbox, ALICE) is not None

    done = client.post(f"/customers/{ALICE}/delete", data={"confirm_id": ALICE, "csrf_token": client.csrf})
    assert done.status_code == 303
    assert profile_of(talon_sandbox, ALICE) is None
    entry = audit_rows(app, action="customer.delete_data")[-1]
    assert (entry.outcome, entry.upstream_status, entry.target_id) == ("success", 204, ALICE)
    assert entry.summary["erased"]["sessions"] > 0
    logged = str(entry.summary)
    for personal in ("Alice", "Archer", "example.com", "Berlin", "4000-0001"):
        assert personal not in logged


def test_erasure_removes_the_customer_from_everyones_recently_viewed(login_as, talon_sandbox):
    """Issue 16: the name stayed in "Recently viewed" of every staff member who had opened the
    customer, right under the "erased" message."""
    agent, admin = login_as("agent"), login_as("admin")
    for client in (agent, admin):
        client.get(f"/customers/{ALICE}")
        client.get("/sessions/sess-00001")
        assert "Alice Archer" in client.get("/").get_data(as_text=True)
    agent.get("/customers/cust-0002")
    done = admin.post(f"/customers/{ALICE}/delete", data={"confirm_id": ALICE, "csrf_token": admin.csrf})
    assert done.status_code == 303
    for client in (agent, admin):
        home = visible_text(client.get("/").get_data(as_text=True))
        assert "Alice Archer" not in home and ALICE not in home.replace(f"personal data of {ALICE}", "")
        assert "sess-00001" not in home
    assert "cust-0002" in visible_text(agent.get("/").get_data(as_text=True))


@pytest.mark.parametrize("role", ["agent", "marketer", "manager"])
def test_only_admins_delete_customer_data(login_as, talon_sandbox, role):
    client = login_as(role)
    assert client.get(f"/customers/{ALICE}/delete").status_code == 403
    assert client.post(f"/customers/{ALICE}/delete", data={"confirm_id": ALICE, "csrf_token": client.csrf}).status_code == 403
    assert profile_of(talon_sandbox, ALICE) is not None


def test_delete_failure_is_reported_and_audited(login_as, app, talon_sandbox):
    requests.post(f"{talon_sandbox.url}/sandbox/faults", timeout=10,
                  json={"rules": [{"path": "/v1/customer_data/", "status": 503}]}).raise_for_status()
    client = login_as("admin")
    response = client.post(f"/customers/{ALICE}/delete", data={"confirm_id": ALICE, "csrf_token": client.csrf})
    assert "Talon.One is unavailable (HTTP 503). The change was not applied" in visible_text(response.get_data(as_text=True))
    entry = audit_rows(app, action="customer.delete_data")[-1]
    assert (entry.outcome, entry.upstream_status) == ("failure", 503)
