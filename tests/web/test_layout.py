"""base.html, the navigation by role, flash messages (also out of band for htmx) and macros."""

from __future__ import annotations

import re

import pytest
from flask import Response, flash, redirect, render_template, render_template_string

from app.navigation import NavItem


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def nav_labels(html: str) -> list[str]:
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<li><a href="[^"]+"(?: aria-current="page")?>([^<]+)</a></li>', nav)


@pytest.mark.parametrize("role", ["agent", "marketer", "manager", "admin"])
def test_navigation_shows_exactly_the_registered_areas_the_role_can_use(app, login_as, role):
    from app.navigation import NAV_ITEMS
    from app.permissions import PERMISSIONS

    expected = [item.label for item in NAV_ITEMS
                if item.endpoint in app.view_functions and role in PERMISSIONS[item.permission].roles]
    labels = nav_labels(login_as(role).get("/").get_data(as_text=True))
    assert labels == expected
    assert "Search" in labels
    assert ("Audit log" in labels) == (role in ("manager", "admin"))


def test_an_area_stays_out_of_the_navigation_until_its_endpoint_exists(login_as, monkeypatch):
    import app.navigation as navigation

    items = navigation.NAV_ITEMS + (NavItem("Bench", "probe_bench", "test_bench"),)
    monkeypatch.setattr(navigation, "NAV_ITEMS", items)
    assert "Bench" not in nav_labels(login_as("marketer").get("/").get_data(as_text=True))


@pytest.mark.own_app  # adds a route itself, which Flask allows only before the app's first request
def test_a_registered_area_shows_for_its_roles_only(app, login_as, monkeypatch):
    import app.navigation as navigation

    monkeypatch.setattr(navigation, "NAV_ITEMS",
                        navigation.NAV_ITEMS + (NavItem("Bench", "probe_bench", "test_bench"),))
    app.add_url_rule("/probe-bench", "probe_bench", lambda: "bench")
    assert "Bench" in nav_labels(login_as("marketer").get("/").get_data(as_text=True))
    assert "Bench" not in nav_labels(login_as("agent").get("/").get_data(as_text=True))


def test_header_has_the_search_box_who_is_logged_in_and_logout(login_as):
    html = login_as("manager").get("/").get_data(as_text=True)
    header = html.split("</header>", 1)[0]
    assert '<form role="search" class="header-search" action="/search" method="get">' in header
    assert 'name="q"' in header
    assert "manager" in header and "store-berlin" in header
    assert 'action="/logout"' in header


def test_the_login_page_has_no_navigation_and_shows_demo_logins_only_in_demo(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert "header-search" not in html and "Log out" not in html
    assert "Demo logins" not in html  # testing mode
    app.config["TALON_DESK_MODE"] = "demo"
    assert "Demo logins" in client.get("/login").get_data(as_text=True)


def add_flash_routes(app):
    def partial():
        flash("Reservation saved.", "success")
        return Response("<p>the partial</p>", mimetype="text/html")

    def action():
        flash("Card linked.", "success")
        return redirect("/probe/partial", code=303)

    def navigate():
        flash("Logged in elsewhere.", "info")
        response = Response(status=204)
        response.headers["HX-Redirect"] = "/"
        return response

    def page():
        flash("Welcome back.", "info")
        return render_template("main/home.html")

    app.add_url_rule("/probe/partial", "probe_partial", partial)
    app.add_url_rule("/probe/action", "probe_action", action, methods=["POST"])
    app.add_url_rule("/probe/navigate", "probe_navigate", navigate)
    app.add_url_rule("/probe/page", "probe_page", page)


# The flashing routes, added to the worker's app for this module before its first request.
pytestmark = pytest.mark.app_routes.with_args(add_flash_routes)


def test_flash_rides_along_with_an_htmx_partial_out_of_band(login_as):
    html = login_as("agent").get("/probe/partial", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.startswith("<p>the partial</p>")
    oob = html.split("</p>", 1)[1]
    assert '<div id="flash-messages"' in oob and 'hx-swap-oob="true"' in oob
    assert '<p class="flash flash-success">Reservation saved.</p>' in oob


def test_flash_after_an_htmx_post_and_redirect_arrives_with_the_next_partial(login_as):
    client = login_as("agent")
    headers = {"HX-Request": "true", "X-CSRFToken": client.csrf}
    response = client.post("/probe/action", headers=headers, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Card linked." in html and "Reservation saved." in html


def test_flash_waits_when_htmx_navigates_away(login_as):
    client = login_as("agent")
    response = client.get("/probe/navigate", headers={"HX-Request": "true"})
    assert "flash-messages" not in response.get_data(as_text=True)
    assert "Logged in elsewhere." in client.get("/").get_data(as_text=True)


def test_a_full_page_shows_flash_in_its_own_area_once(login_as):
    html = login_as("agent").get("/probe/page").get_data(as_text=True)
    assert html.count("Welcome back.") == 1 and "hx-swap-oob" not in html


def test_logout_says_so_on_the_login_page(login_as):
    client = login_as("agent")
    response = client.post("/logout", headers={"X-CSRFToken": client.csrf}, follow_redirects=True)
    assert "You are logged out." in response.get_data(as_text=True)


def render_macro(app, source: str, **context) -> str:
    with app.test_request_context("/audit?actor=agent&page=2"):
        return render_template_string('{% from "_macros.html" import field, inline_error, pagination, state_badge %}'
                                      + source, **context)


def test_field_macro_puts_errors_next_to_the_field(app):
    from app.auth.forms import LoginForm

    with app.test_request_context("/login", method="POST", data={"username": "", "password": ""}):
        form = LoginForm()
        form.validate()
        html = render_template_string('{% from "_macros.html" import field %}{{ field(form.username) }}', form=form)
    assert '<label for="username">Username</label>' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="username-errors"' in html
    assert '<small id="username-errors" class="field-errors">This field is required.</small>' in html


def test_inline_error_macro(app):
    html = render_macro(app, '{{ inline_error("Loyalty failed", "Talon.One timed out", "/customers/c1/loyalty", 504) }}')
    assert 'hx-get="/customers/c1/loyalty" hx-target="this" hx-swap="outerHTML"' in html
    assert "Loyalty failed" in html and "(504)" in html and 'class="retry secondary"' in html
    without_retry = render_macro(app, '{{ inline_error("Nope", "Refused") }}')
    assert "hx-get" not in without_retry and "Try again" not in without_retry


class Pager:
    page, pages, has_prev, has_next, prev_num, next_num = 2, 5, True, True, 1, 3

    def iter_pages(self):
        return iter([1, 2, 3, None, 5])


def test_pagination_macro_keeps_the_filters(app):
    html = render_macro(app, '{{ pagination(pager, target="#rows") }}', pager=Pager())
    assert 'href="/audit?actor=agent&amp;page=3"' in html
    assert 'hx-target="#rows"' in html and '<a aria-current="page">2</a>' in html and "…" in html


def test_state_badge_macro(app):
    assert render_macro(app, '{{ state_badge("partially_returned") }}') == \
        '<span class="badge badge-partially_returned">partially returned</span>'
    assert 'badge-none' in render_macro(app, '{{ state_badge(None) }}')


def test_an_id_beyond_what_a_database_holds_is_a_404_not_a_500(login_as):
    client = login_as("marketer")
    for url in ("/campaigns/cases/99999999999999999999999", "/audiences/18446744073709551616",
                "/loyalty/2147483648/cards/4000-0001"):
        assert client.get(url).status_code == 404, url
