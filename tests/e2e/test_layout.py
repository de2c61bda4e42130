"""Issue 16's layout defects, measured with element boxes in real Chromium at the widths the
issue names: nothing overlaps, nothing is cut off, nothing makes the page wider than the
screen, one line where one line is meant."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import shot
from tests.support.htmx import wait_until_settled
from tests.support.layout import clipped, overlaps, page_overflow, wrapped

pytestmark = pytest.mark.e2e

WIDE = (1024, 1366, 1920)


@pytest.mark.parametrize("role", ["agent", "marketer", "manager", "admin"])
def test_the_header_is_one_row_at_1366(logged_in_page, role):
    page = logged_in_page(role)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/")
    tops = page.evaluate("""() => [...document.querySelectorAll(
        '.site-header .brand, .header-search, .nav-links li, .nav-user li')]
        .map(e => { const r = e.getBoundingClientRect(); return [e.textContent.trim().slice(0, 20), r.top, r.bottom]; })""")
    middles = {name: (top + bottom) / 2 for name, top, bottom in tops}
    first = next(iter(middles.values()))
    assert all(abs(m - first) < 12 for m in middles.values()), middles
    assert page.locator(".site-header").bounding_box()["height"] < 120
    assert not page_overflow(page)


def test_audience_member_buttons_stay_in_their_column(logged_in_page):
    page = logged_in_page("marketer")
    for width in WIDE:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/audiences/1")
        expect(page.locator(".member-list button").first).to_be_visible()
        assert not overlaps(page, ".member-list button", "#audience-bulk"), width
        assert not overlaps(page, ".member-list tr", "#audience-bulk"), width
        shot(page, f"layout-audience-{width}")


def test_customer_side_tables_are_not_cut_off(logged_in_page):
    page = logged_in_page("admin")
    for width in (1280, 1366, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/customers/cust-0001")
        expect(page.locator("#customer-referrals table")).to_be_visible()
        for section in ("#customer-loyalty", "#customer-achievements", "#customer-referrals"):
            assert not clipped(page, section), (width, clipped(page, section))
            table = page.locator(f"{section} table").last.bounding_box()
            box = page.locator(section).bounding_box()
            assert table["x"] + table["width"] <= box["x"] + box["width"] + 1, (width, section)


def test_audit_log_rows_are_one_line_and_fit(logged_in_page, live_console):
    from app.extensions import db
    from app.models import AuditEntry

    with live_console.app.app_context():
        db.session.add_all(
            AuditEntry(actor="demo-setup", actor_role="system", action="session.return",
                       target_type="session", target_id=f"sess-{n:05d}", outcome="success",
                       upstream_status=200, client_ip="127.0.0.1",
                       summary={"reason": "customer changed their mind " * 3, "lines": [{"position": 0, "quantity": 1}]})
            for n in range(60)
        )
        db.session.commit()
    page = logged_in_page("admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/audit")
    rows = page.locator(".audit-table tbody tr")
    expect(rows).to_have_count(50)
    assert not wrapped(page, ".audit-table time"), "a timestamp wraps"
    assert not clipped(page, "#audit-entries")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2800, f"50 entries make the page {height} px long"  # 8,000 before
    page.locator(".audit-table details summary").first.click()
    assert not clipped(page, "#audit-entries")
    assert not page_overflow(page)
    shot(page, "layout-audit-1366")


NARROW_PAGES = {
    "agent": ["/", "/customers/cust-0001", "/sessions/sess-00001", "/sessions/sess-00001/preview",
              "/sessions/sess-00001/return", "/sessions/sess-00003/reopen", "/coupons/SUMMER20",
              "/loyalty/1/cards/4000-0001", "/loyalty/2/customers/cust-0001"],
    "marketer": ["/audiences", "/audiences/1", "/coupons", "/campaigns/test-bench"],
    "admin": ["/audit", "/admin/users", "/loyalty/"],
}


@pytest.mark.parametrize("role", sorted(NARROW_PAGES))
def test_no_page_is_wider_than_a_phone(logged_in_page, role):
    page = logged_in_page(role)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in NARROW_PAGES[role]:
        page.goto(path)
        wait_until_settled(page)
        assert not page_overflow(page), (path, page_overflow(page))


def test_breadcrumbs_have_one_separator_with_space(logged_in_page):
    page = logged_in_page("admin")
    for path in ("/customers/cust-0001", "/sessions/sess-00001", "/sessions/sess-00001/preview",
                 "/audiences/1", "/coupons/SUMMER20", "/loyalty/1/cards/4000-0001", "/admin/users/agent"):
        page.goto(path)
        crumbs = page.locator("nav.breadcrumbs li")
        assert crumbs.count() >= 2, path
        texts = crumbs.all_inner_texts()
        assert all(not re.search(r"[›>]", t) for t in texts), (path, texts)
        separators = page.evaluate("""() => [...document.querySelectorAll('nav.breadcrumbs li + li')].map(li => {
            const s = getComputedStyle(li, '::before');
            return [s.content, parseFloat(s.marginLeft), parseFloat(s.marginRight)]; })""")
        assert separators and all(c == '"›"' and left > 2 and right > 2 for c, left, right in separators), (path, separators)
        assert page.locator("nav.breadcrumbs li[aria-current=page]").count() == 1, path


def test_ids_in_the_bulk_problem_table_are_never_broken(logged_in_page):
    page = logged_in_page("marketer")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/audiences/1")
    ids = ["cust-0011", "not an id!", "cust-0011", "cust-0012"] + [f"x{n}/bad" for n in range(3)]
    page.fill("#members-pasted", "\n".join(ids))
    page.click("#audience-bulk button[type=submit]")
    expect(page.locator(".bulk-rows table")).to_be_visible()
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert not wrapped(page, ".bulk-rows code"), width
        assert not page_overflow(page), width
