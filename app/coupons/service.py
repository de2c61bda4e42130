"""What the coupon pages ask of Talon.One: a coupon with its campaign and reservations, and the
two bulk operations (reserve, remove reservations)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


from ..bulk.operations import Operation
from ..promotions import coupon_state
from ..talon import talon
from ..talon.errors import TalonError
from ..talon.models import Campaign, Coupon, Reservation


@dataclass(frozen=True)
class CouponView:
    coupon: Coupon
    campaign: Campaign | TalonError | None
    reservations: Reservation | TalonError

    @property
    def state(self) -> tuple[str, str]:
        """(badge state, words) of the code as a customer would meet it today."""
        return coupon_state(self.coupon, self.campaign if isinstance(self.campaign, Campaign) else None)


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
