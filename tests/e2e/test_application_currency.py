"""A non-EUR Application in real Chromium: the console writes money in the currency and times in
the time zone the Application itself has (GET /v1/applications/{id}, app/talon/application.py;
the sandbox's POST /sandbox/application changes what it answers), with Babel (app/formatting.py).
With JavaScript the browser shows a time in its own zone and keeps the Application's as the
title; without it the page shows the Application's. The Application is put back afterwards, and
the console's held settings forgotten, so no other test sees CHF."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD, E2E_MANAGEMENT_LIMIT, shot

pytestmark = pytest.mark.e2e

APPLICATION_ZONE = "Asia/Tokyo"
BROWSER_ZONE = "America/Sao_Paulo"


def forget_application_settings(app) -> None:
    """The live console holds the Application's settings for its cache period: make it read them
    again (the held value and the read cache's entry)."""
    from app.talon import talon
    from app.talon.application import ApplicationSettingsHolder
    from app.talon.management import APPLICATION

    with app.app_context():
        service = talon.service
        service.reads.invalidate(APPLICATION)
        service._application = ApplicationSettingsHolder(service._read_application, service._application._hold)


@pytest.fixture
def chf_application(talon_sandbox, live_console):
    headers = {"Authorization": f"ManagementKey-v1 {talon_sandbox.management_key}"}
    before = requests.get(f"{talon_sandbox.url}/v1/applications/1", headers=headers, timeout=30).json()
    requests.post(f"{talon_sandbox.url}/sandbox/application", timeout=30,
                  json={"currency": "CHF", "timezone": APPLICATION_ZONE}).raise_for_status()
    forget_application_settings(live_console.app)
    yield
    requests.post(f"{talon_sandbox.url}/sandbox/application", timeout=30,
                  json={"currency": before["currency"], "timezone": before["timezone"]}).raise_for_status()
    forget_application_settings(live_console.app)
    after = requests.get(f"{talon_sandbox.url}/v1/applications/1", headers=headers, timeout=30).json()
    assert (after["currency"], after["timezone"]) == (before["currency"], before["timezone"])


def browser_page(browser, live_console, talon_sandbox, *, javascript: bool):
    requests.post(f"{talon_sandbox.url}/sandbox/rate-limit", timeout=10,
                  json={"managementPerSecond": E2E_MANAGEMENT_LIMIT}).raise_for_status()
    context = browser.new_context(base_url=live_console.url, viewport={"width": 1366, "height": 768},
                                  timezone_id=BROWSER_ZONE, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return context, page


def local(moment: str, zone: str) -> str:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def test_money_and_times_in_the_applications_currency_and_zone(browser, live_console, talon_sandbox,
                                                               chf_application):
    context, page = browser_page(browser, live_console, talon_sandbox, javascript=True)
    try:
        page.goto("/sessions/sess-00001")  # cart value 129.70, discounts 26.46, to pay 103.24
        body = page.locator("main")
        expect(body).to_contain_text(re.compile(r"Cart value\s*CHF\s?129\.70"))
        expect(body).to_contain_text(re.compile(r"To pay\s*CHF\s?103\.24"))
        assert "€" not in body.inner_text() and "EUR" not in body.inner_text()
        times = page.locator("main time[data-local][data-shown]")
        expect(times.first).to_be_visible()
        for n in range(min(times.count(), 5)):
            moment = times.nth(n).get_attribute("datetime")
            # the server's words, in the Application's zone, stay as the title
            assert times.nth(n).get_attribute("title").startswith(local(moment, APPLICATION_ZONE))
            # the browser shows its own zone
            assert times.nth(n).inner_text().startswith(local(moment, BROWSER_ZONE))
        shot(page, "agent-session-chf-tokyo")

        page.goto("/customers/cust-0001")
        totals = page.locator("#customer-sessions tbody tr td:nth-child(6)")
        expect(totals.first).to_contain_text("CHF")
        assert all(re.fullmatch(r"CHF\s?[0-9,]+\.[0-9]{2}", t.strip()) for t in totals.all_inner_texts())
        shot(page, "agent-customer-chf-tokyo")
    finally:
        context.close()


def test_without_javascript_times_are_in_the_applications_zone(browser, live_console, talon_sandbox,
                                                               chf_application):
    context, page = browser_page(browser, live_console, talon_sandbox, javascript=False)
    try:
        page.goto("/sessions/sess-00001")
        times = page.locator("main time[data-local]")
        expect(times.first).to_be_visible()
        for n in range(min(times.count(), 5)):
            moment = times.nth(n).get_attribute("datetime")
            assert times.nth(n).inner_text().startswith(local(moment, APPLICATION_ZONE))
        expect(page.locator("main")).to_contain_text(re.compile(r"Cart value\s*CHF\s?129\.70"))
    finally:
        context.close()
