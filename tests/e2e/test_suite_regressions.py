"""A marketer sees a suite regression in real Chromium (issue 18.3): a suite of campaign 2 passes
when run on demand (the live console's worker runs it while the page polls), the campaign is
ended through the Management API's updateCampaign, the next run fails, and the regression, with
the case that flipped and what was expected, is on the run, the suite page and the home page."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def ended_campaign_afterwards(sandbox):
    yield
    requests.post(f"{sandbox.url}/sandbox/reset", timeout=30).raise_for_status()


def end_campaign_2(sandbox) -> None:
    headers = {"Authorization": f"ManagementKey-v1 {sandbox.management_key}"}
    url = f"{sandbox.url}/v1/applications/1/campaigns/2"
    current = requests.get(url, headers=headers, timeout=10).json()
    body = {k: current[k] for k in ("name", "tags", "features", "limits")}
    answer = requests.put(url, headers=headers, json={**body, "endTime": "2026-01-01T00:00:00Z"}, timeout=10)
    assert answer.status_code == 200, answer.text


def run_suite(page) -> None:
    page.click("button:has-text('Run suite')")
    page.wait_for_url(re.compile(r"/campaigns/runs/\d+$"))
    expect(page.locator(".suite-progress")).to_have_attribute("data-finished", "yes", timeout=20_000)


def test_the_marketer_sees_a_regression_with_its_differences(logged_in_page, talon_sandbox, sandbox,
                                                             ended_campaign_afterwards):
    page = logged_in_page("marketer")
    suite_name = f"Summer {uuid.uuid4().hex[:6]}"
    page.goto("/campaigns/test-bench")
    page.check("input[name=campaigns][value='2']")
    page.fill("input[name='items-0-sku']", "SHOE-1")
    page.fill("input[name='items-0-quantity']", "1")
    page.fill("input[name='items-0-price']", "100")
    page.fill("#coupon_codes", "SUMMER20")
    page.click("#bench summary:has-text('Save as a test case')")
    page.fill("#case_name", "SUMMER20 takes 20%")
    page.select_option("#suite", "0")
    page.fill("#new_suite_name", suite_name)
    page.select_option("#new_suite_campaign", "2")
    page.click("#bench button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/campaigns/cases/\d+$"))
    page.click(f"nav.breadcrumbs >> text={suite_name}")
    suite_url = page.url

    # a schedule with a bad time: the message is next to the field
    page.select_option("#schedule", "nightly")
    page.fill("#schedule_time", "25:00")
    page.click("#suite-schedule button:has-text('Save schedule')")
    expect(page.locator("#schedule_time-errors")).to_contain_text("HH:MM on a 24-hour clock")
    page.fill("#schedule_time", "02:00")
    page.check("#on_change")
    page.click("#suite-schedule button:has-text('Save schedule')")
    expect(page.locator("#suite-schedule")).to_contain_text("Runs every night at 02:00 UTC, and when the campaign changes")

    run_suite(page)
    expect(page.locator("tr[data-case='SUMMER20 takes 20%']")).to_have_attribute("data-result", "pass")
    end_campaign_2(sandbox)
    page.goto(suite_url)
    run_suite(page)
    expect(page.locator("tr[data-case='SUMMER20 takes 20%']")).to_have_attribute("data-result", "fail")
    expect(page.locator(".suite-progress .regression")).to_contain_text("Expected a discount effect; there was none.")

    page.goto("/")
    box = page.locator("#home-regressions .regression", has_text=suite_name)
    expect(box).to_be_visible()
    expect(box.locator("tr[data-flip='SUMMER20 takes 20%']")).to_contain_text("Expected a discount effect; there was none.")
    expect(box).to_contain_text("on demand by marketer")
    shot(page, "marketer-home-regression")
    box.locator(f"a:has-text('{suite_name}')").click()
    expect(page.locator("section.regression")).to_contain_text("SUMMER20 takes 20%")
    expect(page.locator("tr[data-regression=yes] td").nth(2)).to_contain_text("on demand by marketer")
