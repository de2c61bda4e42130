"""The application's campaigns as the marketing pages show them: all of them (disabled and
scheduled ones included, which the test bench can still evaluate), each with its state."""

from __future__ import annotations

from datetime import datetime, timezone

from ..promotions import aware
from ..talon import talon
from ..talon.models import Campaign

CAMPAIGN_LIMIT = 5000


def all_campaigns() -> list[Campaign]:
    return list(talon.management.iterate(talon.management.list_campaigns, limit=CAMPAIGN_LIMIT))


def schedule_window(campaign: Campaign) -> str:
    """The campaign's schedule in words: "from … until …" (UTC), or "" when it has none."""
    start = aware(campaign.start_time).strftime("%Y-%m-%d %H:%M UTC") if campaign.start_time else None
    end = aware(campaign.end_time).strftime("%Y-%m-%d %H:%M UTC") if campaign.end_time else None
    if start and end:
        return f"from {start} until {end}"
    if start:
        return f"from {start}"
    return f"until {end}" if end else ""


def window_that_matters(campaign: Campaign) -> str:
    """The window of a campaign that has an end or has not started: what a marketer must pick
    an evaluation time inside of (a campaign running since some past day needs none)."""
    now = datetime.now(timezone.utc)
    if campaign.end_time or (campaign.start_time and aware(campaign.start_time) > now):
        return schedule_window(campaign)
    return ""


def in_schedule(campaign: Campaign, moment: datetime) -> bool:
    """startTime <= moment < endTime: Talon.One evaluates a campaign only then, listed or not
    ("its rules are evaluated when its scheduled period is reached", docs.talon.one, Managing
    campaigns; evaluableCampaignIds lifts a disabled state, not the schedule)."""
    moment = aware(moment)
    return ((campaign.start_time is None or aware(campaign.start_time) <= moment)
            and (campaign.end_time is None or moment < aware(campaign.end_time)))
