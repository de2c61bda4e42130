"""What the audience pages ask of Talon.One: reads that the service layer composes (an audience
by ID, a member count), and the two bulk operations (add, remove members).

Audiences are read from the Management API (lists) and changed through the Integration API.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from ..sorting import Column, Sort
from ..talon import talon
from ..talon.errors import TalonError, TalonNotFound
from ..talon.models import Audience, BulkResult, Page
from ..bulk.operations import Operation

MEMBERS_PER_PAGE = 50


def find_audience(audience_id: int) -> Audience | None:
    """The audience with this ID. The Management API reads no single audience (the spec has no
    such operation), so this goes through the list."""
    for audience in talon.management.iterate(talon.management.list_audiences, limit=10_000):
        if audience.id == audience_id:
            return audience
    return None


def all_audiences() -> list[Audience]:
    return list(talon.management.iterate(talon.management.list_audiences, limit=10_000))


@dataclass(frozen=True)
class MemberCount:
    count: int

    def __str__(self) -> str:
        return f"{self.count:,}"


def member_count(audience_id: int) -> MemberCount:
    """Talon.One's own count (getAudiencesAnalytics): one call, however large the audience."""
    counts = talon.management.get_audience_analytics([audience_id])
    if audience_id not in counts:
        raise TalonNotFound(f"Talon.One has no member count for audience {audience_id}.")
    return MemberCount(counts[audience_id])


# The member list's sortable columns: Talon.One sorts the whole list (getAudienceMemberships'
# `sort`, "prefix the field name with `-`" for descending; CustomerProfile's own fields). The
# name is a profile attribute, which no `sort` names: not sortable.
MEMBER_COLUMNS = (
    Column("profile", "Profile", "integrationId"),
    Column("activity", "Last activity", "lastActivity", descending_first=True),
)
MEMBER_ORDER = "profile"


def member_sort(raw: str | None) -> Sort:
    return Sort.read(raw, MEMBER_COLUMNS, MEMBER_ORDER)


def member_page(audience_id: int, page: int, sort: Sort | None = None) -> Page:
    return talon.management.list_audience_members(
        audience_id, sort=(sort or member_sort(None)).param,
        skip=(page - 1) * MEMBERS_PER_PAGE, page_size=MEMBERS_PER_PAGE)


def _raise_refusal(result: BulkResult) -> None:
    """update_customer_profile_audiences reports a refused chunk as failed outcomes; the job
    runner wants the error itself, to find the refused rows."""
    for outcome in result.failed:
        raise outcome.error


def unknown_profiles(profile_ids: Sequence[str]) -> set[str]:
    """The IDs of ``profile_ids`` that Talon.One has no customer profile for. Adding such an ID
    to an audience would create the profile (CustomerProfileAudienceRequestItem), so the job asks
    first. One Integration API read each (an inventory with no parts: the cheapest read of a
    profile; the Management API takes 3 requests a second), run in parallel."""
    answers = talon.fan_out({profile_id: (lambda p=profile_id: talon.integration.get_customer_inventory(
        p, profile=False, referrals=False, coupons=False, loyalty=False, giveaways=False,
        achievements=False)) for profile_id in dict.fromkeys(profile_ids)})
    unknown = set()
    for profile_id, answer in answers.items():
        if isinstance(answer, TalonNotFound):
            unknown.add(profile_id)
        elif isinstance(answer, TalonError):
            raise answer
    return unknown


def _change_members(action: str):
    def send(audience_id: str, profile_ids: Sequence[str]) -> None:
        _raise_refusal(talon.integration.update_customer_profile_audiences(
            (profile_id, int(audience_id), action) for profile_id in profile_ids))

    return send


ADD_MEMBERS = Operation(
    kind="audience.add", title="Add members", audit_action="audience.members.add",
    target_type="audience", done_word="added", send=_change_members("add"), chunk_size=500,
    check=unknown_profiles)
# The marketer who knows the list is new customers (a sign-up export) says so up front: no
# look-ups, which at one Integration API read an ID were most of a large job's time (about 1.6 h
# of 1,000,000; bench/RESULTS.md section 11), and Talon.One creates the profiles it does not know.
ADD_MEMBERS_CREATING = replace(
    ADD_MEMBERS, kind="audience.add.create", title="Add members, creating unknown profiles", check=None)
REMOVE_MEMBERS = Operation(
    kind="audience.remove", title="Remove members", audit_action="audience.members.remove",
    target_type="audience", done_word="removed", send=_change_members("delete"), chunk_size=500)
