"""Every role's main pages and their main states in real Chromium, at 1366 and 390 px: axe-core
finds no serious or critical WCAG 2.2 AA violation, IDs are unique, the page is no wider than
the screen. Each page is saved as a screenshot under test-artifacts/pages/ (issue 16)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, DEMO_PASSWORD
from tests.support.axe import blocking_violations
from tests.support.htmx import wait_until_settled
from tests.support.layout import page_overflow
from tests.support.pages import MAIN_PAGES

pytestmark = pytest.mark.e2e

WIDTHS = (1366, 390)
DUPLICATE_IDS = """() => { const seen = {}; for (const e of document.querySelectorAll('[id]')) seen[e.id] = (seen[e.id] || 0) + 1;
  return Object.entries(seen).filter(([, n]) => n > 1).map(([id, n]) => id + ' ×' + n); }"""


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "home"


def check(page, name: str, problems: list[str]) -> None:
    """axe, unique IDs and the page's width, as it is now; and a screenshot."""
    width = page.viewport_size["width"]
    for violation in blocking_violations(page):
        problems.append(f"{name} @{width}: {violation}")
    for duplicate in page.evaluate(DUPLICATE_IDS):
        problems.append(f"{name} @{width}: duplicate id {duplicate}")
    for overflow in page_overflow(page):
        problems.append(f"{name} @{width}: {overflow}")
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def visit_all(page, role: str, width: int, problems: list[str]) -> None:
    page.set_viewport_size({"width": width, "height": 800 if width > 500 else 844})
    for path in MAIN_PAGES[role]:
        page.goto(path)
        wait_until_settled(page)
        check(page, f"{role}-{slug(path)}", problems)


# One test per role and width, so that xdist's workers share the agent's 27 pages.
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", sorted(MAIN_PAGES))
def test_main_pages_have_no_serious_accessibility_violation(logged_in_page, role, width):
    page = logged_in_page(role)
    problems: list[str] = []
    visit_all(page, role, width, problems)
    assert problems == []


def test_the_login_page_and_its_error(page):
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/login")
        check(page, "login", problems)
        page.fill("input[name=username]", "agent")
        page.fill("input[name=password]", "wrong-" + DEMO_PASSWORD)
        page.click("button[type=submit]")
        check(page, "login-refused", problems)
    assert problems == []


def test_the_main_states_of_the_agents_and_marketers_work(logged_in_page):
    """States a page reaches by doing something: a dry-run preview, a return preview, a cancel
    preview, suggestions open, a refused field, a dry run on the test bench."""
    page = logged_in_page("agent")
    problems: list[str] = []
    page.goto("/sessions/sess-00001/preview")
    page.fill("#coupon_codes", "SUMMER20")
    page.get_by_role("button", name="Preview (nothing is saved)").click()
    expect(page.locator(".preview-result")).to_be_visible()
    check(page, "state-agent-preview-result", problems)

    page.goto("/sessions/sess-00001/return")
    page.get_by_role("button", name="Preview the return").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    check(page, "state-agent-return-refused", problems)
    page.get_by_label("Quantity of Organic T-shirt to return").fill("1")
    page.fill("#reason", "Wrong size")
    page.get_by_role("button", name="Preview the return").click()
    expect(page.locator(".return-preview")).to_be_visible()
    check(page, "state-agent-return-preview", problems)

    page.goto("/sessions/sess-00003/reopen")
    page.get_by_role("button", name="Preview the cancellation").click()
    expect(page.locator("#cancel-reason")).to_be_visible()
    check(page, "state-agent-cancel-preview", problems)

    page.goto("/")
    page.locator(".home-search input[name=q]").press_sequentially("sess-0000", delay=30)
    expect(page.locator(".home-search [role=option]").first).to_be_visible()
    check(page, "state-agent-suggestions", problems)

    assert problems == []


def test_the_main_states_of_the_test_bench(logged_in_page):
    page = logged_in_page("marketer")
    problems: list[str] = []
    page.goto("/campaigns/test-bench")
    page.get_by_label("Summer coupons", exact=False).check()
    page.get_by_label("SKU of line 1").fill("SHOE-1")
    page.get_by_label("Qty of line 1").fill("1")
    page.get_by_label("Price of line 1").fill("100")
    page.get_by_role("button", name="Run dry run").click()
    expect(page.locator("#bench-result")).to_be_visible()
    check(page, "state-marketer-bench-result", problems)
    assert problems == []
