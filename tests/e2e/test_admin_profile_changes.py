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
    page = logged_in_page("admin")
    page.goto("/loyalty/1/cards/4000-0003")
    page.locator("a", has_text="Replace this card").click()
    expect(page.get_by_label("Replaces card (optional)")).to_have_value("4000-0003")
    expect(page.get_by_label("Link to customer profile (optional)")).to_have_value(CUSTOMER)
    page.get_by_role("button", name="Generate card").click()
    page.wait_for_url(re.compile(r"/loyalty/1/cards/4000-(?!0003)\d{4}$"))
    expect(page.locator("#flash-messages")).to_contain_text(f"linked to {CUSTOMER}. It replaces 4000-0003")
    expect(page.locator("#linked-profiles")).to_contain_text(CUSTOMER)
    expect(page.locator(".object-history")).to_contain_text("loyalty_card.generate")
    shot(page, "admin-card-generated")
