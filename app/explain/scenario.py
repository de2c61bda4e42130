"""One evaluation the explanation asks Talon.One for: a session's content as a dry run.

Every dry run goes to a new, throwaway session ID (``whynot-…``): Talon.One evaluates a dry
run's payload alone (talon-openapi.json, updateCustomerSessionV2: "dry … the session is not
saved"), so the session's own ID adds nothing, and a new ID can be evaluated as open or closed
whatever state the real session has reached since (a cancelled or returned session cannot be
moved back to closed, even in a dry run). Nothing is ever saved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from ..talon import talon
from ..talon.models import CartItem, Coupon, Effect, IntegrationState, RuleFailure, Session

PROBE_SESSION_PREFIX = "whynot-"
REJECTIONS = ("rejectCoupon", "rejectReferral")
RESPONSE_CONTENT = ("customerSession", "ruleFailureReasons", "triggeredCampaigns", "coupons",
                    "referral")
CENT = Decimal("0.01")


def cents(amount: Decimal, rounding: str | None = None) -> Decimal:
    """An amount to the cent. The spec bounds neither a price nor a quantity, so a sum may need
    more digits than the decimal context holds (or be infinite): that one is kept as it is."""
    try:
        return amount.quantize(CENT, rounding=rounding)
    except InvalidOperation:
        return amount


@dataclass(frozen=True)
class Scenario:
    """A session's content to evaluate: who, where, what is in the cart, which codes and cards."""

    profile_id: str | None
    store_integration_id: str | None = None
    state: str = "open"
    cart_items: tuple[CartItem, ...] = ()
    coupon_codes: tuple[str, ...] = ()
    referral_code: str | None = None
    loyalty_cards: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    #: a later evaluation time (a dry run's ``now``), for codes and campaigns that start later
    now: datetime | None = None
    #: evaluate exactly these campaigns (a dry run's ``evaluableCampaignIds``)
    evaluable_campaign_ids: tuple[int, ...] | None = None

    @classmethod
    def of_session(cls, session: Session) -> "Scenario":
        """The session as Talon.One evaluated it: an open session as it is now, any other as it
        was when it closed (its full cart, before any return)."""
        return cls(
            profile_id=session.profile_id or None,
            store_integration_id=session.store_integration_id or None,
            state="open" if session.state == "open" else "closed",
            cart_items=tuple(session.cart_items),
            coupon_codes=tuple(session.coupon_codes or ()),
            referral_code=session.referral_code or None,
            loyalty_cards=tuple(session.loyalty_cards or ()),
            attributes=dict(session.attributes or {}),
        )

    @property
    def subtotal(self) -> Decimal:
        return cents(sum((Decimal(str(item.price or 0)) * item.quantity
                          for item in self.cart_items), Decimal(0)))

    def but(self, **changes: Any) -> "Scenario":
        return replace(self, **changes)

    def with_item(self, item: CartItem) -> "Scenario":
        return replace(self, cart_items=(*self.cart_items, item))

    def evaluate(self) -> "Outcome":
        """One dry run (raises TalonError)."""
        state = talon.integration.update_customer_session(
            f"{PROBE_SESSION_PREFIX}{uuid.uuid4().hex[:20]}",
            dry=True,
            profile_id=self.profile_id,
            store_integration_id=self.store_integration_id,
            state=self.state,
            cart_items=list(self.cart_items),
            coupon_codes=list(self.coupon_codes),
            referral_code=self.referral_code,
            loyalty_cards=list(self.loyalty_cards),
            attributes=dict(self.attributes),
            evaluable_campaign_ids=self.evaluable_campaign_ids,
            now=self.now,
            response_content=list(RESPONSE_CONTENT),
        )
        return Outcome.of(state)


@dataclass(frozen=True)
class Outcome:
    """What one dry run answered, read for the explanation."""

    state: IntegrationState
    triggered_campaign_ids: frozenset[int]
    coupon_rejections: Mapping[str, Effect]
    referral_rejection: Effect | None
    failures: tuple[RuleFailure, ...]

    @classmethod
    def of(cls, state: IntegrationState) -> "Outcome":
        coupon_rejections = {str(e.prop("value") or ""): e for e in state.effects_of_type("rejectCoupon")}
        referral = next(iter(state.effects_of_type("rejectReferral")), None)
        # A rejection names the code's campaign without that campaign having applied.
        triggered = {c.id for c in state.triggered_campaigns if c.id is not None}
        triggered |= {e.campaign_id for e in state.effects
                      if e.effect_type not in REJECTIONS and e.campaign_id}
        return cls(state, frozenset(triggered), coupon_rejections, referral, state.failures)

    def coupon_accepted(self, code: str) -> bool:
        return code not in self.coupon_rejections and any(
            e.prop("value") == code for e in self.state.effects_of_type("acceptCoupon"))

    def referral_accepted(self, code: str) -> bool:
        return self.referral_rejection is None and any(
            e.prop("value") == code for e in self.state.effects_of_type("acceptReferral"))

    def coupon(self, code: str) -> Coupon | None:
        """The coupon as the answer's ``coupons`` shows it (Talon.One lists the codes it
        processed), or None."""
        return next((c for c in self.state.coupons if c.value == code), None)

    def effects_of(self, campaign_id: int) -> tuple[Effect, ...]:
        return tuple(e for e in self.state.effects
                     if e.campaign_id == campaign_id and e.effect_type not in REJECTIONS)

    def failures_of(self, campaign_id: int) -> tuple[RuleFailure, ...]:
        return tuple(f for f in self.failures if f.campaign_id == campaign_id)
