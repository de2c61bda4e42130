"""A bulk job runs in the queue's worker (issue 18): start it in Chromium, close the page, open
the job again in a new one and see it finished (the live console has a worker thread beside it,
as `make run` has a worker process)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import shot
from tests.web.test_bulk_helpers import member_ids

pytestmark = pytest.mark.e2e

NEWSLETTER = 2


def test_start_a_job_close_the_page_reopen_it_and_it_finished(logged_in_page, live_console, talon_sandbox, tmp_path):
    ids = [f"cust-{n:04d}" for n in range(1, 41)]
    csv_file = tmp_path / "members.csv"
    csv_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
    page = logged_in_page("marketer")
    page.goto(f"/audiences/{NEWSLETTER}")
    page.set_input_files("#members-upload", str(csv_file))
    page.click("#audience-bulk button[type=submit]")
    job = page.locator(".bulk-job")
    expect(job).to_be_visible()
    job_id = re.search(r"bulk-job-(\d+)", job.get_attribute("id")).group(1)
    page.goto("about:blank")   # the job's page is gone: nothing polls it any more

    again = page
    again.goto(f"{live_console.url}/audiences/{NEWSLETTER}/jobs/{job_id}")
    job = again.locator(".bulk-job")
    expect(job).to_have_attribute("data-job-status", "done", timeout=30_000)
    expect(job.locator("[data-count=ok]")).to_have_text("40 added")
    assert set(ids) <= set(member_ids(talon_sandbox, NEWSLETTER))
    shot(again, "marketer-bulk-job-reopened")


def test_new_customers_are_added_without_a_check_when_the_marketer_says_so(logged_in_page, talon_sandbox):
    page = logged_in_page("marketer")
    page.goto(f"/audiences/{NEWSLETTER}")
    page.fill("#members-pasted", "signup-e2e-1\nsignup-e2e-2\nsignup-e2e-1")
    page.get_by_label("When adding: let Talon.One create the profiles it does not know").check()
    page.click("#audience-bulk button[type=submit]")
    job = page.locator(".bulk-job")
    # never "choosing": nobody is asked about the two IDs Talon.One did not know
    expect(job).to_have_attribute("data-job-status", "done", timeout=30_000)
    expect(job.locator("[data-count=ok]")).to_have_text("2 added")
    assert {"signup-e2e-1", "signup-e2e-2"} <= set(member_ids(talon_sandbox, NEWSLETTER))
