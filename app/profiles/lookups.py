"""Reads the profile pages share with the loyalty pages: a profile by integration ID (404 when
there is none), where its customer page is, and the referral campaigns."""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, current_app, url_for

from ..talon import talon
from ..talon.errors import TalonNotFound
from ..talon.models import Campaign, CustomerProfile
from ..validators import integration_id_problem

CAMPAIGN_LIST_LIMIT = 1000


def find_profile(integration_id: str) -> CustomerProfile | None:
    """The profile, or None when Talon.One has none with this ID. TalonErrors propagate.
    Read through the Integration API (no published cap), not the Management API's 3 per second."""
    try:
        return talon.integration.get_customer_profile(integration_id)
    except TalonNotFound:
        return None


def profile_or_404(integration_id: str) -> CustomerProfile:
    problem = integration_id_problem(integration_id)
    if problem:
        abort(404, description=problem)
    profile = find_profile(integration_id)
    if profile is None:
        abort(404, description=f"Talon.One has no customer profile {integration_id}.")
    return profile


def customer_url(integration_id: str) -> str:
    """The customer page (DESIGN.md section 3); the profile edit page until that area exists."""
    if "customers.show" in current_app.view_functions:
        return "/customers/" + quote(integration_id, safe="")
    return url_for("profiles.edit_attributes", integration_id=integration_id)


def referral_campaigns() -> list[Campaign]:
    """Campaigns with the referrals feature, enabled ones first."""
    campaigns = talon.management.iterate(talon.management.list_campaigns, limit=CAMPAIGN_LIST_LIMIT)
    found = [c for c in campaigns if "referrals" in (c.features or [])]
    return sorted(found, key=lambda c: (not c.is_enabled, c.name.lower()))
