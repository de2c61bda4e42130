"""The pure parts of scheduled suite runs (issue 18.3): when a schedule is due, and which cases
flipped from pass to fail (a regression)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.campaigns.regressions import Outcome, flips, is_regression
from app.campaigns.schedules import due_slot, next_slot, time_of_day_problem

T = datetime(2026, 12, 6, 12, 0)  # naive UTC, as the database keeps times


def test_a_nightly_schedule_fires_at_its_time_once_and_not_before():
    since = T  # set at noon for 02:00: the first slot is tomorrow's
    assert due_slot("nightly", T + timedelta(hours=1), time_of_day="02:00", since=since) is None
    just_before = datetime(2026, 12, 7, 1, 59, 59)
    assert due_slot("nightly", just_before, time_of_day="02:00", since=since) is None
    slot = due_slot("nightly", datetime(2026, 12, 7, 2, 0), time_of_day="02:00", since=since)
    assert slot == datetime(2026, 12, 7, 2, 0)
    # fired once: the same night never again, the next night again
    assert due_slot("nightly", datetime(2026, 12, 7, 3, 0), time_of_day="02:00", since=since,
                    fired=slot) is None
    assert due_slot("nightly", datetime(2026, 12, 8, 2, 0, 30), time_of_day="02:00", since=since,
                    fired=slot) == datetime(2026, 12, 8, 2, 0)


def test_a_worker_back_after_three_nights_runs_the_suite_once():
    fired = datetime(2026, 12, 7, 2, 0)
    back = datetime(2026, 12, 10, 9, 0)
    slot = due_slot("nightly", back, time_of_day="02:00", since=T, fired=fired)
    assert slot == datetime(2026, 12, 10, 2, 0)
    assert due_slot("nightly", back + timedelta(minutes=1), time_of_day="02:00", since=T, fired=slot) is None


def test_hourly_fires_at_the_top_of_each_hour():
    since = datetime(2026, 12, 6, 12, 30)
    assert due_slot("hourly", datetime(2026, 12, 6, 12, 59), since=since) is None
    assert due_slot("hourly", datetime(2026, 12, 6, 13, 0, 5), since=since) == datetime(2026, 12, 6, 13)
    assert next_slot("hourly", datetime(2026, 12, 6, 13, 0, 5)) == datetime(2026, 12, 6, 14)
    assert next_slot("nightly", T, "02:00") == datetime(2026, 12, 7, 2, 0)
    assert due_slot("off", T) is None


def test_before_start_runs_hourly_only_while_the_start_is_near():
    start = datetime(2026, 12, 9, 0, 0)
    kwargs = dict(since=T - timedelta(days=1), start_time=start, soon_hours=48)
    assert due_slot("before_start", datetime(2026, 12, 6, 23, 0), **kwargs) is None  # 49 h before
    assert due_slot("before_start", datetime(2026, 12, 7, 0, 10), **kwargs) == datetime(2026, 12, 7, 0)
    assert due_slot("before_start", datetime(2026, 12, 9, 0, 0), **kwargs) is None  # started
    assert due_slot("before_start", datetime(2026, 12, 7, 5, 0), since=T, start_time=None,
                    soon_hours=48) is None  # no start time known


@pytest.mark.parametrize("text, ok", [("02:00", True), ("23:59", True), ("24:00", False),
                                      ("2:00", False), ("", False), ("noon", False)])
def test_time_of_day(text, ok):
    assert (time_of_day_problem(text) is None) is ok


def outcome(case_id, status, *differences, name=None):
    return Outcome(case_id, name or f"case {case_id}", status, list(differences))


def test_a_case_that_passed_and_fails_now_flips():
    before = [outcome(1, "pass"), outcome(2, "pass"), outcome(3, "fail", "old")]
    now = [outcome(1, "pass"), outcome(2, "fail", "Expected a discount effect; there was none."),
           outcome(3, "fail", "still")]
    [flip] = flips(before, now)
    assert flip["case"] == "case 2" and flip["before"] == "pass" and flip["now"] == "fail"
    assert flip["differences"] == ["Expected a discount effect; there was none."]
    assert is_regression(before, now)


def test_no_regression_without_a_pass_before_or_for_a_case_that_could_not_run():
    assert not is_regression(None, [outcome(1, "fail", "x")])  # the first run
    assert not is_regression([outcome(1, "fail")], [outcome(1, "fail")])  # still broken
    assert not is_regression([outcome(1, "pass")], [outcome(1, "error", "HTTP 503")])  # outage
    assert not is_regression([outcome(1, "pass")], [outcome(2, "fail")])  # a new case


def test_a_renamed_case_is_matched_by_id_and_a_recreated_one_by_name():
    assert flips([outcome(1, "pass", name="old")], [outcome(1, "fail", name="new")])
    assert flips([outcome(None, "pass", name="same")], [outcome(9, "fail", name="same")])
