"""The worker's part of the test suites (app/queue.py): running a suite's cases, and the
periodic check that starts scheduled runs and runs on campaign changes (watch.py).

- ``run_suite(run_id)``: every case left in the run, one after the other (runs.run_to_end). A
  page that starts a run enqueues it and polls the run's page; closing the page changes nothing.
- ``check_suites``, every minute (Huey periodic, once per minute however many workers): the runs
  watch.check(now) started are enqueued.
- When a worker starts, the runs left unfinished (a worker stopped mid-run) are enqueued again;
  their cases are claimed one at a time (runs.step), so none runs twice, and a case whose worker
  died mid-case is marked as not run after runs.STALE_CLAIM.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..extensions import db
from ..models import utcnow
from ..queue import crontab, queue
from . import runs, watch
from .models import SuiteRun

log = logging.getLogger(__name__)

#: the periodic check's clock: naive UTC now (tests put a fake one here)
clock = utcnow


@queue.task(name="campaigns.run_suite")
def run_suite(run_id: int) -> None:
    runs.run_to_end(run_id)


def enqueue(suite_run: SuiteRun) -> None:
    run_suite.enqueue(suite_run.id)


@queue.periodic(crontab(minute="*"), name="campaigns.check_suites")
def check_suites() -> None:
    started = watch.check(clock())
    for suite_run in started:
        enqueue(suite_run)
    if started:
        log.info("suite check: started runs %s", [r.id for r in started])


@queue.on_worker_start
def resume_unfinished_runs() -> None:
    for run_id in db.session.scalars(sa.select(SuiteRun.id).where(SuiteRun.finished_at.is_(None))):
        run_suite.enqueue(run_id)
