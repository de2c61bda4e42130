"""The campaigns a referral code can be created in."""

from __future__ import annotations

from ..talon import talon
from ..talon.models import Campaign

CAMPAIGN_LIST_LIMIT = 1000


def referral_campaigns() -> list[Campaign]:
    """Campaigns with the referrals feature, enabled ones first."""
    campaigns = talon.management.iterate(talon.management.list_campaigns, limit=CAMPAIGN_LIST_LIMIT)
    found = [c for c in campaigns if "referrals" in (c.features or [])]
    return sorted(found, key=lambda c: (not c.is_enabled, c.name.lower()))
