"""Audience memberships of one profile, changed through updateCustomerProfileAudiences."""

from __future__ import annotations

from dataclasses import dataclass

from ..talon import talon
from ..talon.models import Audience, CustomerProfile

AUDIENCE_LIST_LIMIT = 1000


def change_membership(integration_id: str, audience_id: int, action: str) -> None:
    """Add ("add") or remove ("delete") one membership; raises the TalonError of a failure (the
    bulk call reports it per item rather than raising)."""
    result = talon.integration.update_customer_profile_audiences(
        [(integration_id, audience_id, action)])
    for outcome in result.failed:
        raise outcome.error


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
