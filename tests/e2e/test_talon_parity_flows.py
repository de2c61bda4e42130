"""The flows Talon.One's real behaviour shapes, in real Chromium against the corrected sandbox:
a bulk membership list with unknown profile IDs (skip them, or let Talon.One create them), a
return of one unit of a flattened line, and a cancellation previewed the way Talon.One evaluates
it. (The loyalty card replacement is in test_admin_profile_changes.py.)"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import shot
from tests.web.test_bulk_helpers import create_profiles, member_ids

pytestmark = pytest.mark.e2e


def integration(sandbox, method: str, path: str, **kwargs):
    response = requests.request(method, sandbox.url + path, timeout=30,
                                headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"}, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def test_bulk_membership_finds_unknown_profiles_and_the_marketer_chooses(logged_in_page, talon_sandbox):
    create_profiles(talon_sandbox, ["e2e-known-1", "e2e-known-2"])
    page = logged_in_page("marketer")
    page.goto("/audiences/3")
    page.fill("#members-pasted", "e2e-known-1\ne2e-typo-1\ne2e-known-2")
    page.click("#audience-bulk button[type=submit]")
    job = page.locator(".bulk-job")
    expect(job).to_have_attribute("data-job-status", "choosing", timeout=30_000)
    choice = job.locator("[id^=bulk-choice-]")
    expect(choice).to_contain_text("Talon.One has no customer profile for 1 of these IDs")
    expect(choice).to_contain_text("e2e-typo-1")
    assert "e2e-known-1" not in member_ids(talon_sandbox, 3), "nothing is sent before the choice"
    shot(page, "marketer-bulk-unknown-profiles")
    choice.get_by_role("button", name="Skip the 1 unknown ID").click()
    expect(job).to_have_attribute("data-job-status", "done", timeout=30_000)
    expect(job.locator("[data-count=ok]")).to_have_text("2 added")
    expect(job.locator(".bulk-rows")).to_contain_text("Skipped: Talon.One has no customer profile")
    members = set(member_ids(talon_sandbox, 3))
    assert {"e2e-known-1", "e2e-known-2"} <= members and "e2e-typo-1" not in members

    page.goto("/audiences/3")
    page.fill("#members-pasted", "e2e-new-customer")
    page.click("#audience-bulk button[type=submit]")
    job = page.locator(".bulk-job")
    expect(job).to_have_attribute("data-job-status", "choosing", timeout=30_000)
    job.get_by_role("button", name=re.compile("Talon.One creates 1 new profile")).click()
    expect(job).to_have_attribute("data-job-status", "done", timeout=30_000)
    expect(job.locator("[data-count=ok]")).to_have_text("1 added")
    assert "e2e-new-customer" in member_ids(talon_sandbox, 3)
    shot(page, "marketer-bulk-unknown-profiles-created")


def test_return_one_shoe_of_two_rolls_back_that_unit(logged_in_page, talon_sandbox):
    shoes = {"sku": "RUN-100", "name": "Trail runner", "category": "shoes", "price": 89.9, "quantity": 2}
    integration(talon_sandbox, "PUT", "/v2/customer_sessions/e2e-shoes-1", json={"customerSession": {
        "profileId": "cust-0010", "storeIntegrationId": "store-berlin", "state": "closed", "cartItems": [shoes]}})
    page = logged_in_page("agent")
    page.goto("/sessions/e2e-shoes-1")
    effects = page.locator("main")
    expect(effects).to_contain_text("on Trail runner, unit 1 of 2 (-€13.49)")
    expect(effects).to_contain_text("on Trail runner, unit 2 of 2 (-€13.49)")
    page.goto("/sessions/e2e-shoes-1/return")
    page.get_by_label("Quantity of Trail runner to return").fill("1")
    page.get_by_label("Reason").fill("Too small")
    page.get_by_role("button", name="Preview the return").click()
    preview = page.locator(".return-preview")
    expect(preview).to_contain_text("Discount Shoe week 15% on Trail runner, unit 1 of 2 taken back (+€13.49)")
    shot(page, "agent-return-one-unit-preview")
    preview.get_by_role("button", name="Confirm the return").click()
    expect(page.locator(".result .badge")).to_have_text("partially returned")
    expect(page.locator(".result")).to_contain_text("unit 1 of 2 taken back")
    session = integration(talon_sandbox, "GET", "/v2/customer_sessions/e2e-shoes-1")["customerSession"]
    assert [(i["returnedQuantity"], i["remainingQuantity"]) for i in session["cartItems"]] == [(1, 1)]
    shot(page, "agent-return-one-unit-result")


def test_cancel_is_previewed_from_the_stored_order_then_done(logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto("/sessions/sess-00002/reopen")
    cancel = page.locator("#cancel")
    expect(cancel).to_contain_text("sends the session as it is stored")
    cancel.get_by_role("button", name="Preview the cancellation").click()
    expect(cancel).to_contain_text("A cancellation would roll back")
    expect(cancel).to_contain_text("nothing has been cancelled yet")
    expect(cancel).to_contain_text("taken back")
    stored = integration(talon_sandbox, "GET", "/v2/customer_sessions/sess-00002")["customerSession"]
    assert stored["state"] == "closed", "the preview cancels nothing"
    shot(page, "agent-cancel-preview")
    cancel.get_by_label("Reason").fill("Order abandoned at the till")
    cancel.get_by_role("button", name="Cancel the session").click()
    page.wait_for_url(re.compile(r"/sessions/sess-00002/results/"))
    expect(page.locator(".result .badge")).to_have_text("cancelled")
    assert integration(talon_sandbox, "GET", "/v2/customer_sessions/sess-00002")["customerSession"]["state"] == "cancelled"
    shot(page, "agent-cancel-result")
