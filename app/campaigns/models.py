"""Saved test cases, their suites (one campaign each) and suite runs, in the app database.

A case stores the bench input and the expectations as JSON (the shapes of BenchInput.to_dict()
and expectations.py), so export, import and old cases need no schema change when the bench
grows a field. Cases and suites belong to their author: everyone with the test bench may view
and run them, only the author (or an administrator) may change or delete them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..bulk.claims import PENDING
from ..extensions import db
from ..models import utcnow

# Case result states (before these, a case is pending, then claimed: app.bulk.claims)
PASSED, FAILED, ERROR = "pass", "fail", "error"

# What started a run (SuiteRun.trigger): a person (actor), a suite's schedule, or a change of the
# suite's campaign seen by the periodic check (its `updated` time, trigger_detail says which).
ON_DEMAND, SCHEDULE, CAMPAIGN_CHANGE = "on_demand", "schedule", "campaign_change"
TRIGGERS = (ON_DEMAND, SCHEDULE, CAMPAIGN_CHANGE)

# A suite's schedule (BenchSuite.schedule; schedules.py says when each is due).
OFF, NIGHTLY, HOURLY, BEFORE_START = "off", "nightly", "hourly", "before_start"
SCHEDULES = (OFF, NIGHTLY, HOURLY, BEFORE_START)


class BenchSuite(db.Model):
    __tablename__ = "bench_suites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    campaign_id: Mapped[int] = mapped_column(index=True)
    owner: Mapped[str] = mapped_column(sa.String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: OFF, NIGHTLY (at schedule_time UTC), HOURLY, BEFORE_START (hourly while the campaign
    #: starts within soon_hours)
    schedule: Mapped[str] = mapped_column(sa.String(20), default=OFF, server_default=OFF)
    schedule_time: Mapped[str | None] = mapped_column(sa.String(5))  # "HH:MM", UTC
    soon_hours: Mapped[int | None]
    #: run when the campaign's `updated` time moves (the periodic check, watch.py)
    on_change: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: when the schedule was set: slots before it never fire
    schedule_since: Mapped[datetime | None]
    #: the last slot a scheduled run was started for (fired once each)
    schedule_fired: Mapped[datetime | None]

    cases: Mapped[list["BenchCase"]] = relationship(
        back_populates="suite", cascade="all, delete-orphan", passive_deletes=True,
        order_by="BenchCase.id")


class BenchCase(db.Model):
    __tablename__ = "bench_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    suite_id: Mapped[int] = mapped_column(sa.ForeignKey("bench_suites.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    owner: Mapped[str] = mapped_column(sa.String(80))
    request: Mapped[dict] = mapped_column(sa.JSON)
    expectations: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    suite: Mapped[BenchSuite] = relationship(back_populates="cases")


class SuiteRun(db.Model):
    """One "Run suite": its cases are run one request at a time (see runs.py)."""

    __tablename__ = "bench_suite_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    suite_id: Mapped[int] = mapped_column(sa.ForeignKey("bench_suites.id", ondelete="CASCADE"),
                                          index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(80))
    trigger: Mapped[str] = mapped_column(sa.String(20), default=ON_DEMAND, server_default=ON_DEMAND)
    #: what the trigger saw, in words ("campaign 2 updated 2026-12-06T23:20:23Z")
    trigger_detail: Mapped[str | None] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: a case that passed in the suite's previous finished run fails in this one
    regression: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the cases that flipped (regressions.flips): name, before, now, expected vs got
    flips: Mapped[list | None] = mapped_column(sa.JSON)
    #: the run compared with (the suite's previous finished run)
    previous_run_id: Mapped[int | None]

    results: Mapped[list["CaseResult"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="CaseResult.position")

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def done(self) -> int:
        return sum(1 for r in self.results if r.status in (PASSED, FAILED, ERROR))


class CaseResult(db.Model):
    __tablename__ = "bench_case_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("bench_suite_runs.id", ondelete="CASCADE"),
                                        index=True)
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bench_cases.id", ondelete="SET NULL"))
    case_name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20), default=PENDING)
    differences: Mapped[list | None] = mapped_column(sa.JSON)
    actual: Mapped[dict | None] = mapped_column(sa.JSON)
    claim: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_at: Mapped[datetime | None]


class CampaignWatch(db.Model):
    """The `updated` time of a campaign as the periodic check last saw it (watch.py)."""

    __tablename__ = "bench_campaign_watches"

    campaign_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    updated: Mapped[str | None] = mapped_column(sa.String(40))
    start_time: Mapped[datetime | None]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
