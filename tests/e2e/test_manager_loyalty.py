"""A store manager at the counter, in real Chromium against the sandbox: find a card, link it to
a customer (the profile is shown first), see it on the customer's page, read its balance chart
and transactions, unlink it; and the refusals of a full and a blocked card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e

CARD = "4000-0002"        # active, linked to cust-0002, usersPerCardLimit 2
CUSTOMER = "cust-0050"    # a demo customer without a card
FULL_CARD = "4000-0038"
BLOCKED_CARD = "4000-0035"


def open_card(page, identifier: str) -> None:
    page.goto("/loyalty/")
    page.get_by_label("Card identifier").fill(identifier)
    page.get_by_role("button", name="Open card").click()
    page.wait_for_url(re.compile(rf"/loyalty/1/cards/{identifier}$"))


def look_up(page, profile_id: str) -> None:
    link = page.locator("#link-profile")
    link.get_by_label("Customer profile ID").fill(profile_id)
    link.get_by_role("button", name="Look up").click()


def test_link_a_card_see_it_on_the_customer_page_and_unlink_it(logged_in_page):
    page = logged_in_page("manager")
    open_card(page, CARD)
    expect(page.locator("#card-status")).to_contain_text("active")
    expect(page.locator("#card-users")).to_contain_text("1 of 2 linked")
    shot(page, "manager-card-found")

    look_up(page, CUSTOMER)
    candidate = page.locator(".link-candidate")
    expect(candidate).to_contain_text(f"Link card {CARD} to this profile?")
    expect(candidate.locator("#users-after-link")).to_have_text("2 of 2 users")
    expect(page.locator("#linked-profiles table")).not_to_contain_text(CUSTOMER)  # nothing yet
    shot(page, "manager-card-link-confirm")
    candidate.get_by_role("button", name=f"Link {CUSTOMER}").click()

    expect(page.locator("#flash-messages")).to_contain_text(f"Card {CARD} is now linked to {CUSTOMER}.")
    expect(page.locator("#linked-profiles table")).to_contain_text(CUSTOMER)
    expect(page.locator("#card-users")).to_contain_text("2 of 2 linked")

    # the balance chart and the transactions, each linking to its session
    chart = page.locator("#loyalty-chart svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("title").first).to_contain_text(f"card {CARD}")
    transactions = page.locator("#loyalty-transactions")
    session_link = transactions.locator("a[href^='/sessions/sess-']").first
    expect(session_link).to_be_visible()
    session_id = session_link.inner_text()
    transactions.get_by_label("Session ID").fill(session_id)
    transactions.get_by_role("button", name="Filter").click()
    expect(page.locator("#loyalty-transactions a", has_text="Clear filters")).to_be_visible()
    shown = page.locator("#loyalty-transactions tbody a[href^='/sessions/']")
    expect(shown.first).to_have_text(session_id)
    assert set(shown.all_inner_texts()) == {session_id}
    shot(page, "manager-card-linked-chart")

    # the customer's page shows the card in its loyalty section
    page.goto(f"/customers/{CUSTOMER}")
    expect(page.locator("main")).to_contain_text(CARD)
    shot(page, "manager-customer-with-card")
    page.locator(f"a[href='/loyalty/1/cards/{CARD}']").first.click()
    page.wait_for_url(re.compile(rf"/loyalty/1/cards/{CARD}$"))

    page.get_by_role("button", name=f"Unlink {CUSTOMER}").click()
    expect(page.locator("h1")).to_contain_text(f"Unlink {CUSTOMER} from card {CARD}?")
    shot(page, "manager-card-unlink-confirm")
    page.get_by_role("button", name=f"Unlink {CUSTOMER}").click()
    page.wait_for_url(re.compile(rf"/loyalty/1/cards/{CARD}$"))
    expect(page.locator("#flash-messages")).to_contain_text(f"{CUSTOMER} is no longer linked")
    expect(page.locator("#linked-profiles table")).not_to_contain_text(CUSTOMER)
    expect(page.locator("#card-users")).to_contain_text("1 of 2 linked")
    # the manager may read the audit log: the card's history shows both changes
    history = page.locator(".object-history")
    expect(history).to_contain_text("loyalty_card.unlink")
    expect(history).to_contain_text("loyalty_card.link")
    shot(page, "manager-card-unlinked-history")


def test_a_full_card_and_a_blocked_card_are_refused(logged_in_page):
    page = logged_in_page("manager")
    open_card(page, FULL_CARD)
    look_up(page, CUSTOMER)
    expect(page.locator("#link-profile [role=alert]")).to_contain_text(
        f"Card {FULL_CARD} already has 2 of 2 linked profiles, as many as its program allows per card")
    expect(page.locator(".link-candidate")).to_have_count(0)
    shot(page, "manager-card-at-limit-refused")

    open_card(page, BLOCKED_CARD)
    expect(page.locator("#card-status")).to_contain_text("blocked")
    look_up(page, CUSTOMER)
    expect(page.locator("#link-profile [role=alert]")).to_contain_text(f"Card {BLOCKED_CARD} is blocked")
    shot(page, "manager-card-blocked-refused")

    look_up(page, "cust-9999")
    expect(page.locator("#link-profile-errors")).to_contain_text("Talon.One has no customer profile cust-9999.")
    expect(page.locator("#link-profile input[name=profile_id]")).to_have_attribute("aria-invalid", "true")
    shot(page, "manager-card-unknown-profile")
