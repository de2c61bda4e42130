"""The route inventory: every route of app.url_map, as it is when the test runs, checked for
login, CSRF and the permission table, role by role.

- login: anonymous requests are sent to /login, except the documented public few;
- CSRF: every changing route refuses a request without a valid token, before anything happens;
- permissions: every protected route names its permission (@require records it on the view as
  `required_permission`), no route lacks one (missing check), and each role gets exactly what
  the table gives it: refused (403, audited, nothing sent to Talon.One) when the table says no,
  never refused when it says yes (no extra check). Managers are refused other stores' sessions.

The foundation's tests/security/test_permissions.py proves `require` itself with probe routes;
this file proves that every real route uses it as the table says.
"""

from __future__ import annotations

import pytest
import requests

from app.permissions import PERMISSIONS
from tests.faults.catalog import (
    OTHER_STORE,
    PUBLIC_ENDPOINTS,
    ROLES,
    all_routes,
    discover_demo_ids,
    protected_routes,
)
from tests.faults.counts import count_checks
from tests.security.test_headers import assert_secure_headers
from tests.web.helpers import audit_rows

# Routes any logged-in user may use, whatever the role: leaving the console, and changing one's
# own password (it acts on the logged-in account only).
NO_PERMISSION_NEEDED = frozenset({"auth.logout", "admin.change_password"})

ROUTES = protected_routes()
CHANGING = [r for r in ROUTES if r.changes]
GUARDED = [r for r in ROUTES if r.endpoint not in NO_PERMISSION_NEEDED]


@pytest.fixture(scope="module")
def demo_ids(sandbox):
    return discover_demo_ids(sandbox)


def upstream_changes(sandbox) -> list[dict]:
    log = requests.get(f"{sandbox.url}/sandbox/requests", timeout=10).json()
    entries = log.get("requests", log) if isinstance(log, dict) else log
    return [e for e in entries if e["method"] != "GET"]


def send(client, route, path, *, csrf: str | None, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    if csrf is not None:
        headers["X-CSRFToken"] = csrf
    response = client.open(path, method=route.method, headers=headers, data={})
    response.get_data()
    response.close()
    return response


def test_the_public_few_are_exactly_the_documented_ones():
    from app.security import PUBLIC_ENDPOINTS as app_public

    assert set(app_public) == set(PUBLIC_ENDPOINTS)
    public = {r.endpoint for r in all_routes() if r.public}
    assert public - {"static"} <= {"auth.login", "main.healthz"} | {e for e in public if e.endswith(".static")}
    count_checks("security", 2)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_needs_login(route, client, demo_ids, sandbox):
    path = demo_ids.path(route)
    response = send(client, route, path, csrf=None)
    assert response.status_code == 302, f"{route.id}: anonymous got {response.status_code}"
    assert response.headers["Location"].startswith("/login")
    htmx = send(client, route, path, csrf=None, htmx=True)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")
    assert upstream_changes(sandbox) == []
    count_checks("security", 3)


def test_csrf_protection_has_no_exemptions(app):
    from app.extensions import csrf

    assert not csrf._exempt_views, f"CSRF is switched off for {sorted(csrf._exempt_views)}"
    assert not csrf._exempt_blueprints, f"CSRF is switched off for {sorted(csrf._exempt_blueprints)}"
    assert app.config.get("WTF_CSRF_ENABLED", True) is not False
    assert set(app.config.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])) >= {"POST", "PUT", "PATCH", "DELETE"}
    count_checks("security", 4)


def first_role_with(route) -> str:
    if route.permission is None:
        return "admin"
    return next(role for role in ROLES if role in PERMISSIONS[route.permission].roles)


@pytest.mark.parametrize("route", CHANGING, ids=lambda r: r.id)
def test_needs_a_csrf_token(route, app, login_as, demo_ids, sandbox):
    role = first_role_with(route)
    client, other = login_as(role), login_as(role)
    path = demo_ids.path(route)
    audit_before = len(audit_rows(app))
    for label, token in (("no token", None), ("forged token", "forged"),
                         ("another login's token", other.csrf)):
        response = send(client, route, path, csrf=token, htmx=True)
        assert response.status_code == 400, f"{route.id} as {role} with {label}: {response.status_code}"
        assert "The form has expired" in response.get_data(as_text=True)
    assert len(audit_rows(app)) == audit_before, f"{route.id}: a refused request left an audit entry"
    assert upstream_changes(sandbox) == [], f"{route.id}: a request without CSRF reached Talon.One"
    count_checks("security", 5)


@pytest.mark.parametrize("route", GUARDED, ids=lambda r: r.id)
def test_declares_a_known_permission(route):
    assert route.permission is not None, (
        f"{route.id} ({route.endpoint}) has no @require(...): every route needs a permission from "
        "app/permissions.py (a missing check), or a documented reason to be in NO_PERMISSION_NEEDED")
    assert route.permission in PERMISSIONS
    count_checks("security", 1)


@pytest.mark.parametrize("route", GUARDED, ids=lambda r: r.id)
def test_each_role_gets_exactly_what_the_table_gives(route, app, login_as, demo_ids, sandbox):
    if route.permission is None:
        pytest.fail(f"{route.id} declares no permission (see test_declares_a_known_permission)")
    rule = PERMISSIONS[route.permission]
    path = demo_ids.path(route)
    problems = []
    for role in ROLES:
        client = login_as(role)
        refusals_before = len(audit_rows(app, action="permission.refused"))
        changes_before = len(upstream_changes(sandbox))
        response = send(client, route, path, csrf=client.csrf, htmx=route.changes)
        refusals = audit_rows(app, action="permission.refused")[refusals_before:]
        assert_secure_headers(response, f"{route.id} as {role}")
        if role in rule.roles:
            if response.status_code == 403:
                problems.append(f"{role} may `{route.permission}` but was refused (an extra check)")
            if response.status_code >= 500 and response.status_code != 502:
                problems.append(f"{role}: {response.status_code}")
        else:
            if response.status_code != 403:
                problems.append(f"{role} may not `{route.permission}` but got {response.status_code} (a missing check)")
            elif not any(e.summary and e.summary.get("permission") == route.permission for e in refusals):
                problems.append(f"{role}: refused without an audit entry")
            if len(upstream_changes(sandbox)) != changes_before:
                problems.append(f"{role}: refused, yet a change reached Talon.One")
        count_checks("security", 2)
    assert not problems, f"{route.id}: " + "; ".join(problems)


STORE_BOUND = [r for r in GUARDED if r.permission and PERMISSIONS[r.permission].own_store_roles
               and r.is_session_route]


@pytest.mark.parametrize("route", STORE_BOUND, ids=lambda r: r.id)
def test_a_manager_is_refused_other_stores_sessions(route, app, login_as, demo_ids, sandbox):
    manager = login_as("manager")
    changes_before = len(upstream_changes(sandbox))
    own = send(manager, route, demo_ids.path(route), csrf=manager.csrf, htmx=route.changes)
    assert own.status_code != 403, f"{route.id}: the manager was refused their own store's session"
    other = send(manager, route, demo_ids.path(route, other_store=True), csrf=manager.csrf,
                 htmx=route.changes)
    assert other.status_code == 403, f"{route.id}: a {OTHER_STORE} session was not refused ({other.status_code})"
    refusals = audit_rows(app, action="permission.refused")
    assert any(e.summary and e.summary.get("permission") == "own_store" for e in refusals)
    if route.method == "GET":
        assert len(upstream_changes(sandbox)) == changes_before
    count_checks("security", 4)
