"""Logged out, every route except /login, /healthz and static files sends the visitor to /login.

The list of routes comes from the app's URL map, so routes that other areas add later are
covered without changing this test."""

from __future__ import annotations

import pytest

PUBLIC = {"auth.login", "main.healthz", "static"}


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def concrete_path(rule) -> str:
    """The rule's URL with a placeholder for every variable part."""
    values = {name: 1 if "int" in type(conv).__name__.lower() else "x"
              for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def protected_requests(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, concrete_path(rule)


def test_the_route_list_is_not_empty(app):
    endpoints = {endpoint for endpoint, _, _ in protected_requests(app)}
    # the foundation's own protected routes; other areas add theirs
    assert {"main.home", "audit.index", "audit.export_csv", "auth.logout"} <= endpoints


def test_every_protected_route_redirects_to_login(app, client):
    checked = 0
    for endpoint, method, path in protected_requests(app):
        response = client.open(path, method=method)
        assert response.status_code == 302, f"{method} {path} ({endpoint}) gave {response.status_code}"
        assert response.headers["Location"].startswith("/login"), f"{method} {path} -> {response.headers['Location']}"
        checked += 1
    assert checked >= 4


def test_the_login_page_remembers_where_to_go_back(client):
    response = client.get("/audit?actor=agent")
    assert response.headers["Location"] == "/login?next=/audit?actor%3Dagent"


def test_unknown_urls_also_go_to_login_so_routes_cannot_be_probed(client):
    response = client.get("/no/such/page")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_an_htmx_request_gets_a_full_page_redirect_instead_of_a_swapped_login_form(client):
    response = client.get("/audit", headers={"HX-Request": "true",
                                             "HX-Current-URL": "http://localhost/audit?page=2"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/audit?page%3D2"
    assert response.get_data() == b""


@pytest.mark.parametrize("path, status", [("/login", 200), ("/healthz", 200),
                                          ("/static/app.css", 200), ("/static/vendor/htmx.min.js", 200)])
def test_public_routes_answer_without_login(client, path, status):
    assert client.get(path).status_code == status
