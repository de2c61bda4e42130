"""Suites on a schedule and on campaign changes (issue 18.3), against the sandbox: the schedule
form, the periodic check with an injected clock (watch.check(now)), a campaign changed through
the Management API's updateCampaign (its `updated` moves), the run it triggers reporting a
regression, and the regression on the marketer's home page and the suite page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import requests

import sqlalchemy as sa

from app.campaigns import runs, tasks
from app.campaigns.models import BenchSuite, SuiteRun
from app.extensions import db
from app.queue import queue
from app.talon import TalonService, TalonSettings
from tests.talon.manual_time import ManualTime
from tests.web.helpers import audit_rows
from tests.web.test_bulk_helpers import hx_post, marketer  # noqa: F401
from tests.web.test_campaigns import save_case

CAMPAIGN = "/v1/applications/1/campaigns/2"
NOON = datetime(2026, 12, 6, 12, 0)  # the check's injected clock (naive UTC)


@pytest.fixture
def cache_time(app):
    """The app's Talon.One service with its read cache on a clock the test moves."""
    time = ManualTime()
    old = app.extensions["talon"]
    app.extensions["talon"] = TalonService(TalonSettings.from_mapping(app.config), http=old.http,
                                           cache_clock=time.now)
    yield time
    app.extensions["talon"] = old


def management(sandbox):
    return {"Authorization": f"ManagementKey-v1 {sandbox.management_key}"}


def update_campaign(sandbox, **changes) -> dict:
    """updateCampaign as the Campaign Manager would send it: the campaign's properties, changed."""
    current = requests.get(sandbox.url + CAMPAIGN, headers=management(sandbox), timeout=10).json()
    body = {k: current[k] for k in ("name", "description", "tags", "features", "limits", "state")}
    body.update(changes)
    answer = requests.put(sandbox.url + CAMPAIGN, headers=management(sandbox), json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def summer_suite(client) -> int:
    """A suite for campaign 2 whose case expects SUMMER20's 20% (passes today)."""
    case_id = save_case(client, "SUMMER20 takes 20%", campaigns=["2"], coupon_codes="SUMMER20",
                        new_suite_name="Summer", new_suite_campaign="2")
    page = client.get(f"/campaigns/cases/{case_id}").get_data(as_text=True)
    return int(re.search(r'/campaigns/suites/(\d+)"', page).group(1))


def set_schedule(client, suite_id: int, **fields):
    form = {"schedule": "off", "schedule_time": "", "soon_hours": "", **fields}
    return hx_post(client, f"/campaigns/suites/{suite_id}/schedule", form)


def check_and_run(app, now: datetime, monkeypatch) -> list[int]:
    """The worker at ``now`` (an injected clock): its scheduler enqueues the periodic check, and
    the queue (in this thread) runs it and the suite runs it enqueued. The runs it started."""
    monkeypatch.setattr(tasks, "clock", lambda: now)
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(SuiteRun.id))) or 0
        assert queue.run_periodic(now) >= 1
        queue.drain()
        started = db.session.scalars(sa.select(SuiteRun).where(SuiteRun.id > last)).all()
        assert all(r.finished_at for r in started)
        return [r.id for r in started]


def run_row(app, run_id: int) -> dict:
    with app.app_context():
        r = db.session.get(SuiteRun, run_id)
        return {"trigger": r.trigger, "detail": r.trigger_detail, "regression": r.regression,
                "flips": r.flips, "actor": r.actor, "results": [c.status for c in r.results]}


def test_a_campaign_change_triggers_a_run_that_reports_a_regression(app, marketer, login_as,
                                                                      talon_sandbox, cache_time,
                                                                      monkeypatch):
    suite_id = summer_suite(marketer)
    assert set_schedule(marketer, suite_id, on_change="y").status_code == 200
    assert check_and_run(app, NOON, monkeypatch) == []  # first sight of campaign 2: recorded, nothing run
    # a run that passes, then nothing changes: no run
    hx_post(marketer, f"/campaigns/suites/{suite_id}/runs", {})  # on demand, by the marketer
    with app.app_context():
        assert queue.drain() == 1
        first = db.session.scalar(sa.select(sa.func.max(SuiteRun.id)))
    assert run_row(app, first)["results"] == ["pass"]
    cache_time.advance(120)
    assert check_and_run(app, NOON + timedelta(minutes=2), monkeypatch) == []

    # someone ends the campaign in the Campaign Manager: its `updated` moves
    changed = update_campaign(talon_sandbox, endTime="2026-01-01T00:00:00Z")
    cached = check_and_run(app, NOON + timedelta(minutes=3), monkeypatch)
    assert cached == []  # the campaign list is still the cached one (TALON_CACHE_TTL)
    cache_time.advance(61)
    [second] = check_and_run(app, NOON + timedelta(minutes=4), monkeypatch)
    row = run_row(app, second)
    assert row["trigger"] == "campaign_change" and row["actor"] is None
    assert f"updated {changed['updated'].replace('Z', '+00:00')}" in row["detail"]
    assert row["regression"] and row["results"] == ["fail"]
    [flip] = row["flips"]
    assert flip["case"] == "SUMMER20 takes 20%" and flip["before"] == "pass" and flip["now"] == "fail"
    assert "Expected a discount effect; there was none." in flip["differences"]
    # the change is taken once
    cache_time.advance(61)
    assert check_and_run(app, NOON + timedelta(minutes=5), monkeypatch) == []
    [audit] = [a for a in audit_rows(app, action="campaign.test_suite.run")
               if a.summary["run"] == second]
    assert audit.summary["regression"] and audit.summary["trigger"] == "campaign_change"

    # the marketer sees it on the home page and on the suite page, with the differences
    for url in ("/", f"/campaigns/suites/{suite_id}"):
        page = marketer.get(url).get_data(as_text=True)
        box = re.search(r'<section class="regression".*?</section>', page, re.S).group(0)
        assert f'data-regression-run="{second}"' in box and "Summer" in box
        assert 'data-flip="SUMMER20 takes 20%"' in box
        assert "Expected a discount effect; there was none." in box
        assert "because the campaign changed" in box and "campaign 2" in box
    suite_page = marketer.get(f"/campaigns/suites/{suite_id}").get_data(as_text=True)
    assert re.search(rf'<tr data-run="{second}" data-trigger="campaign_change" data-regression="yes">'
                     r'\s*<td>.*?</td>\s*<td><time ', suite_page, re.S)
    assert re.search(rf'<tr data-run="{first}" data-trigger="on_demand">.*?on demand by <strong>marketer'
                     r'</strong>', suite_page, re.S)
    # an agent's home page has no bench, so no regressions
    assert "regressed" not in login_as("agent").get("/").get_data(as_text=True)


