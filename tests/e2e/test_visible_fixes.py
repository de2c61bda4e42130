"""Issue 16's "correctness you can see": each defect as the person saw it, in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e


def test_the_cancel_forms_label_fills_the_cancel_reason(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00003/reopen")
    page.get_by_role("button", name="Preview the cancellation").click()
    cancel = page.locator("#cancel")
    expect(cancel.get_by_role("button", name="Cancel the session")).to_be_visible()
    cancel.locator("label", has_text="Reason").click()
    page.keyboard.type("wrong order")
    expect(page.locator("#cancel-reason")).to_have_value("wrong order")
    expect(page.locator("#reopen-reason")).to_have_value("")
    assert page.evaluate("document.querySelectorAll('[id=reason]').length") == 0


def test_a_renamed_audience_shows_its_new_name_everywhere(logged_in_page):
    page = logged_in_page("marketer")
    page.goto("/audiences/2")
    page.get_by_text("Rename", exact=True).first.click()
    page.fill("#rename-name", "Newsletter readers")
    page.locator("#audience-heading").get_by_role("button", name="Rename").click()
    expect(page.locator("h1")).to_have_text("Newsletter readers")
    expect(page).to_have_title(re.compile(r"^Newsletter readers · Audiences"))
    expect(page.locator("nav.breadcrumbs [aria-current=page]")).to_have_text("Newsletter readers")
    expect(page.get_by_role("button", name="Apply to “Newsletter readers”")).to_be_visible()
    expect(page.locator("#audience-danger")).to_contain_text("Type “Newsletter readers” exactly.")
    expect(page.locator("#flash-messages")).to_contain_text("Renamed to “Newsletter readers”.")


def test_a_goodwill_reservation_shows_in_the_coupons_table(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/customers/cust-0002")
    widget = page.locator("#goodwill-coupon")
    code = widget.locator("strong").last.inner_text()
    assert code.startswith("GOODWILL-")
    expect(page.locator("#customer-coupon-list")).not_to_contain_text(code)
    widget.get_by_role("button", name="Reserve").click()
    expect(page.locator("#goodwill-coupon")).to_contain_text(f"{code} is now reserved")
    expect(page.locator("#customer-coupons table")).to_contain_text(code)
    shot(page, "agent-goodwill-reserved")


def test_reopen_does_not_promise_to_roll_back_a_completed_achievement(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/customers/cust-0001")
    expect(page.locator("#customer-achievements")).to_contain_text("3 of 3")
    page.goto("/sessions/sess-00003/reopen")
    will, wont = page.locator("#reopen .grid > div").nth(0), page.locator("#reopen .grid > div").nth(1)
    expect(wont).to_contain_text("Achievement")
    expect(will).not_to_contain_text("Achievement")
    page.fill("#reopen-reason", "Customer wants to add an item")
    page.get_by_role("button", name="Reopen the session").click()
    page.wait_for_url(re.compile(r"/results/"))
    expect(page.locator(".result")).not_to_contain_text("Achievement")
    page.goto("/customers/cust-0001")
    expect(page.locator("#customer-achievements")).to_contain_text("3 of 3")


def test_the_return_result_shows_the_refund_the_preview_showed(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00001/return")
    page.get_by_label("Quantity of Organic T-shirt to return").fill("1")
    page.fill("#reason", "Wrong size")
    page.get_by_role("button", name="Preview the return").click()
    refund = page.locator(".return-preview .return-totals tr.refund td").inner_text()
    assert re.search(r"\d", refund)
    expect(page.locator(".return-preview")).not_to_contain_text("−0.00")
    page.get_by_role("button", name="Confirm the return").click()
    page.wait_for_url(re.compile(r"/results/"))
    expect(page.locator(".result .return-totals tr.refund td")).to_have_text(refund)


def test_a_return_without_discounts_says_none_not_minus_zero(logged_in_page):
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00005/return")
    page.locator(".return-lines input[type=number]").first.fill("1")
    page.fill("#reason", "Broken on arrival")
    page.get_by_role("button", name="Preview the return").click()
    totals = page.locator(".return-preview .return-totals")
    expect(totals).to_be_visible()
    expect(totals).not_to_contain_text("−0.00")
    expect(totals).not_to_contain_text("-0.00")
