""""Why not?" in real Chromium: an agent explains a reserved code typed for the wrong customer,
a first order that missed its threshold by a little, and an expired code; nothing is saved."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e


def sandbox_put_session(sandbox, session_id: str, payload: dict) -> None:
    response = requests.put(f"{sandbox.url}/v2/customer_sessions/{session_id}",
                            json={"customerSession": payload}, timeout=30,
                            headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"})
    response.raise_for_status()


def saved_session_updates(sandbox) -> list[dict]:
    log = requests.get(f"{sandbox.url}/sandbox/requests", timeout=30).json()["requests"]
    return [r for r in log if r["method"] == "PUT" and r["path"].startswith("/v2/customer_sessions/")
            and "dry=true" not in (r.get("query") or "")]


def explain_code(page, code: str) -> None:
    box = page.locator("#why-not")
    box.get_by_label("Code the customer typed").fill(code)
    box.get_by_role("button", name=re.compile("Why not")).click()
    expect(page.locator("#why-not .why-not-result")).to_be_visible()


def test_an_agent_explains_a_reserved_code_typed_for_the_wrong_customer(logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto("/customers/cust-0001")
    expect(page.locator("#why-not form")).to_be_visible()
    explain_code(page, "VIPONLY-003")
    result = page.locator("#why-not .why-not-result")
    expect(result).to_contain_text("VIPONLY-003 ✗ rejected")
    expect(result).to_contain_text("This code is reserved for another customer")
    expect(result).to_contain_text("This code works for cust-0007, who reserved it")
    expect(result).to_contain_text("dry run 1 evaluated the same cart for cust-0007")
    shot(page, "why-not-reserved-code")
    # the campaign it names is one click away
    result.get_by_role("link", name="Summer coupons").first.click()
    page.wait_for_url(re.compile(r"/campaigns/2$"))
    expect(page.locator("main")).to_contain_text("Summer coupons")
    assert saved_session_updates(talon_sandbox) == []


def test_an_agent_explains_a_first_order_that_missed_its_threshold(logged_in_page, talon_sandbox):
    sandbox_put_session(talon_sandbox, "sess-first-order", {
        "profileId": "cust-9001", "storeIntegrationId": "store-berlin",
        "cartItems": [{"sku": "SOCK-001", "name": "Socks", "quantity": 2, "price": 9.25,
                       "category": "socks"}]})
    page = logged_in_page("agent")
    page.goto("/sessions/sess-first-order")
    page.get_by_role("button", name="Why not? Explain this session").click()
    result = page.locator("#why-not .why-not-result")
    expect(result).to_be_visible()
    expect(result).to_contain_text("Welcome discount")
    expect(result).to_contain_text("Add €1.50 to the cart, to reach €20.00")
    expect(result).to_contain_text("dry run 2 with €19.99 did not")
    expect(result).to_contain_text("Nothing was saved.")
    shot(page, "why-not-threshold")
    assert len(saved_session_updates(talon_sandbox)) == 1, "only the test's own set-up"


def test_an_agent_explains_an_expired_code(logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto("/customers/cust-0002")
    expect(page.locator("#why-not form")).to_be_visible()
    explain_code(page, "EASTER25")
    result = page.locator("#why-not .why-not-result")
    expect(result).to_contain_text("EASTER25 ✗ rejected")
    expect(result).to_contain_text("The code expired on 22 April 2025.")
    expect(result).to_contain_text("Nothing to try: no change to the session undoes this reason")
    shot(page, "why-not-expired-code")
    assert saved_session_updates(talon_sandbox) == []
