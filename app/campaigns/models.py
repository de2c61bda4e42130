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


class BenchSuite(db.Model):
    __tablename__ = "bench_suites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    campaign_id: Mapped[int] = mapped_column(index=True)
    owner: Mapped[str] = mapped_column(sa.String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

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
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

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
