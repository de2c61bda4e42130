"""The periodic check behind scheduled suite runs: which suites are due, and which campaigns
changed since the check last looked.

``check(now)`` is what the worker's periodic task calls (``now`` injected, naive UTC): it starts
a run (pending; the caller enqueues it to the worker) for

- every suite whose schedule has a slot due (schedules.py), trigger SCHEDULE;
- every suite watching its campaign (``on_change``) whose campaign's ``updated`` time differs
  from the one the check saw last (CampaignWatch), trigger CAMPAIGN_CHANGE. Talon.One moves
  ``updated`` on every change of the campaign's properties (spec, Campaign.updated); the first
  sight of a campaign only records it.

Reading the campaigns costs one Management request (getCampaigns, 1,000 a page) through the
shared read cache (TALON_CACHE_TTL), as bulk work (it leaves the budget to pages), and only when
some suite watches changes or runs before a start. If Talon.One cannot be asked, the schedules
still fire (BEFORE_START from the start time seen last) and the changes wait for the next check.

Several workers may run the check at once (one scheduler per machine): a slot is fired and a
change is taken by one conditional UPDATE each, so each starts one run, once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import utcnow
from ..promotions import aware
from ..talon.budget import as_bulk
from ..talon.errors import TalonError
from . import catalog, runs, schedules
from .models import (BEFORE_START, CAMPAIGN_CHANGE, OFF, SCHEDULE, BenchSuite, CampaignWatch,
                     SuiteRun)

log = logging.getLogger(__name__)


def _naive(moment: datetime | None) -> datetime | None:
    return aware(moment).astimezone(timezone.utc).replace(tzinfo=None) if moment is not None else None


def _stamp(moment: datetime | None) -> str | None:
    return aware(moment).astimezone(timezone.utc).isoformat() if moment is not None else None


@as_bulk  # a background read: pages go first
def _campaigns() -> dict:
    return {c.id: c for c in catalog.all_campaigns()}


def check(now: datetime | None = None) -> list[SuiteRun]:
    """Start the runs that are due at ``now``; the runs started (their cases pending)."""
    now = now or utcnow()
    suites = db.session.scalars(sa.select(BenchSuite).where(
        sa.or_(BenchSuite.schedule != OFF, BenchSuite.on_change.is_(True)))
        .order_by(BenchSuite.id)).all()
    if not suites:
        return []
    started: list[SuiteRun] = []
    if any(s.on_change or s.schedule == BEFORE_START for s in suites):
        started += _changes(suites, now)
    for suite in suites:
        suite_run = _fire_schedule(suite, now)
        if suite_run is not None:
            started.append(suite_run)
    return started


def _changes(suites: list[BenchSuite], now: datetime) -> list[SuiteRun]:
    try:
        campaigns = _campaigns()
    except TalonError as exc:
        log.warning("suite check: could not read the campaigns (%s); changes wait for the next "
                    "check", exc)
        return []
    started = []
    for campaign_id in sorted({s.campaign_id for s in suites}):
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            continue
        updated = _stamp(campaign.updated or campaign.created)
        watch = db.session.get(CampaignWatch, campaign_id)
        if watch is None:
            _first_sight(campaign_id, updated, _naive(campaign.start_time), now)
            continue
        db.session.execute(sa.update(CampaignWatch).where(CampaignWatch.campaign_id == campaign_id)
                           .values(start_time=_naive(campaign.start_time), seen_at=now))
        took = db.session.execute(
            sa.update(CampaignWatch).where(CampaignWatch.campaign_id == campaign_id,
                                           CampaignWatch.updated == watch.updated)
            .values(updated=updated)).rowcount if updated != watch.updated else 0
        db.session.commit()
        if not took:
            continue
        detail = f"campaign {campaign_id} “{campaign.name}” updated {updated}"
        for suite in suites:
            if suite.campaign_id == campaign_id and suite.on_change:
                started.append(runs.start(suite, None, trigger=CAMPAIGN_CHANGE, detail=detail))
    return started


def _first_sight(campaign_id: int, updated: str | None, start_time, now: datetime) -> None:
    db.session.add(CampaignWatch(campaign_id=campaign_id, updated=updated, start_time=start_time,
                                 seen_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # another worker's check saw it first
        db.session.rollback()


def _fire_schedule(suite: BenchSuite, now: datetime) -> SuiteRun | None:
    if suite.schedule == OFF:
        return None
    start_time = None
    if suite.schedule == BEFORE_START:
        watch = db.session.get(CampaignWatch, suite.campaign_id)
        start_time = watch.start_time if watch else None
    slot = schedules.due_slot(suite.schedule, now, time_of_day=suite.schedule_time,
                              since=suite.schedule_since, fired=suite.schedule_fired,
                              start_time=start_time, soon_hours=suite.soon_hours)
    if slot is None:
        return None
    took = db.session.execute(
        sa.update(BenchSuite).where(BenchSuite.id == suite.id, sa.or_(
            BenchSuite.schedule_fired.is_(None), BenchSuite.schedule_fired < slot))
        .values(schedule_fired=slot)).rowcount
    db.session.commit()
    if not took:
        return None
    db.session.refresh(suite)
    words = {"nightly": f"nightly at {suite.schedule_time} UTC", "hourly": "hourly",
             "before_start": f"hourly, campaign starts within {suite.soon_hours} h"}
    return runs.start(suite, None, trigger=SCHEDULE,
                      detail=f"{words.get(suite.schedule, suite.schedule)}, slot "
                             f"{slot:%Y-%m-%d %H:%M} UTC")
