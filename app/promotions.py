"""What state a campaign or a coupon is in today, as staff read it: the coupon page, the
goodwill widget, the test bench and the campaign page all say it the same way."""

from __future__ import annotations

from datetime import datetime, timezone

from .talon.models import Campaign, Coupon


def aware(moment: datetime) -> datetime:
    """Talon.One's times carry an offset; a naive one is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


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


def coupon_state(coupon: Coupon, campaign: Campaign | None) -> tuple[str, str]:
    """(badge state, words) of the code as a customer would meet it today."""
    now = datetime.now(timezone.utc)
    if campaign is not None:
        shown = campaign_state(campaign)
        if shown != "running":
            return "cancelled", f"refused: its campaign is {shown}"
    if coupon.expiry_date and aware(coupon.expiry_date) <= now:
        return "cancelled", "expired"
    if coupon.start_date and aware(coupon.start_date) > now:
        return "partially_returned", "not valid yet"
    if coupon.uses_left == 0:
        return "closed", "used up"
    return "active", "redeemable"
