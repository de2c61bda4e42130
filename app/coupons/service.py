"""What the coupon pages ask of Talon.One: a coupon with its campaign and reservations, the next
free goodwill code, and the two bulk operations (reserve, remove reservations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from flask import current_app

from ..bulk.operations import Operation
from ..campaigns.catalog import aware, campaign_state
from ..talon import talon
from ..talon.errors import TalonError
from ..talon.models import Campaign, Coupon, Reservation

DEFAULT_GOODWILL_PREFIX = "GOODWILL-"
GOODWILL_SEARCH_PAGES = 10  # of 50 codes: how far the widget looks for a free one


@dataclass(frozen=True)
class CouponView:
    coupon: Coupon
    campaign: Campaign | TalonError | None
    reservations: Reservation | TalonError

    @property
    def state(self) -> tuple[str, str]:
        """(badge state, words) of the code as a customer would meet it today."""
        return coupon_state(self.coupon, self.campaign if isinstance(self.campaign, Campaign) else None)


def coupon_state(coupon: Coupon, campaign: Campaign | None) -> tuple[str, str]:
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


def load(code: str) -> CouponView | None:
    """The coupon, its campaign and who reserved it; None when no coupon has this code. The
    campaign and reservations are read in parallel; either may come back as a TalonError, which
    the page shows in its section."""
    coupon = talon.management.find_coupon(code)
    if coupon is None:
        return None
    calls = {"reservations": lambda: talon.integration.get_reserved_customers(coupon.value)}
    if coupon.campaign_id is not None:
        calls["campaign"] = lambda: talon.management.get_campaign(coupon.campaign_id)
    found = talon.fan_out(calls)
    return CouponView(coupon, found.get("campaign"), found["reservations"])


def goodwill_prefix() -> str:
    return current_app.config.get("GOODWILL_COUPON_PREFIX", DEFAULT_GOODWILL_PREFIX)


def next_free_goodwill(*, shown_only: bool = False) -> Coupon | None:
    """The first goodwill code nobody has reserved or used, that is valid now. ``shown_only``:
    the widget only shows it, so the search may come from the read cache (the console's own
    reservations refresh it); reserving reads afresh."""
    prefix = goodwill_prefix()
    for page in range(GOODWILL_SEARCH_PAGES):
        found = talon.management.search_coupons(prefix, exact_match=False, page_size=50,
                                                skip=page * 50, cached=shown_only)
        for coupon in found:
            if (coupon.value.upper().startswith(prefix.upper()) and not coupon.reservation_counter
                    and coupon.uses_left != 0 and coupon_state(coupon, None)[1] == "redeemable"):
                return coupon
        if not found.has_more:
            return None
    return None


def _reserve(code: str, profile_ids: Sequence[str]) -> None:
    talon.integration.create_coupon_reservation(code, profile_ids)


def _unreserve(code: str, profile_ids: Sequence[str]) -> None:
    talon.integration.delete_coupon_reservation(code, profile_ids)


RESERVE = Operation(
    kind="coupon.reserve", title="Reserve", audit_action="coupon.reserve", target_type="coupon",
    done_word="reserved", send=_reserve, chunk_size=500)
UNRESERVE = Operation(
    kind="coupon.unreserve", title="Remove reservations", audit_action="coupon.unreserve",
    target_type="coupon", done_word="removed", send=_unreserve, chunk_size=500)
