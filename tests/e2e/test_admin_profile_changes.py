"""Profile changes in real Chromium (as an admin, who holds every permission): attributes with a
dry-run preview, audience memberships in their self-refreshing widget, a referral code, and a
replacement loyalty card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e

CUSTOMER = "cust-0003"


def test_edit_attributes_with_a_preview_then_save(logged_in_page):
    page = logged_in_page("admin")
    page.goto(f"/customers/{CUSTOMER}")
    page.locator("a", has_text="Edit attributes").click()
    page.wait_for_url(re.compile(rf"/customers/{CUSTOMER}/profile$"))

    page.get_by_label("Newsletter").select_option("false")
    page.get_by_label("BirthDate").fill("someday")
    page.get_by_role("button", name="Preview effects").click()
    expect(page.locator("#rows-0-value-errors")).to_contain_text("is a date and time")
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    shot(page, "admin-attributes-wrong-type")

    page.get_by_label("BirthDate").fill("1990-05-01")
    page.get_by_label("New attribute").fill("ShoeSize")
    page.get_by_label("Type", exact=True).select_option("number")
    page.locator("#new_value").fill("43")
    page.get_by_role("button", name="Preview effects").click()
    preview = page.locator(".dry-run-preview")
    expect(preview).to_contain_text("Preview (dry run, nothing saved)")
    expect(preview).to_contain_text("ShoeSize")
    expect(preview).to_contain_text("Effects of the rule engine")
    shot(page, "admin-attributes-preview")

    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(rf"/customers/{CUSTOMER}$"))
    expect(page.locator("#flash-messages")).to_contain_text(re.compile(rf"Saved BirthDate, .*ShoeSize for {CUSTOMER}\."))
    expect(page.locator("#customer-profile")).to_contain_text("ShoeSize")
    shot(page, "admin-attributes-saved")


def test_audience_widget_and_referral_code(logged_in_page):
    page = logged_in_page("admin")
    page.goto(f"/customers/{CUSTOMER}/audiences")
    widget = page.locator("#profile-audiences")
    row = widget.locator("tr", has_text="Lapsed customers")
    expect(row).to_contain_text("not a member")
    row.get_by_role("button", name="Add to Lapsed customers").click()
    expect(widget.locator("[role=status]")).to_contain_text(f"{CUSTOMER} added to audience 3.")
    expect(widget.locator("tr", has_text="Lapsed customers")).to_contain_text("member")
    expect(page).to_have_url(re.compile(rf"/customers/{CUSTOMER}/audiences$"))  # swapped in place
    shot(page, "admin-audience-added")
    widget.locator("tr", has_text="Lapsed customers").get_by_role("button", name="Remove from Lapsed customers").click()
    expect(widget.locator("[role=status]")).to_contain_text(f"{CUSTOMER} removed from audience 3.")

    page.goto(f"/customers/{CUSTOMER}/referrals/new")
    page.get_by_label("Friend's profile ID (optional)").fill("cust-9999")
    page.get_by_role("button", name="Create referral code").click()
    expect(page.locator("#friend_id-errors")).to_contain_text("no customer profile cust-9999")
    page.get_by_label("Friend's profile ID (optional)").fill("")
    page.get_by_role("button", name="Create referral code").click()
    page.wait_for_url(re.compile(rf"/customers/{CUSTOMER}$"))
    expect(page.locator("#flash-messages")).to_contain_text(f"created for {CUSTOMER} in Refer a friend")
    shot(page, "admin-referral-created")


def test_replace_a_lost_card(logged_in_page):
    """Talon.One's transfer: the new card takes the profiles and points; the old card is blocked
    for good and its page offers no way back."""
    page = logged_in_page("admin")
    page.goto("/loyalty/1/cards/4000-0003")
    page.locator("a", has_text="Replace this card").click()
    expect(page.locator("main")).to_contain_text("blocked for good")
    page.get_by_label("New card identifier").fill("4000-9101")
    page.get_by_label("Reason").fill("Reported lost by the customer")
    page.get_by_label("Replace it").check()
    page.get_by_role("button", name="Replace card 4000-0003").click()
    page.wait_for_url(re.compile(r"/loyalty/1/cards/4000-9101$"))
    expect(page.locator("#flash-messages")).to_contain_text("Card 4000-9101 replaces 4000-0003")
    expect(page.locator("#linked-profiles")).to_contain_text(CUSTOMER)
    shot(page, "admin-card-replaced")
    page.goto("/loyalty/1/cards/4000-0003")
    expect(page.locator("#card-status")).to_contain_text("blocked: Reported lost by the customer")
    expect(page.locator("#card-blocked-note")).to_contain_text("never activates a blocked card again")
    expect(page.locator("#card-actions")).to_have_count(0)
    expect(page.locator("a", has_text="Unblock")).to_have_count(0)
    expect(page.locator(".object-history")).to_contain_text("loyalty_card.replace")
    shot(page, "admin-card-blocked-for-good")
