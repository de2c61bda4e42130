"""Running a suite: every case re-evaluated and compared with its expectations.

A run stores one result row per case; each POST of the run's progress partial runs the next
case (htmx chaining, one case per request), so a long suite shows live progress without a
background thread, and a closed tab simply leaves the run to be continued from its page. A
case is claimed before it runs and the run is finished once, as bulk jobs do (app.bulk.claims),
so two tabs never run a case twice nor audit the run twice.
"""

from __future__ import annotations

from datetime import timedelta

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
from .models import ERROR, FAILED, PASSED, BenchCase, BenchSuite, CaseResult, SuiteRun


def start(suite: BenchSuite, actor: str | None) -> SuiteRun:
    suite_run = SuiteRun(suite_id=suite.id, actor=actor)
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
    counts = {status: suite_run.count(status) for status in (PASSED, FAILED, ERROR)}
    record("campaign.test_suite.run", "test_suite", suite_run.suite_id, dry_run=True,
           summary={"run": suite_run.id, "cases": len(suite_run.results), **counts},
           outcome="success" if not counts[FAILED] and not counts[ERROR] else "failure")
