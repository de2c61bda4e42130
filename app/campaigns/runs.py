"""Running a suite: every case re-evaluated and compared with its expectations.

A run stores one result row per case. ``step`` runs the next case; ``run_to_end`` steps until
none is left (what the worker does). A case is claimed before it runs and the run is finished
once, as bulk jobs do (app.bulk.claims), so two workers (or a worker and a page) never run a
case twice nor audit the run twice. When the run finishes it is compared with the suite's
previous finished run (regressions.py): a case that passed then and fails now marks the run a
regression, with the flipped cases kept on the run.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..audit_log import record
from ..bulk import claims
from ..bulk.claims import CLAIMED, PENDING
from ..extensions import db
from ..models import utcnow
from ..talon.budget import as_bulk
from ..talon.errors import TalonError
from . import catalog
from .evaluation import BenchInput, now_problem, run
from .expectations import differences
from .models import (ERROR, FAILED, ON_DEMAND, PASSED, BenchCase, BenchSuite, CaseResult,
                     SuiteRun)
from .regressions import Outcome, flips


def start(suite: BenchSuite, actor: str | None, *, trigger: str = ON_DEMAND,
          detail: str | None = None) -> SuiteRun:
    """A new run of the suite, its cases pending (run them with step or run_to_end)."""
    suite_run = SuiteRun(suite_id=suite.id, actor=actor, trigger=trigger,
                         trigger_detail=detail[:200] if detail else None)
    suite_run.results = [CaseResult(case_id=case.id, case_name=case.name, position=n)
                         for n, case in enumerate(suite.cases, start=1)]
    db.session.add(suite_run)
    db.session.commit()
    if not suite_run.results:
        _finish(suite_run)
    return suite_run


# A case claimed by a request that never finished (the console process stopped mid-case).
STALE_CLAIM = timedelta(minutes=5)


def _claim(suite_run: SuiteRun) -> CaseResult | None:
    claimed = claims.claim_next(CaseResult, CaseResult.run_id == suite_run.id, limit=1,
                                order_by=(CaseResult.position,))
    return claimed[0] if claimed else None


def _expire_stale_claims(suite_run: SuiteRun) -> None:
    if claims.expire_stale(CaseResult, CaseResult.run_id == suite_run.id,
                           older_than=STALE_CLAIM, status=ERROR,
                           differences=["The console stopped while running this case; run "
                                        "the suite again."]):
        db.session.commit()
        db.session.refresh(suite_run)


@as_bulk  # paces itself within the Management API budget, after pages
def step(suite_run: SuiteRun) -> CaseResult | None:
    """Run the next case of the run; None when none was left (the run is then finished)."""
    if suite_run.finished_at is not None:
        return None
    _expire_stale_claims(suite_run)
    result = _claim(suite_run)
    if result is None:
        _finish(suite_run)
        return None
    case = db.session.get(BenchCase, result.case_id) if result.case_id else None
    if case is None:
        result.status, result.differences = ERROR, ["The case was deleted during the run."]
    else:
        _evaluate(result, BenchInput.from_dict(case.request), case.expectations)
    result.claim = None
    db.session.commit()
    db.session.refresh(suite_run)
    if not any(r.status in (PENDING, CLAIMED) for r in suite_run.results):
        _finish(suite_run)
    return result


def run_to_end(run_id: int, *, limit: int = 10_000) -> SuiteRun | None:
    """Run every case left (the worker's task); None when the run is gone."""
    suite_run = db.session.get(SuiteRun, run_id)
    if suite_run is None:
        return None
    for _ in range(limit):
        if step(suite_run) is None:
            break
    return suite_run


def _evaluate(result: CaseResult, bench: BenchInput, expected: dict) -> None:
    if bench.now and now_problem(bench.now):
        result.status = ERROR
        result.differences = [f"The saved evaluation time {bench.now} is no longer in the "
                              "future; edit the case."]
        return
    try:
        campaigns = {c.id: c for c in catalog.all_campaigns()}
    except TalonError:
        campaigns = {}
    try:
        outcome = run(bench, campaigns)
    except TalonError as exc:
        status = f" (HTTP {exc.status})" if exc.status else ""
        result.status = ERROR
        result.differences = [f"{exc.headline}{status}: {exc.message}"]
        return
    found = differences(expected, outcome)
    result.status = FAILED if found else PASSED
    result.differences = found
    result.actual = outcome.summary()


def _finish(suite_run: SuiteRun) -> None:
    """Mark the run finished and audit it, once even if two tabs finish it together."""
    finished = claims.finish_once(SuiteRun, suite_run.id, SuiteRun.finished_at.is_(None),
                                  finished_at=utcnow())
    db.session.refresh(suite_run)
    if not finished:
        return
    _compare_with_previous(suite_run)
    counts = {status: suite_run.count(status) for status in (PASSED, FAILED, ERROR)}
    record("campaign.test_suite.run", "test_suite", suite_run.suite_id, dry_run=True,
           summary={"run": suite_run.id, "cases": len(suite_run.results), **counts,
                    "trigger": suite_run.trigger, "trigger_detail": suite_run.trigger_detail,
                    "regression": suite_run.regression,
                    "flipped": [f["case"] for f in suite_run.flips or []]},
           outcome="success" if not counts[FAILED] and not counts[ERROR] else "failure",
           actor=suite_run.actor)  # the worker has no logged-in user: the run's own


def outcomes(suite_run: SuiteRun) -> list[Outcome]:
    return [Outcome(r.case_id, r.case_name, r.status, r.differences or [], r.actual)
            for r in suite_run.results]


def previous_finished(suite_run: SuiteRun) -> SuiteRun | None:
    """The suite's last run that finished before this one started (by ID: runs start in order)."""
    return db.session.scalars(
        sa.select(SuiteRun).where(SuiteRun.suite_id == suite_run.suite_id,
                                  SuiteRun.id < suite_run.id, SuiteRun.finished_at.is_not(None))
        .order_by(SuiteRun.id.desc()).limit(1)).first()


def _compare_with_previous(suite_run: SuiteRun) -> None:
    previous = previous_finished(suite_run)
    if previous is None:
        return
    flipped = flips(outcomes(previous), outcomes(suite_run))
    suite_run.previous_run_id = previous.id
    suite_run.regression = bool(flipped)
    suite_run.flips = flipped or None
    db.session.commit()


def open_regression(suite_id: int) -> SuiteRun | None:
    """The suite's latest regression, while no later finished run has passed every case (a
    later run that still fails keeps it open: the cases are still broken)."""
    latest = db.session.scalars(
        sa.select(SuiteRun).where(SuiteRun.suite_id == suite_id, SuiteRun.regression.is_(True))
        .order_by(SuiteRun.id.desc()).limit(1)).first()
    if latest is None:
        return None
    later = db.session.scalars(
        sa.select(SuiteRun).where(SuiteRun.suite_id == suite_id, SuiteRun.id > latest.id,
                                  SuiteRun.finished_at.is_not(None))).all()
    if any(r.results and all(c.status == PASSED for c in r.results) for r in later):
        return None
    return latest


def open_regressions() -> list[tuple[BenchSuite, SuiteRun]]:
    """(suite, its open regression) for every suite that has one, newest first."""
    suite_ids = db.session.scalars(sa.select(SuiteRun.suite_id).where(SuiteRun.regression.is_(True))
                                   .distinct()).all()
    found = []
    for suite_id in suite_ids:
        regression = open_regression(suite_id)
        if regression is not None:
            found.append((db.session.get(BenchSuite, suite_id), regression))
    return sorted(found, key=lambda pair: pair[1].id, reverse=True)
