"""Issue 16's habits of people who live in a tool, and its destructive actions, in real Chromium:
"/" focuses the search box, copy buttons copy, list tables sort by a column, a removed member or
reservation can be put back for a few seconds (the page's clock is Playwright's, not waited out),
and disabling an account asks first (tests/e2e/test_admin_accounts.py)."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e


def test_slash_focuses_the_search_box_from_any_page(logged_in_page):
    page = logged_in_page("manager")
    for path in ("/customers/cust-0001", "/audit", "/sessions/sess-00001"):
        page.goto(path)
        page.locator("h1").click()
        page.keyboard.press("/")
        expect(page.locator(".header-search input[name=q]")).to_be_focused()
    page.goto("/")
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator(".home-search input[name=q]")).to_be_focused()
    # typing "/" into a field stays a character
    page.keyboard.type("a/b")
    expect(page.locator(".home-search input[name=q]")).to_have_value("a/b")


def test_copy_buttons_copy_the_id_and_the_one_time_password(logged_in_page, live_console):
    from app.auth.accounts import create_user
    from app.extensions import db

    username = f"copy-{uuid.uuid4().hex[:6]}"  # the live console's accounts last the whole run
    with live_console.app.app_context():
        create_user(username, "a long enough password 42", "agent")
        db.session.commit()
    page = logged_in_page("admin")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/customers/cust-0001")
    page.get_by_role("button", name="Copy the profile ID cust-0001").click()
    expect(page.get_by_role("button", name="Copy the profile ID cust-0001")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "cust-0001"
    page.goto("/sessions/sess-00004")
    page.get_by_role("button", name="Copy the session ID sess-00004").click()
    assert page.evaluate("navigator.clipboard.readText()") == "sess-00004"
    page.goto(f"/admin/users/{username}")
    page.get_by_role("button", name="Reset password").click()  # the default: a one-time password
    password = page.locator("#one-time-password").inner_text()
    page.get_by_role("button", name=re.compile("Copy the one-time password")).click()
    assert page.evaluate("navigator.clipboard.readText()") == password


def sessions_of(sandbox, profile: str) -> list[dict]:
    answer = requests.get(f"{sandbox.url}/v1/applications/1/sessions", timeout=30,
                          params={"profile": profile, "pageSize": 1000},
                          headers={"Authorization": f"ManagementKey-v1 {sandbox.management_key}"})
    answer.raise_for_status()
    return answer.json()["data"]


def test_a_paged_list_sorts_as_a_whole_by_its_heading(logged_in_page, talon_sandbox):
    """Sorting is the whole list's (Talon.One's sort), not the page's rows: after a click on
    Total, the first row of page 1 is the customer's smallest session of all, one that page 1
    did not show before."""
    for n in range(10):  # ten new, large sessions: the newest, so page 1 of the default order
        response = requests.put(
            f"{talon_sandbox.url}/v2/customer_sessions/sess-sort-{n:02d}-{uuid.uuid4().hex[:6]}", timeout=30,
            headers={"Authorization": f"ApiKey-v1 {talon_sandbox.integration_key}"},
            json={"customerSession": {"profileId": "cust-0001", "cartItems": [
                {"sku": "TEE-010", "quantity": 10 + n, "price": 19.9}]}})
        response.raise_for_status()
    every = sessions_of(talon_sandbox, "cust-0001")
    smallest = min(every, key=lambda s: (s["total"], s["id"]))["integrationId"]
    largest = max(every, key=lambda s: (s["total"], -s["id"]))["integrationId"]
    page = logged_in_page("agent")
    page.goto("/customers/cust-0001")
    section = page.locator("#customer-sessions")
    first_cell = section.locator("tbody tr").first.locator("td").first
    shown_ids = lambda: section.locator("tbody tr td:first-child").all_inner_texts()  # noqa: E731
    expect(section.locator("th", has_text="Created")).to_have_attribute("aria-sort", "descending")
    assert smallest not in shown_ids()  # page 1 of the default order does not hold it

    total = section.get_by_role("link", name=re.compile("^Total"))
    total.click()  # largest first
    expect(section.locator("th", has_text="Total")).to_have_attribute("aria-sort", "descending")
    expect(first_cell).to_have_text(largest)
    expect(page).to_have_url(re.compile(r"sort=-total"))
    section.get_by_role("link", name=re.compile("^Total")).click()  # the other way: smallest first
    expect(section.locator("th", has_text="Total")).to_have_attribute("aria-sort", "ascending")
    expect(first_cell).to_have_text(smallest)
    expect(section.locator("th", has_text="Created")).not_to_have_attribute("aria-sort", re.compile("."))
    expect(page).to_have_url(re.compile(r"/customers/cust-0001\?sort=total$"))
    shot(page, "agent-sessions-sorted")
    page_one = shown_ids()
    # the next page continues the order and keeps it in its URL
    section.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"sort=total.*page=2|page=2.*sort=total"))
    expect(section.locator("th", has_text="Total")).to_have_attribute("aria-sort", "ascending")
    order = [s["integrationId"] for s in sorted(every, key=lambda s: (s["total"], s["id"]))]
    expect(section.locator("tbody tr").first.locator("td").first).to_have_text(order[len(page_one)])
    # the URL alone (deep link, no JavaScript state) gives the same list
    page.goto("/customers/cust-0001?sort=total")
    expect(first_cell).to_have_text(smallest)


def test_a_removed_member_can_be_put_back_for_a_few_seconds(logged_in_page):
    page = logged_in_page("marketer")
    page.clock.install()
    page.goto("/audiences/1")
    members = page.locator("#audience-members")
    expect(members).to_contain_text("cust-0007")
    page.get_by_role("button", name="Remove cust-0007").click()
    notice = page.locator(".undo-notice")
    expect(notice).to_contain_text("cust-0007 is no longer a member of “VIP”.")
    expect(members.locator("td", has_text="cust-0007")).to_have_count(0)
    shot(page, "marketer-member-removed-undo")
    notice.get_by_role("button", name="Undo").click()
    expect(members.locator("td", has_text="cust-0007")).to_have_count(1)

    page.get_by_role("button", name="Remove cust-0014").click()
    # its timer starts once htmx has settled the notice (a timer of the fake clock too), so
    # wait for that, then run the clock past the 15 s, firing every timer due on the way
    expect(page.locator(".undo-notice[data-undo-started]")).to_contain_text("cust-0014")
    page.clock.run_for(16_000)
    expect(page.locator(".undo-notice")).to_contain_text("Undo is no longer offered")
    expect(page.locator(".undo-notice button")).to_have_count(0)


def test_a_removed_reservation_can_be_put_back(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/coupons/VIPONLY-001")
    reserved = page.locator("#coupon-reserved")
    expect(reserved).to_contain_text("cust-0001")
    page.get_by_role("button", name="Remove the reservation of cust-0001").click()
    notice = page.locator(".undo-notice")
    expect(notice).to_contain_text("VIPONLY-001 is no longer reserved for cust-0001.")
    expect(reserved.locator("td", has_text="cust-0001")).to_have_count(0)
    notice.get_by_role("button", name="Undo").click()
    expect(reserved.locator("td", has_text="cust-0001")).to_have_count(1)


def test_times_are_shown_in_the_browsers_time_zone_with_utc_on_hover(browser, live_console, talon_sandbox):
    from tests.conftest import DEMO_PASSWORD

    context = browser.new_context(base_url=live_console.url, timezone_id="Asia/Tokyo",
                                  viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto("/audit")
        first = page.locator(".audit-table time").first
        expect(first).to_have_attribute("data-shown", "")
        shown, utc = first.inner_text(), first.get_attribute("title")
        assert shown.endswith("GMT+9") and utc.endswith("UTC"), (shown, utc)
        # the same moment: Tokyo is nine hours ahead of UTC
        moment = first.get_attribute("datetime")
        assert page.evaluate("([m, s]) => new Date(m).toLocaleString('sv', {timeZone: 'Asia/Tokyo'}).slice(0, 16) === s.slice(0, 16)",
                             [moment, shown])
        page.goto("/customers/cust-0001")
        assert page.locator("#customer-sessions time[data-shown]").count() >= 5
    finally:
        context.close()
