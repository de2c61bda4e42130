"""Work stepped one claim at a time (app/bulk/claims.py), shared by bulk jobs and suite runs: a
step left claimed by a console that stopped expires instead of holding the run forever, and a
run is finished (and audited) once. The bulk registry fills from create_app's blueprints."""

from __future__ import annotations

from datetime import timedelta

from app.bulk import claims
from app.bulk.operations import EXTENSION
from app.campaigns import runs
from app.campaigns.models import ERROR, BenchCase, BenchSuite, CaseResult, SuiteRun
from app.extensions import db
from app.models import AuditEntry, utcnow


def _suite(cases: int) -> BenchSuite:
    suite = BenchSuite(name="Stale", campaign_id=2, owner="marketer")
    suite.cases = [BenchCase(name=f"case {n}", owner="marketer", request={"campaign_ids": [2]},
                             expectations={}) for n in range(cases)]
    db.session.add(suite)
    db.session.commit()
    return suite


def test_a_case_left_claimed_by_a_stopped_console_expires_and_the_run_finishes_once(app):
    with app.test_request_context():
        suite_run = runs.start(_suite(1), "marketer")
        [left] = claims.claim_next(CaseResult, CaseResult.run_id == suite_run.id, limit=5,
                                   order_by=(CaseResult.position,))
        # a fresh claim belongs to a request still running it: nobody else takes it
        assert claims.claim_next(CaseResult, CaseResult.run_id == suite_run.id, limit=5,
                                 order_by=(CaseResult.position,)) == []
        left.claimed_at = utcnow() - runs.STALE_CLAIM - timedelta(seconds=1)
        db.session.commit()

        assert runs.step(suite_run) is None  # nothing left to run: the stale case expired
        db.session.refresh(left)
        assert left.status == ERROR and "stopped while running this case" in left.differences[0]
        assert db.session.get(SuiteRun, suite_run.id).finished_at is not None
        assert runs.step(suite_run) is None
        audited = db.session.query(AuditEntry).filter_by(action="campaign.test_suite.run").all()
        assert len(audited) == 1 and audited[0].summary["error"] == 1


def test_finish_once_lets_one_finisher_through(app):
    with app.test_request_context():
        suite_run = runs.start(_suite(1), "marketer")
        unfinished = SuiteRun.finished_at.is_(None)
        assert claims.finish_once(SuiteRun, suite_run.id, unfinished, finished_at=utcnow())
        assert not claims.finish_once(SuiteRun, suite_run.id, unfinished, finished_at=utcnow())


def test_the_bulk_operations_are_those_the_areas_mount(app):
    assert sorted(app.extensions[EXTENSION]) == [
        "audience.add", "audience.add.create", "audience.remove", "coupon.reserve", "coupon.unreserve"]
    pages = {kind: entry.pages.blueprint for kind, entry in app.extensions[EXTENSION].items()}
    assert pages == {"audience.add": "audiences", "audience.add.create": "audiences", "audience.remove": "audiences",
                     "coupon.reserve": "coupons", "coupon.unreserve": "coupons"}