def test_the_regression_closes_when_a_later_run_passes(app, marketer, talon_sandbox, cache_time):
    suite_id = summer_suite(marketer)
    with app.app_context():
        suite = db.session.get(BenchSuite, suite_id)
        runs.run_to_end(runs.start(suite, "marketer").id)
    update_campaign(talon_sandbox, endTime="2026-01-01T00:00:00Z")
    with app.app_context():
        failing = runs.start(db.session.get(BenchSuite, suite_id), "marketer").id
        runs.run_to_end(failing)
        assert runs.open_regression(suite_id).id == failing
        still = runs.start(db.session.get(BenchSuite, suite_id), "marketer").id
        runs.run_to_end(still)  # still failing: not a new regression, the old one stays open
        assert not db.session.get(SuiteRun, still).regression
        assert runs.open_regression(suite_id).id == failing
    update_campaign(talon_sandbox, endTime="2099-01-01T00:00:00Z")
    with app.app_context():
        runs.run_to_end(runs.start(db.session.get(BenchSuite, suite_id), "marketer").id)
        assert runs.open_regression(suite_id) is None
    assert "regressed" not in marketer.get("/").get_data(as_text=True)


def test_a_nightly_schedule_fires_at_the_right_fake_time_and_not_before(app, marketer, talon_sandbox,
                                                                          monkeypatch):
    suite_id = summer_suite(marketer)
    saved = set_schedule(marketer, suite_id, schedule="nightly", schedule_time="02:00")
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Schedule saved." in body
    assert "Runs every night at 02:00 UTC" in body
    with app.app_context():
        suite = db.session.get(BenchSuite, suite_id)
        since = suite.schedule_since
    tomorrow_two = since.replace(hour=2, minute=0, second=0, microsecond=0)  # the first 02:00 after
    if tomorrow_two <= since:
        tomorrow_two += timedelta(days=1)
    assert check_and_run(app, tomorrow_two - timedelta(seconds=1), monkeypatch) == []
    [fired] = check_and_run(app, tomorrow_two, monkeypatch)
    row = run_row(app, fired)
    assert row["trigger"] == "schedule" and row["results"] == ["pass"]
    assert "nightly at 02:00 UTC" in row["detail"]
    assert check_and_run(app, tomorrow_two + timedelta(minutes=30), monkeypatch) == []
    assert len(check_and_run(app, tomorrow_two + timedelta(days=1), monkeypatch)) == 1
    page = marketer.get(f"/campaigns/suites/{suite_id}").get_data(as_text=True)
    assert re.search(rf'<tr data-run="{fired}" data-trigger="schedule">.*?on its schedule', page, re.S)
    [audit] = audit_rows(app, action="campaign.test_suite.schedule")
    assert audit.summary["after"]["schedule"] == "nightly" and audit.summary["after"]["time"] == "02:00"


@pytest.mark.parametrize("fields, field_id, message", [
    ({"schedule": "nightly", "schedule_time": ""}, "schedule_time", "Give the time of the nightly run"),
    ({"schedule": "nightly", "schedule_time": "25:00"}, "schedule_time", "HH:MM on a 24-hour clock"),
    ({"schedule": "before_start", "soon_hours": ""}, "soon_hours", "how many hours before the start"),
    ({"schedule": "before_start", "soon_hours": "0"}, "soon_hours", "from 1 to 336"),
    ({"schedule": "before_start", "soon_hours": "many"}, "soon_hours", "whole number"),
    ({"schedule": "weekly"}, "schedule", "Not a valid choice"),
])
def test_bad_schedule_input_gets_a_message_next_to_the_field(app, marketer, fields, field_id, message):
    suite_id = summer_suite(marketer)
    answer = set_schedule(marketer, suite_id, **fields)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert re.search(rf'<small id="{field_id}-errors" class="field-errors">[^<]*{message}', body, re.I), body
    with app.app_context():
        assert db.session.get(BenchSuite, suite_id).schedule == "off"
    assert audit_rows(app, action="campaign.test_suite.schedule") == []


def test_only_the_author_sets_the_schedule(app, marketer, login_as):
    suite_id = summer_suite(marketer)
    admin = login_as("admin")
    assert set_schedule(admin, suite_id, schedule="hourly").status_code == 200
    agent = login_as("agent")
    assert set_schedule(agent, suite_id, schedule="off").status_code == 403
