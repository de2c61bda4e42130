"""The support agent's day in real Chromium, against the sandbox: search by every kind of ID,
the customer and session pages, a dry-run preview, a return, a double-clicked confirm and a
reopen. Screenshots of each page land in test-artifacts/ (tests.conftest.shot)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e


def sandbox_json(sandbox, path, key="integration", **params):
    auth = (f"ApiKey-v1 {sandbox.integration_key}" if key == "integration"
            else f"ManagementKey-v1 {sandbox.management_key}")
    response = requests.get(sandbox.url + path, headers={"Authorization": auth}, params=params, timeout=30)
    response.raise_for_status()
    return response.json()


def upstream_requests(sandbox, method: str, path_pattern: str) -> list[dict]:
    log = requests.get(f"{sandbox.url}/sandbox/requests", timeout=30).json()["requests"]
    return [r for r in log if r["method"] == method and re.search(path_pattern, r["path"])]


def search_for(page, query: str) -> None:
    box = page.locator(".header-search input[name=q]")
    box.fill(query)
    box.press("Enter")


def test_search_finds_each_kind_of_id(logged_in_page, live_console):
    page = logged_in_page("agent")
    views = live_console.app.view_functions
    expected = [
        ("cust-0001", r"/customers/cust-0001$", "Alice Archer"),
        ("sess-00001", r"/sessions/sess-00001$", "Session sess-00001"),
        ("SUMMER20", r"/coupons/SUMMER20$" if "coupons.show" in views else r"/search\?q=SUMMER20", "SUMMER20"),
        ("4000-0001", r"/loyalty/1/cards/4000-0001$" if "loyalty.card" in views else r"/search\?q=4000-0001",
         "4000-0001"),
    ]
    for query, url, text in expected:
        page.goto("/")
        search_for(page, query)
        page.wait_for_url(re.compile(url))
        expect(page.locator("main")).to_contain_text(text)
        shot(page, f"agent-search-{query}")

    page.goto("/")
    search_for(page, "no-such-id-anywhere")
    expect(page.locator(".search-none")).to_contain_text("Nothing matches “no-such-id-anywhere”")
    shot(page, "agent-search-nothing")


def test_suggestions_can_be_picked_with_the_keyboard(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/")
    box = page.locator(".home-search input[name=q]")
    box.press_sequentially("sess-0000", delay=40)
    options = page.locator(".home-search [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    shot(page, "agent-suggestions")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    target = options.nth(1).get_attribute("data-href")
    box.press("Enter")
    page.wait_for_url(re.compile(re.escape(target) + "$"))


def test_the_header_search_box_suggests_on_a_streamed_page(logged_in_page):
    """The header's box is enhanced while a streamed page waits for its content; the home
    page's box (above) after it."""
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00002")
    box = page.locator(".header-search input[name=q]")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("cust-000", delay=40)
    expect(page.locator(".header-search [role=option]").first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")


def test_customer_page_and_a_closed_session(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/customers/cust-0001")
    for heading in ("Profile", "Sessions", "Coupons", "Loyalty", "Audiences", "Achievements",
                    "Referrals", "Giveaways"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("#customer-coupons")).to_contain_text("VIPONLY-001")
    expect(page.locator("#customer-coupons")).to_contain_text("hard")
    expect(page.locator("#customer-referrals")).to_contain_text("REF-ALICE")
    expect(page.locator("#customer-loyalty")).to_contain_text("4000-0001")
    shot(page, "agent-customer")

    page.select_option("#state", "closed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#customer-sessions tbody tr").first).to_contain_text("closed")
    expect(page.locator("#customer-sessions tbody")).not_to_contain_text("partially returned")
    expect(page.locator("#customer-sessions tbody")).not_to_contain_text("open")

    page.get_by_role("link", name="sess-00001").click()
    page.wait_for_url(re.compile(r"/sessions/sess-00001$"))
    expect(page.locator(".page-heading .badge")).to_have_text("closed")
    cart = page.locator(".cart table").first
    expect(cart).to_contain_text("Trail runner")
    expect(cart).to_contain_text("Remaining")
    effects = page.locator(".session-effects")
    expect(effects).to_contain_text("Welcome discount")
    expect(effects).to_contain_text("points on card 4000-0001")
    raw = effects.locator("details.raw").first
    raw.locator("summary").click()
    expect(raw.locator("pre")).to_contain_text('"effectType"')
    # sent compact, indented by app.js when opened
    expect(raw.locator("pre")).to_have_attribute("data-indented", "")
    assert '\n  "effectType"' in raw.locator("pre").text_content()
    actions = page.locator(".session-actions")
    for label in ("Dry-run preview", "Return items", "Reopen", "Cancel session"):
        expect(actions.get_by_role("button", name=label)).to_be_visible()
    shot(page, "agent-session-closed")

    page.goto("/")
    expect(page.locator(".recently-viewed")).to_contain_text("sess-00001")
    expect(page.locator(".recently-viewed")).to_contain_text("cust-0001")
    shot(page, "agent-home-recently-viewed")


def test_dry_run_preview_adds_a_coupon_and_saves_nothing(logged_in_page, talon_sandbox):
    before = sandbox_json(talon_sandbox, "/v2/customer_sessions/sess-00001")
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00001")
    page.get_by_role("button", name="Dry-run preview").click()
    expect(page.locator(".dry-run-notice")).to_contain_text("Nothing is saved")
    page.fill("#coupon_codes", "SUMMER20")
    page.get_by_role("button", name="Preview (nothing is saved)").click()
    result = page.locator(".preview-result")
    expect(result).to_contain_text("What would happen")
    added = result.locator("tr.row-added")
    expect(added.filter(has_text="Coupon SUMMER20 accepted")).to_have_count(1)
    expect(added.filter(has_text="Summer 20%").first).to_contain_text("+ Added")
    expect(result.locator(".totals-compare")).to_contain_text("Discounts")
    shot(page, "agent-preview-coupon")

    after = sandbox_json(talon_sandbox, "/v2/customer_sessions/sess-00001")
    assert after == before
    puts = upstream_requests(talon_sandbox, "PUT", r"^/v2/customer_sessions/sess-00001$")
    assert puts and all("dry=true" in r.get("query", "") for r in puts)


def test_return_one_item_rolls_back_points_and_discount(logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00001/return")
    page.get_by_label("Quantity of Organic T-shirt to return").fill("1")
    page.fill("#reason", "Customer brought one T-shirt back, wrong size")
    page.get_by_role("button", name="Preview the return").click()
    preview = page.locator(".return-preview")
    expect(preview).to_contain_text("Discounts rolled back")
    expect(preview).to_contain_text("earned points taken back")
    shot(page, "agent-return-preview")
    assert not upstream_requests(talon_sandbox, "POST", r"/returns$") or all(
        "dry=true" in r.get("query", "") for r in upstream_requests(talon_sandbox, "POST", r"/returns$"))

    page.get_by_role("button", name="Confirm the return").click()
    page.wait_for_url(re.compile(r"/sessions/sess-00001/results/"))
    expect(page.locator(".result .badge")).to_have_text("partially returned")
    expect(page.locator(".result")).to_contain_text("Discount")
    expect(page.locator(".result")).to_contain_text("taken back")
    shot(page, "agent-return-result")

    session = sandbox_json(talon_sandbox, "/v2/customer_sessions/sess-00001")["customerSession"]
    assert session["state"] == "partially_returned"
    assert [i["returnedQuantity"] for i in session["cartItems"]] == [0, 1]
    page.goto("/sessions/sess-00001")
    expect(page.locator(".returns")).to_contain_text("1 × Organic T-shirt")
    shot(page, "agent-session-after-return")


def test_double_clicked_confirm_returns_once(logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00002/return")
    page.get_by_label("Quantity of Socks, 3 pairs to return").fill("1")
    page.fill("#reason", "Double-click test")
    page.get_by_role("button", name="Preview the return").click()
    confirm = page.locator("form.confirm-form")
    fields = confirm.evaluate("form => Object.fromEntries(new FormData(form))")
    fields["action"] = "confirm"
    confirm.get_by_role("button", name="Confirm the return").dblclick()
    page.wait_for_url(re.compile(r"/sessions/sess-00002/results/"))
    expect(page.locator(".result .badge")).to_have_text("partially returned")
    # Chromium may fold a double click into one submission, so the same form is also sent
    # again as a second tab (or a resent POST after "back") would: with the same key.
    again = page.request.post("/sessions/sess-00002/return", form=fields, max_redirects=0)
    assert again.status == 303 and again.headers["location"] == urlsplit(page.url).path

    sent = [r for r in upstream_requests(talon_sandbox, "POST", r"^/v2/customer_sessions/sess-00002/returns$")
            if "dry=true" not in r.get("query", "")]
    assert len(sent) == 1, sent
    session = sandbox_json(talon_sandbox, "/v2/customer_sessions/sess-00002")["customerSession"]
    assert [i["returnedQuantity"] for i in session["cartItems"]] == [0, 1]
    page.reload()  # the result page is a GET: refreshing shows it again and sends nothing
    expect(page.locator(".result .badge")).to_have_text("partially returned")
    assert len([r for r in upstream_requests(talon_sandbox, "POST", r"/returns$")
                if "dry=true" not in r.get("query", "")]) == 1
    shot(page, "agent-return-double-click")


def test_reopen_another_session(logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00003")
    page.get_by_role("button", name="Reopen").click()
    reopen = page.locator("#reopen")
    expect(reopen).to_contain_text("Will roll back")
    expect(reopen).to_contain_text("Will not roll back")
    shot(page, "agent-reopen-form")
    reopen.get_by_label("Reason").fill("Till error: the order must be rung up again")
    reopen.get_by_role("button", name="Reopen the session").click()
    page.wait_for_url(re.compile(r"/sessions/sess-00003/results/"))
    expect(page.locator("h1")).to_have_text("Session reopened")
    expect(page.locator(".result .badge")).to_have_text("open")
    expect(page.locator(".result .effects")).to_contain_text("taken back")
    shot(page, "agent-reopen-result")
    assert sandbox_json(talon_sandbox, "/v2/customer_sessions/sess-00003")["customerSession"]["state"] == "open"


def test_search_by_what_a_caller_knows(logged_in_page):
    """Issue 16: an email, a name, part of a card number (all gave "Nothing matches")."""
    page = logged_in_page("agent")
    for query in ("alice.archer@example.com", "Alice Archer"):
        page.goto("/")
        search_for(page, query)
        page.wait_for_url(re.compile(r"/customers/cust-0001$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Alice Archer")
    page.goto("/")
    search_for(page, "4000-003")
    expect(page.locator("main")).to_contain_text("these IDs begin with it")
    expect(page.locator(".search-matches")).to_contain_text("4000-0031")
    shot(page, "agent-search-card-prefix")
