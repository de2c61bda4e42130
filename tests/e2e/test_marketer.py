"""A marketer's work in real Chromium against the sandbox: the campaign test bench with a
disabled campaign, saved cases and a suite run, a hard coupon reservation proven in the bench,
and an audience filled from a CSV and deleted. Screenshots land in test-artifacts/ (shot)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import shot
from tests.web.test_bulk_helpers import create_profiles, member_ids, reserved_ids

pytestmark = pytest.mark.e2e

BENCH = "/campaigns/test-bench"


def compose(page, *, campaigns, coupon="", profile=None, sku="SHOE-1", quantity="1",
            price="100.00", category="shoes") -> None:
    """Fill the bench form: tick exactly `campaigns`, one cart line, a coupon and a customer."""
    for box in page.locator("#bench input[name=campaigns]").all():
        box.set_checked(box.get_attribute("value") in {str(c) for c in campaigns})
    page.fill("input[name='items-0-sku']", sku)
    page.fill("input[name='items-0-quantity']", quantity)
    page.fill("input[name='items-0-price']", price)
    page.fill("input[name='items-0-category']", category)
    page.fill("#coupon_codes", coupon)
    if profile:
        page.check("#bench input[name=profile_mode][value=existing]")
        page.fill("#profile_id", profile)
    else:
        page.check("#bench input[name=profile_mode][value=throwaway]")


def run_bench(page) -> None:
    page.click("#bench button[name=action][value=run]")
    expect(page.locator("#bench-result")).to_be_visible()


def coupon_outcome(page, code: str):
    return page.locator(f"#bench-result [data-coupon='{code}']")


def test_disabled_campaign_applies_only_when_listed(logged_in_page):
    page = logged_in_page("marketer")
    page.goto(BENCH)
    expect(page.locator("main")).to_contain_text("Nothing is saved in Talon.One")
    expect(page.locator("#bench")).to_contain_text("Black Friday preview (#8, disabled)")

    compose(page, campaigns=[2], coupon="BF30")
    page.click("#bench button[name=action][value=add_item]")  # keeps what was typed
    expect(page.locator("#bench .bench-cart tbody tr")).to_have_count(4)
    expect(page.locator("input[name='items-0-sku']")).to_have_value("SHOE-1")
    run_bench(page)
    expect(coupon_outcome(page, "BF30")).to_have_attribute("data-coupon-outcome", "rejected")
    expect(page.locator("#bench-result")).not_to_contain_text("Black Friday 30%")
    shot(page, "marketer-bench-bf30-not-listed")

    page.check("#bench input[name=campaigns][value='8']")
    run_bench(page)
    result = page.locator("#bench-result")
    expect(coupon_outcome(page, "BF30")).to_have_attribute("data-coupon-outcome", "accepted")
    expect(result).to_contain_text("Black Friday 30%")
    expect(result.locator("[data-campaign='8']")).to_have_attribute("data-triggered", "yes")
    expect(result).to_contain_text("only because it was listed")
    expect(result).to_contain_text("Dry run: nothing was saved.")
    expect(result.locator("[data-total=total]")).to_have_text("€70.00")
    shot(page, "marketer-bench-bf30-listed")


def test_two_saved_cases_one_passes_one_fails(logged_in_page):
    page = logged_in_page("marketer")
    suite_name = f"Black Friday {uuid.uuid4().hex[:6]}"
    page.goto(BENCH)
    compose(page, campaigns=[8], coupon="BF30")
    page.click("#bench summary:has-text('Save as a test case')")
    page.fill("#case_name", "BF30 takes 30% off one pair")
    page.select_option("#suite", "0")
    page.fill("#new_suite_name", suite_name)
    page.select_option("#new_suite_campaign", "8")
    page.click("#bench button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/campaigns/cases/\d+$"))
    expect(page.locator("#amounts")).to_have_value("setDiscount = 30.00")

    # the second case starts from the first one in the bench
    page.click("text=Open in the bench")
    page.wait_for_url(re.compile(r"/campaigns/test-bench\?case=\d+"))
    expect(page.locator("input[name='items-0-sku']")).to_have_value("SHOE-1")
    page.fill("input[name='items-0-quantity']", "2")
    page.click("#bench summary:has-text('Save as a test case')")
    page.fill("#case_name", "BF30 on two pairs")
    page.select_option("#suite", page.locator("#suite option", has_text=suite_name).get_attribute("value"))
    page.click("#bench button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/campaigns/cases/\d+$"))
    expect(page.locator("#amounts")).to_have_value("setDiscount = 60.00")

    # promise more than the campaign gives
    page.fill("#amounts", "setDiscount = 99.00")
    page.click("#case-expectations button:has-text('Save expectations')")
    expect(page.locator("#case-expectations")).to_contain_text("Expectations saved.")
    shot(page, "marketer-case-expectations")

    page.click(f"nav.breadcrumbs >> text={suite_name}")
    page.click("button:has-text('Run suite')")
    page.wait_for_url(re.compile(r"/campaigns/runs/\d+$"))
    progress = page.locator(".suite-progress")
    expect(progress).to_have_attribute("data-finished", "yes")
    expect(progress.locator("[data-count=pass]")).to_have_text("1 passed")
    expect(progress.locator("[data-count=fail]")).to_have_text("1 failed")
    expect(page.locator("tr[data-case='BF30 takes 30% off one pair']")).to_have_attribute("data-result", "pass")
    failed = page.locator("tr[data-case='BF30 on two pairs']")
    expect(failed).to_have_attribute("data-result", "fail")
    expect(failed).to_contain_text("The discount amount: expected 99.00 ± 0.01, got 60.00.")
    shot(page, "marketer-suite-run")


def test_hard_reservation_proven_in_the_bench(logged_in_page, talon_sandbox):
    page = logged_in_page("marketer")
    page.goto("/coupons/VIPONLY-005")
    expect(page.locator("main")).to_contain_text("Hard reservation.")
    page.fill("#reservations-profile_id", "cust-0007")
    page.click("#coupon-bulk button[type=submit]")
    expect(page.locator(".bulk-job")).to_have_attribute("data-job-status", "done")
    expect(page.locator(".bulk-job")).to_contain_text("1 reserved")
    expect(page.locator("#coupon-reserved")).to_contain_text("cust-0007")  # refreshed by the job
    assert "cust-0007" in reserved_ids(talon_sandbox, "VIPONLY-005")
    shot(page, "marketer-coupon-reserved")

    page.goto(BENCH)
    compose(page, campaigns=[2], coupon="VIPONLY-005", profile="cust-0007")
    run_bench(page)
    expect(coupon_outcome(page, "VIPONLY-005")).to_have_attribute("data-coupon-outcome", "accepted")
    shot(page, "marketer-bench-vip-holder")

    page.fill("#profile_id", "cust-0008")
    run_bench(page)
    rejected = coupon_outcome(page, "VIPONLY-005")
    expect(rejected).to_have_attribute("data-coupon-outcome", "rejected")
    expect(rejected).to_contain_text("CouponReservationRequired")
    shot(page, "marketer-bench-vip-other")


def test_audience_from_a_csv_then_deleted(logged_in_page, talon_sandbox, tmp_path):
    valid = [f"e2e-{n:04d}" for n in range(1, 498)]
    create_profiles(talon_sandbox, valid)
    rows = valid[:200] + ["e2e-0005", "<b>bold</b>"] + valid[200:] + ["two words"]
    csv_file = tmp_path / "members.csv"
    csv_file.write_text("integrationId\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert len(rows) == 500

    page = logged_in_page("marketer")
    name = f"Spring launch {uuid.uuid4().hex[:6]}"
    page.goto("/audiences")
    page.fill("#name", name)
    page.fill("#description", "Imported from the spring sign-up list")
    page.click("button:has-text('Create audience')")
    page.wait_for_url(re.compile(r"/audiences/\d+$"))
    audience_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("h1")).to_have_text(name)

    page.set_input_files("#members-upload", str(csv_file))
    page.click("#audience-bulk button[type=submit]")
    job = page.locator(".bulk-job")
    expect(job).to_have_attribute("data-job-status", "done", timeout=30_000)
    expect(job.locator("[data-count=ok]")).to_have_text("497 added")
    expect(job.locator("[data-count=refused]")).to_have_text("3 not sent (invalid, duplicate or skipped)")
    problems = job.locator(".bulk-rows tbody tr")
    expect(problems).to_have_count(3)
    expect(job.locator(".bulk-rows")).to_contain_text("duplicate of line 6")
    expect(job.locator(".bulk-rows")).to_contain_text("markup")
    expect(job.locator(".bulk-rows")).to_contain_text("contains a space")
    expect(page.locator("#audience-members")).to_contain_text("e2e-0001")
    assert len(member_ids(talon_sandbox, audience_id)) == 497
    shot(page, "marketer-audience-csv")

    page.fill("#delete-confirm_name", name + " (not quite)")
    page.click("#audience-danger button:has-text('Delete audience')")
    expect(page.locator("#audience-danger")).to_contain_text("nothing was deleted")
    page.fill("#delete-confirm_name", name)
    page.click("#audience-danger button:has-text('Delete audience')")
    page.wait_for_url(re.compile(r"/audiences$"))
    expect(page.locator("#flash-messages")).to_contain_text(f"Audience “{name}” deleted.")
    expect(page.locator("main table")).not_to_contain_text(name)
    shot(page, "marketer-audience-deleted")
