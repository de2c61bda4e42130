"""Each role is refused (403, audited) exactly what the permission table denies it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import request
from flask_login import current_user

from app.models import ROLES
from app.permissions import PERMISSIONS, can, check_store, markdown_table, require
from tests.security.test_login_required import concrete_path
from tests.web.helpers import audit_rows

REPO = Path(__file__).resolve().parents[2]
DESIGN = REPO.parent / "shared" / "DESIGN.md"

@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def add_probes(app):
    """One test-only route per permission, plus one that checks the store."""
    for name in PERMISSIONS:
        app.add_url_rule(f"/probe/{name}", f"probe_{name}",
                         require(name)(lambda name=name: f"allowed: {name}"))

    @require("return_reopen")
    def store_probe():
        check_store(current_user, request.args["store"], target_type="session", target_id="sess-00001")
        return "allowed"

    app.add_url_rule("/probe-store", "probe_store", store_probe)


# The probe routes, added to the worker's app for this module before its first request.
pytestmark = pytest.mark.app_routes.with_args(add_probes)


CASES = [(name, role) for name in PERMISSIONS for role in ROLES]


@pytest.mark.parametrize("permission, role", CASES)
def test_the_table_decides(login_as, app, permission, role):
    client = login_as(role)
    response = client.get(f"/probe/{permission}")
    refusals = audit_rows(app, action="permission.refused")
    if role in PERMISSIONS[permission].roles:
        assert response.status_code == 200
        assert refusals == []
    else:
        assert response.status_code == 403
        assert "may not use this" in response.get_data(as_text=True)
        [entry] = refusals
        assert (entry.actor, entry.actor_role, entry.outcome) == (role, role, "refused")
        assert (entry.target_type, entry.target_id) == ("permission", permission)
        assert entry.summary["path"] == f"/probe/{permission}"


def test_a_refused_htmx_request_gets_the_fragment(login_as):
    response = login_as("agent").get("/probe/audit", headers={"HX-Request": "true"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'class="inline-error"' in html


@pytest.mark.app_routes()  # the areas' routes only, no probes
def test_every_guarded_route_of_every_area_refuses_the_roles_the_table_excludes(app, login_as):
    """Covers the routes other areas register with @require, as they land."""
    guarded = []
    for rule in app.url_map.iter_rules():
        permission = getattr(app.view_functions[rule.endpoint], "required_permission", None)
        if permission:
            guarded.append((rule, permission))
    assert any(rule.endpoint == "audit.index" for rule, _ in guarded)
    clients = {role: login_as(role) for role in ROLES}
    for rule, permission in guarded:
        for role in set(ROLES) - PERMISSIONS[permission].roles:
            client = clients[role]
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                before = len(audit_rows(app, action="permission.refused"))
                response = client.open(concrete_path(rule), method=method, headers={"X-CSRFToken": client.csrf})
                assert response.status_code == 403, f"{role} {method} {rule.rule}"
                assert len(audit_rows(app, action="permission.refused")) == before + 1


def test_a_manager_is_limited_to_their_store(login_as, app):
    manager = login_as("manager")  # tied to store-berlin
    assert manager.get("/probe-store?store=store-berlin").status_code == 200
    response = manager.get("/probe-store?store=store-munich")
    assert response.status_code == 403
    assert "limited to store-berlin" in response.get_data(as_text=True)
    [entry] = audit_rows(app, action="permission.refused")
    assert (entry.target_type, entry.target_id, entry.outcome) == ("session", "sess-00001", "refused")
    assert entry.summary["store"] == "store-munich" and entry.summary["own_store"] == "store-berlin"


def test_other_roles_and_storeless_managers_act_on_any_store(login_as, app):
    from app.auth.accounts import set_role

    assert login_as("agent").get("/probe-store?store=store-munich").status_code == 200
    with app.app_context():
        set_role("manager", "manager", None)
    assert login_as("manager").get("/probe-store?store=store-munich").status_code == 200


def test_an_unknown_permission_is_a_bug_not_a_refusal():
    with pytest.raises(KeyError):
        require("delete_everything")
    with pytest.raises(KeyError):
        can(None, "delete_everything")


def design_table() -> dict[str, set[str]]:
    """DESIGN.md section 4 as {action: roles with a tick}."""
    text = DESIGN.read_text(encoding="utf-8")
    section = text.split("## 4. Roles", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("action",) and not set(cells[0]) <= {"-"}:
            table[cells[0]] = {role for role, cell in zip(ROLES, cells[1:], strict=True) if cell.startswith("✓")}
    return table


@pytest.mark.skipif(not DESIGN.exists(), reason="shared/DESIGN.md is not beside the repository")
def test_the_code_table_is_the_design_table():
    """Every row of DESIGN.md is in the code unchanged; the code adds only the rows that
    DESIGN.md has no place for (profile edits and referral codes, issue 7; "Why not?" and
    goodwill points with their caps, issue 17; see the README)."""
    design = design_table()
    code = {rule.action: set(rule.roles) for rule in PERMISSIONS.values()}
    assert {action: code.get(action) for action in design} == design
    assert set(code) - set(design) == {
        "edit a customer's profile attributes", "create a referral code for a customer",
        PERMISSIONS["why_not"].action, PERMISSIONS["loyalty_points"].action,
        PERMISSIONS["points_caps"].action}


def test_the_readme_prints_the_table_from_the_code():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, (
        "README.md's permission table is out of date; paste the output of `python -m app.permissions`")


def test_managers_store_rule_is_marked_in_the_printed_table():
    row = next(line for line in markdown_table().splitlines() if "`return_reopen`" in line)
    assert re.search(r"\| ✓ \(own store\) \|", row)
