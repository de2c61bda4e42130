"""Audience memberships of one profile, changed through updateCustomerProfileAudiences."""

from __future__ import annotations

from dataclasses import dataclass

from ..talon import talon
from ..talon.models import Audience, CustomerProfile

AUDIENCE_LIST_LIMIT = 1000


def change_membership(integration_id: str, audience_id: int, action: str) -> CustomerProfile | None:
    """Add ("add") or remove ("delete") one membership through the profile update (its
    audiencesChanges), which answers with the profile as it is afterwards."""
    state = talon.integration.update_customer_profile(
        integration_id,
        audiences_add=[audience_id] if action == "add" else None,
        audiences_delete=[audience_id] if action == "delete" else None)
    return state.customer_profile


@dataclass(frozen=True)
class Membership:
    audience: Audience
    member: bool


def memberships(profile: CustomerProfile, audiences: list[Audience]) -> list[Membership]:
    """Every audience, with whether the profile is in it (members first)."""
    ids = set(profile.audience_ids)
    rows = [Membership(audience, audience.id in ids) for audience in audiences]
    return sorted(rows, key=lambda m: (not m.member, m.audience.name.lower()))


def all_audiences() -> list[Audience]:
    return list(talon.management.iterate(talon.management.list_audiences, limit=AUDIENCE_LIST_LIMIT))
