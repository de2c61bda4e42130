"""The application's campaigns as the marketing pages show them: all of them (disabled and
scheduled ones included, which the test bench can still evaluate), each with its state."""

from __future__ import annotations

from datetime import datetime, timezone

from ..talon import talon
from ..talon.models import Campaign

CAMPAIGN_LIMIT = 5000


def all_campaigns() -> list[Campaign]:
    return list(talon.management.iterate(talon.management.list_campaigns, limit=CAMPAIGN_LIMIT))


def campaign_state(campaign: Campaign) -> str:
    """running, disabled, scheduled or expired (Talon.One's frontendState when it sends one)."""
    front = campaign.extra.get("frontendState")
    if isinstance(front, str) and front:
        return front
    now = datetime.now(timezone.utc)
    if campaign.state != "enabled":
        return campaign.state or "disabled"
    if campaign.start_time and aware(campaign.start_time) > now:
        return "scheduled"
    if campaign.end_time and aware(campaign.end_time) <= now:
        return "expired"
    return "running"


def aware(moment: datetime) -> datetime:
    """Talon.One's times carry an offset; a naive one is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
