"""The state of one evaluation: the cart, what was given so far, and what was emitted.

`EvaluationContext` is built once per `evaluate` call; `RuleScope` once per rule. Conditions read
them, effects write to them. Keeping the running discount totals here is what caps discounts at
the cart's value however many campaigns stack.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.rules_money import ZERO, dec
from sandbox.rules_schedule import campaign_is_evaluable, campaign_is_running, parse_time

if TYPE_CHECKING:
    from sandbox.engine import EvaluationRequest

# Fixed namespace so that transaction UUIDs are reproducible across runs and machines.
TRANSACTION_NAMESPACE = uuid.UUID("5b1f7c1e-2f0b-4d7e-9d3a-7a1e0c7d5a10")


@dataclass
class CartLine:
    """One cart item with its Decimal money, as the conditions and effects need it."""

    position: int
    sku: str
    category: str
    quantity: int
    price: Decimal
    attributes: dict

    @property
    def value(self) -> Decimal:
        return self.price * self.quantity


def cart_lines(cart_items: list[dict]) -> list[CartLine]:
    """Cart items as CartLines; an item without `position` takes its index, as in Talon.One."""
    return [
        CartLine(
            position=int(item.get("position", index)),
            sku=str(item.get("sku", "")),
            category=str(item.get("category") or ""),
            quantity=int(item.get("quantity") or 0),
            price=dec(item.get("price")),
            attributes=item.get("attributes") or {},
        )
        for index, item in enumerate(cart_items or [])
    ]


@dataclass
class RuleScope:
    """One rule being evaluated, and the coupon, referral and card its conditions put in scope."""

    campaign: dict
    rule_index: int
    rule: dict
    coupon: dict | None = None
    referral: dict | None = None
    card: dict | None = None
    # The session's code of this campaign that a code condition looked at and refused: a
    # RuleFailureReason names "the coupon [referral] that was being evaluated at the time of the
    # rule failure" (talon-openapi.json, RuleFailureReason.couponID / referralID).
    evaluated_coupon: dict | None = None
    evaluated_referral: dict | None = None

    @property
    def title(self) -> str:
        return self.rule.get("title", "")


@dataclass
class EvaluationContext:
    request: Any
    session: dict
    profile: dict
    profile_id: str
    lines: list[CartLine]
    subtotal: Decimal
    salt: str
    discount_total: Decimal = ZERO
    # Per-item discounts given so far, by (position, subPosition): one unit of a flattened line.
    item_discounts: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    effects: list[dict] = field(default_factory=list)
    rule_failures: list[dict] = field(default_factory=list)
    # Codes accepted so far: value -> campaign id. One coupon per campaign, one referral.
    accepted_coupons: dict[str, int] = field(default_factory=dict)
    accepted_referral: str | None = None
    # Where each code first failed a rule of its own campaign: for CouponRejectedByCondition.
    code_condition_failures: dict[str, tuple[RuleScope, int]] = field(default_factory=dict)
    evaluated_campaign_ids: set[int] = field(default_factory=set)
    _coupons: dict[str, dict | None] = field(default_factory=dict)
    _cards: dict[str, dict | None] = field(default_factory=dict)
    _referral: tuple[dict | None] | None = None

    @classmethod
    def from_request(cls, request: "EvaluationRequest") -> "EvaluationContext":
        session = request.session
        profile = request.profile or {}
        lines = cart_lines(session.get("cartItems"))
        return cls(
            request=request,
            session=session,
            profile=profile,
            profile_id=str(profile.get("integrationId") or session.get("profileId") or ""),
            lines=lines,
            subtotal=sum((line.value for line in lines), ZERO),
            salt=f"{request.application_id}:{session.get('integrationId', '')}:"
                 f"{session.get('updateCount', 0)}",
        )

    # --- what runs --------------------------------------------------------------------------

    @property
    def now(self):
        return self.request.now

    def campaign_runs(self, campaign: dict) -> bool:
        """Listed in evaluable_campaign_ids and in its schedule (even when disabled), or else
        enabled and in its schedule; always as seen from `now`."""
        listed = self.request.evaluable_campaign_ids
        if listed is not None:
            runs = campaign["id"] in listed and campaign_is_evaluable(campaign, self.now)
        else:
            runs = campaign_is_running(campaign, self.now)
        if runs:
            self.evaluated_campaign_ids.add(campaign["id"])
        return runs

    def campaign_by_id(self, campaign_id: int) -> dict | None:
        return next((c for c in self.request.campaigns if c["id"] == campaign_id), None)

    # --- look-ups, each made once per evaluation ---------------------------------------------

    def coupon(self, value: str) -> dict | None:
        if value not in self._coupons:
            self._coupons[value] = self.request.coupon(value)
        return self._coupons[value]

    def referral(self) -> dict | None:
        code = self.session.get("referralCode") or ""
        if not code:
            return None
        if self._referral is None:
            self._referral = (self.request.referral(code),)
        return self._referral[0]

    def card(self, identifier: str) -> dict | None:
        if identifier not in self._cards:
            self._cards[identifier] = self.request.loyalty_card(identifier)
        return self._cards[identifier]

    def coupon_codes(self) -> list[str]:
        # A code sent twice is one code, as in Talon.One.
        return list(dict.fromkeys(self.session.get("couponCodes") or []))

    # --- money left to discount ---------------------------------------------------------------

    def cart_remaining(self) -> Decimal:
        return max(self.subtotal - self.discount_total, ZERO)

    def unit_remaining(self, line: CartLine, unit: int) -> Decimal:
        return max(line.price - self.item_discounts.get((line.position, unit), ZERO), ZERO)

    def record_discount(self, amount: Decimal, unit: tuple[int, int] | None = None) -> None:
        self.discount_total += amount
        if unit is not None:
            self.item_discounts[unit] = self.item_discounts.get(unit, ZERO) + amount

    # --- output -----------------------------------------------------------------------------

    def emit(self, scope: RuleScope, effect_type: str, props: dict) -> dict:
        effect = envelope(scope.campaign, scope.rule_index, scope.title, effect_type, props)
        if scope.coupon is not None:
            effect["triggeredByCoupon"] = scope.coupon["id"]
        self.effects.append(effect)
        return effect

    def fail(self, scope: RuleScope, details: str, *, condition_index: int | None = None,
             effect_index: int | None = None) -> None:
        """Record a spec RuleFailureReason for this rule."""
        campaign = scope.campaign
        reason = {
            "campaignID": campaign["id"],
            "campaignName": campaign.get("name", ""),
            "rulesetID": ruleset_id(campaign),
            "ruleIndex": scope.rule_index,
            "ruleName": scope.title,
            "details": details,
        }
        if condition_index is not None:
            reason["conditionIndex"] = condition_index
        if effect_index is not None:
            reason["effectIndex"] = effect_index
        coupon = scope.coupon or scope.evaluated_coupon
        if coupon is not None:
            reason["couponID"] = coupon["id"]
            reason["couponValue"] = coupon["value"]
        referral = scope.referral or scope.evaluated_referral
        if referral is not None:
            reason["referralID"] = referral["id"]
            reason["referralValue"] = referral["code"]
        self.rule_failures.append(reason)

    def stable_id(self, scope: RuleScope, effect_index: int, *extra: str) -> str:
        """A deterministic identifier for something this effect creates (ledger entry, code)."""
        return (f"{self.salt}:{scope.campaign['id']}:{scope.rule_index}:{effect_index}:"
                + ":".join(extra))

    def transaction_uuid(self, scope: RuleScope, effect_index: int, recipient: str) -> str:
        return str(uuid.uuid5(TRANSACTION_NAMESPACE, self.stable_id(scope, effect_index, recipient)))

    def code_token(self, scope: RuleScope, effect_index: int, length: int = 8) -> str:
        digest = hashlib.sha256(self.stable_id(scope, effect_index).encode()).hexdigest()
        return digest[:length].upper()

    def is_past(self, value) -> bool:
        moment = parse_time(value)
        return moment is not None and moment <= self.now

    def is_future(self, value) -> bool:
        moment = parse_time(value)
        return moment is not None and moment > self.now


def ruleset_id(campaign: dict) -> int:
    return int(campaign.get("activeRulesetId") or campaign["id"])


def envelope(campaign: dict, rule_index: int, rule_name: str, effect_type: str,
             props: dict) -> dict:
    """A spec `Effect` with its required envelope fields."""
    return {
        "campaignId": campaign["id"],
        "rulesetId": ruleset_id(campaign),
        "ruleIndex": rule_index,
        "ruleName": rule_name,
        "effectType": effect_type,
        "props": props,
    }
