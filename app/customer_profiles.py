"""A customer profile by integration ID, for any page that acts on one (the profile changes, the
loyalty pages): found, or a 404; its name as staff see it; and where its customer page is."""

from __future__ import annotations

from flask import abort, current_app, url_for

from .talon import talon
from .talon.errors import TalonNotFound
from .talon.models import CustomerProfile
from .validators import integration_id_problem


def customer_name(profile: CustomerProfile) -> str:
    """The name staff see for a customer: the attribute CUSTOMER_NAME_ATTRIBUTE names (the same
    one the search asks by name), else the integration ID."""
    return profile.name_in(current_app.config["CUSTOMER_NAME_ATTRIBUTE"])


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
    """The customer page (DESIGN.md section 3)."""
    return url_for("customers.show", integration_id=integration_id)
