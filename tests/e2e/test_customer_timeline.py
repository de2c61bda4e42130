"""A customer's timeline in real Chromium: every kind newest first, the console's own action on
the customer at the top, a filter by kind and the way to older entries, each entry a link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e


def test_a_manager_reads_filters_and_pages_a_customers_timeline(logged_in_page):
    page = logged_in_page("manager")
    page.goto("/customers/cust-0001")
    box = page.locator("#why-not")
    box.get_by_label("Code the customer typed").fill("VIPONLY-003")
    box.get_by_role("button", name=re.compile("Why not")).click()
    expect(page.locator("#why-not .why-not-result")).to_be_visible()

    page.get_by_role("link", name="Timeline").click()
    page.wait_for_url(re.compile(r"/customers/cust-0001/timeline$"))
    first = page.locator(".timeline-entry").first
    expect(first).to_contain_text("Console actions")
    expect(first).to_contain_text("Customer: why not")
    expect(page.locator(".timeline-sessions").first).to_be_visible()
    expect(page.locator(".timeline-loyalty").first).to_be_visible()
    shot(page, "customer-timeline")

    last_shown = page.locator(".timeline-entry").last.get_attribute("data-when")
    page.get_by_role("link", name="Older").click()
    page.wait_for_url(re.compile(r"older="))
    newest = page.get_by_role("link", name="Newest")
    expect(newest).to_be_visible()
    assert page.locator(".timeline-entry").first.get_attribute("data-when") <= last_shown
    newest.click()
    expect(page.locator(".timeline-entry").first).to_contain_text("Customer: why not")

    timeline = page.locator("#customer-timeline")
    timeline.get_by_label("Loyalty transactions").check()
    timeline.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"kind=loyalty"))
    expect(page.locator(".timeline-entry").first).to_have_class(re.compile("timeline-loyalty"))
    expect(page.locator(".timeline-sessions")).to_have_count(0)


    page.locator(".timeline-entry a[href^='/loyalty/']").first.click()
    page.wait_for_url(re.compile(r"/loyalty/"))
