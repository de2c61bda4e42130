"""In real Chromium: the pages raise no Content-Security-Policy violation, and htmx works under
the policy (a filter swaps the audit entries in place, with the CSRF header on actions)."""

from __future__ import annotations

import pytest

from tests.conftest import shot

pytestmark = pytest.mark.e2e


def watch_csp(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def test_login_search_and_htmx_filter_without_policy_violations(logged_in_page):
    page = logged_in_page("manager")
    problems = watch_csp(page)
    page.goto("/")
    assert page.locator("form.header-search input[name=q]").is_visible()
    page.goto("/audit")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("document.querySelectorAll('style').length") == 0  # no injected indicator styles
    page.fill("input[name=actor]", "manager")
    with page.expect_response(lambda r: "/audit?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.click("form[hx-get] button[type=submit]")
    page.wait_for_url("**/audit?*actor=manager*")
    assert page.locator("#audit-entries").count() == 1  # swapped in place, not nested
    assert page.locator("#audit-entries td code", has_text="auth.login").count() >= 1
    shot(page, "security-audit-filtered")
    assert problems == []


def test_logout_button_posts_with_the_token_and_ends_the_session(logged_in_page):
    page = logged_in_page("agent")
    problems = watch_csp(page)
    page.click("text=Log out")
    page.wait_for_url("**/login")
    assert page.locator("text=You are logged out.").is_visible()
    page.goto("/")
    assert "/login" in page.url
    assert problems == []
