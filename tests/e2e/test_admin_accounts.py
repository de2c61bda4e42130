"""An admin in real Chromium: create a marketer account, log in as it in a second browser,
disable it and watch that open session end; and erase a test customer's personal data."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e


def test_create_a_marketer_log_in_as_it_disable_it_and_its_session_ends(logged_in_page, browser, live_console):
    admin = logged_in_page("admin")
    username = f"mia-{uuid.uuid4().hex[:6]}"  # the live console's database lives for the whole run
    admin.goto("/admin/users")
    admin.get_by_text("New account").click()
    admin.get_by_label("Username").fill(username)
    admin.get_by_label("Role").select_option("marketer")
    admin.get_by_role("button", name="Create account").click()
    password = admin.locator("#one-time-password").inner_text()
    assert len(password) >= 16
    expect(admin.locator(".staff-table")).to_contain_text(username)
    shot(admin, "admin-account-created")

    other = browser.new_context(base_url=live_console.url)
    other.set_default_timeout(10_000)
    mia = other.new_page()
    try:
        mia.goto("/login")
        mia.fill("input[name=username]", username)
        mia.fill("input[name=password]", password)
        mia.click("button[type=submit]")
        mia.wait_for_url(re.compile(r"/account/password$"))
        expect(mia.locator("main")).to_contain_text("Welcome to Talon Desk")  # not "reset by an administrator"
        expect(mia.locator("main")).not_to_contain_text("reset by an administrator")
        mia.get_by_label("New password", exact=True).fill("harbour lemon kite")
        mia.get_by_label("Repeat the new password").fill("harbour lemon kite")
        mia.get_by_role("button", name="Save password").click()
        mia.wait_for_url(re.compile(r"/$"))
        expect(mia.locator(".whoami")).to_contain_text(username)
        expect(mia.locator("header nav")).to_contain_text("Test bench")  # a marketer's menu
        shot(mia, "marketer-logged-in")

        admin.goto(f"/admin/users/{username}")
        expect(admin.locator("#open-logins")).to_have_text("1")
        admin.get_by_role("button", name="Disable account").click()
        dialog = admin.locator("dialog#confirm-disable")
        expect(dialog).to_be_visible()
        shot(admin, "admin-confirm-disable")
        admin.keyboard.press("Escape")  # Escape closes the dialog; nothing happened
        expect(dialog).to_be_hidden()
        expect(admin.locator("#open-logins")).to_have_text("1")
        admin.get_by_role("button", name="Disable account").click()
        dialog.get_by_role("button", name=f"Disable {username}").click()
        expect(admin.locator("#flash-messages")).to_contain_text(f"{username} is disabled and logged out everywhere.")
        expect(admin.locator("#open-logins")).to_have_text("0")
        shot(admin, "admin-account-disabled")

        mia.goto("/audiences")
        mia.wait_for_url(re.compile(r"/login"))
        expect(mia.locator("input[name=username]")).to_be_visible()
        shot(mia, "marketer-session-ended")
        mia.fill("input[name=username]", username)
        mia.fill("input[name=password]", "harbour lemon kite")
        mia.click("button[type=submit]")
        expect(mia.locator("main")).to_contain_text("Wrong username or password, or the account is disabled.")
    finally:
        other.close()


def test_erase_a_test_customers_personal_data(logged_in_page):
    page = logged_in_page("admin")
    customer = "cust-0060"
    page.goto(f"/customers/{customer}")
    name = page.get_by_role("heading", level=1).inner_text().split("\n")[0].replace(customer, "").strip()
    assert name and name != "Customer"
    page.goto("/")
    expect(page.locator("main")).to_contain_text(name)  # recently viewed
    page.goto(f"/customers/{customer}")
    page.locator("a", has_text="Delete personal data").click()  # a link styled as a button
    page.wait_for_url(re.compile(rf"/customers/{customer}/delete$"))
    expect(page.locator(".erasure-review")).to_contain_text("what Talon.One will erase")
    shot(page, "admin-erase-review")

    page.get_by_label("Type the profile ID to confirm").fill("cust-0059")
    page.get_by_role("button", name="Erase the personal data").click()
    expect(page.locator("#confirm_id-errors")).to_contain_text(f"This is not {customer}.")
    shot(page, "admin-erase-wrong-id")

    page.get_by_label("Type the profile ID to confirm").fill(customer)
    page.get_by_role("button", name="Erase the personal data").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#flash-messages")).to_contain_text(f"The personal data of {customer} is erased in Talon.One")
    # the home page's "Recently viewed" no longer names the customer (it did, right under this message)
    expect(page.locator("main")).not_to_contain_text(name)
    expect(page.locator(".recently-viewed li", has_text=customer)).to_have_count(0)
    shot(page, "admin-erased")

    page.goto(f"/customers/{customer}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"No customer “{customer}”")
    page.goto(f"/audit?action=customer.delete_data&target_id={customer}")
    expect(page.locator("#audit-entries")).to_contain_text("customer.delete_data")
    expect(page.locator("#audit-entries")).not_to_contain_text("@example.com")
