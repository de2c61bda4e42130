"""The campaign test bench: one dry-run evaluation of a composed cart against chosen campaigns.

BenchInput is what a marketer composes (and what a saved test case stores, as plain JSON);
run() sends it to Talon.One as a dry run of a throwaway session (``testbench-<uuid>``) with
evaluableCampaignIds, so disabled and scheduled campaigns are evaluated too, and asks for the
triggered campaigns and the rule failure reasons. A dry run persists nothing: not the session,
not a new profile, not coupon usage, points or budgets.

Profile attributes cannot be changed inside a session dry run (Talon.One evaluates the stored
profile). When some are given, a second dry run updates the profile with them, which shows the
rules a profile change triggers; both are labelled as such on the page.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ..formatting import effect_wording
from ..promotions import campaign_state
from ..talon import talon
from ..talon.effects import EffectLine
from ..talon.errors import TalonError
from ..talon.models import CartItem, Effect, IntegrationState

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
THROWAWAY_PREFIX = "testbench-"
RESPONSE_CONTENT = ("customerSession", "triggeredCampaigns", "ruleFailureReasons", "coupons",
                    "referral")
PROFILE_RESPONSE_CONTENT = ("triggeredCampaigns", "ruleFailureReasons")
# Effect types whose props.value is money off the cart (summed for the totals).
DISCOUNT_TYPES = frozenset({"setDiscount", "setDiscountPerItem", "setDiscountPerAdditionalCost",
                            "setDiscountPerAdditionalCostPerItem"})
REJECTIONS = frozenset({"rejectCoupon", "rejectReferral"})
PROFILE_MODES = ("existing", "throwaway", "anonymous")
SESSION_STATES = ("open", "closed")


def throwaway_id() -> str:
    return f"{THROWAWAY_PREFIX}{uuid.uuid4()}"


@dataclass
class BenchInput:
    """Everything one evaluation needs, as JSON-safe values (saved cases store to_dict())."""

    campaign_ids: list[int]
    cart: list[dict] = field(default_factory=list)  # {sku, quantity, price, category}
    coupon_codes: list[str] = field(default_factory=list)
    referral_code: str = ""
    loyalty_cards: list[str] = field(default_factory=list)
    session_attributes: dict = field(default_factory=dict)
    profile_attributes: dict = field(default_factory=dict)
    profile_mode: str = "throwaway"
    profile_id: str = ""
    state: str = "open"
    now: str = ""  # RFC 3339, in the future, or empty for "now"

    def to_dict(self) -> dict:
        return {
            "campaign_ids": list(self.campaign_ids), "cart": [dict(i) for i in self.cart],
            "coupon_codes": list(self.coupon_codes), "referral_code": self.referral_code,
            "loyalty_cards": list(self.loyalty_cards),
            "session_attributes": dict(self.session_attributes),
            "profile_attributes": dict(self.profile_attributes),
            "profile_mode": self.profile_mode, "profile_id": self.profile_id,
            "state": self.state, "now": self.now,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "BenchInput":
        """From a dict that portable.check_case (or the form) has already validated."""
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})

    def cart_items(self) -> list[CartItem]:
        return [CartItem(sku=i["sku"], quantity=int(i["quantity"]), price=float(i["price"]),
                         category=i.get("category") or None)
                for i in self.cart]


def now_problem(text: str, *, clock: datetime | None = None) -> str | None:
    """Why `text` cannot be the evaluation time, or None (RFC 3339 with seconds and an offset,
    at least a minute ahead so it is still in the future when Talon.One reads it)."""
    if not RFC3339.match(text):
        return "Use RFC 3339 with seconds and a time zone, e.g. 2030-12-05T10:00:00Z."
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return "Not a real date and time (check the day, month and hour)."
    current = clock or datetime.now(timezone.utc)
    if moment <= current + timedelta(minutes=1):
        return (f"The evaluation time must be in the future (now is "
                f"{current.strftime('%Y-%m-%dT%H:%M:%SZ')}); leave it empty to evaluate now.")
    return None


@dataclass(frozen=True)
class CampaignOutcome:
    campaign_id: int
    name: str
    state: str
    triggered: bool
    failures: tuple[str, ...]  # the rule failure reasons, in words
    window: str = ""           # its schedule in words ("" when it has none)
    in_schedule: bool = True   # at the evaluation time: outside, Talon.One does not evaluate it


@dataclass(frozen=True)
class BenchResult:
    """What one evaluation showed, ready for the page and for comparing with expectations."""

    input: BenchInput
    session_id: str
    profile_id: str
    lines: tuple[EffectLine, ...]
    effects: tuple[Effect, ...]
    campaigns: tuple[CampaignOutcome, ...]
    subtotal: Decimal
    discount: Decimal
    points_added: Decimal
    coupons_accepted: tuple[str, ...]
    coupons_rejected: tuple[tuple[str, str], ...]  # (code, rejection reason)
    profile_lines: tuple[EffectLine, ...] = ()
    profile_error: TalonError | None = None

    @property
    def total(self) -> Decimal:
        return max(Decimal("0"), self.subtotal - self.discount)

    @property
    def effect_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.effect_type for e in self.effects))

    def amount_of(self, effect_type: str) -> Decimal:
        """The sum of props.value over the effects of this type (money or points)."""
        total = Decimal("0")
        for effect in self.effects:
            if effect.effect_type == effect_type:
                total += _decimal(effect.prop("value"))
        return total

    def summary(self) -> dict:
        """A short JSON summary (audit log, saved run results)."""
        return {
            "session": self.session_id, "profile": self.profile_id,
            "triggered": [c.campaign_id for c in self.campaigns if c.triggered],
            "effects": list(self.effect_types), "discount": str(self.discount),
            "coupons_accepted": list(self.coupons_accepted),
            "coupons_rejected": [list(r) for r in self.coupons_rejected],
        }


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except Exception:  # noqa: BLE001 - a prop that is not a number counts as nothing
        return Decimal("0")


def run(bench: BenchInput, campaigns: dict[int, Any]) -> BenchResult:
    """Evaluate `bench` as a dry run. `campaigns` maps ID → Campaign (names and states for the
    page). Raises TalonError when the session dry run fails; a failing profile dry run is kept
    on the result instead, so the session's answer still shows."""
    from .catalog import in_schedule, schedule_window

    session_id = throwaway_id()
    profile_id = {"existing": bench.profile_id, "throwaway": throwaway_id(),
                  "anonymous": ""}[bench.profile_mode]
    items = bench.cart_items()
    state = talon.integration.update_customer_session(
        session_id, profile_id=profile_id or None, state=bench.state, cart_items=items,
        coupon_codes=bench.coupon_codes, referral_code=bench.referral_code or None,
        loyalty_cards=bench.loyalty_cards, attributes=bench.session_attributes,
        evaluable_campaign_ids=bench.campaign_ids, response_content=RESPONSE_CONTENT,
        dry=True, now=bench.now or None)
    names = {cid: c.name for cid, c in campaigns.items()}
    wording = effect_wording(cart_items=items, campaign_names=names)
    profile_lines, profile_error = (), None
    if bench.profile_attributes and profile_id:
        try:
            profile_state = talon.integration.update_customer_profile(
                profile_id, attributes=bench.profile_attributes,
                evaluable_campaign_ids=bench.campaign_ids,
                response_content=PROFILE_RESPONSE_CONTENT, dry=True)
            profile_lines = tuple(wording.describe_all(profile_state.effects))
        except TalonError as exc:
            profile_error = exc
    subtotal = sum((Decimal(str(i["price"])) * int(i["quantity"]) for i in bench.cart),
                   Decimal("0"))
    effects = state.effects
    return BenchResult(
        input=bench, session_id=session_id, profile_id=profile_id,
        lines=tuple(wording.describe_all(effects)), effects=effects,
        campaigns=_campaign_outcomes(bench.campaign_ids, state, campaigns, campaign_state,
                                     lambda c: (schedule_window(c), in_schedule(c, _evaluated_at(bench)))),
        subtotal=subtotal,
        discount=sum((_decimal(e.prop("value")) for e in effects
                      if e.effect_type in DISCOUNT_TYPES), Decimal("0")),
        points_added=sum((_decimal(e.prop("value")) for e in effects
                          if e.effect_type == "addLoyaltyPoints"), Decimal("0")),
        coupons_accepted=tuple(str(e.prop("value")) for e in effects
                               if e.effect_type == "acceptCoupon"),
        coupons_rejected=tuple((str(e.prop("value")), str(e.prop("rejectionReason") or ""))
                               for e in effects if e.effect_type == "rejectCoupon"),
        profile_lines=profile_lines, profile_error=profile_error,
    )


def _evaluated_at(bench: BenchInput) -> datetime:
    """The `now` of the dry run: the chosen time, else the current one."""
    if bench.now:
        return datetime.fromisoformat(bench.now.replace("Z", "+00:00"))
    return datetime.now(timezone.utc)


def _campaign_outcomes(chosen: list[int], state: IntegrationState, campaigns: dict,
                       campaign_state, schedule=lambda c: ("", True)) -> tuple[CampaignOutcome, ...]:
    # A rejection is reported by the coupon's campaign without that campaign having applied.
    triggered = {c.id for c in state.triggered_campaigns}
    triggered |= {e.campaign_id for e in state.effects
                  if e.campaign_id is not None and e.effect_type not in REJECTIONS}
    reasons: dict[int, list[str]] = {}
    for failure in state.rule_failure_reasons or ():
        if not isinstance(failure, dict):
            continue
        campaign_id = failure.get("campaignID")
        rule = failure.get("ruleName") or f"rule {failure.get('ruleIndex', '?')}"
        details = failure.get("details") or "its conditions were not met"
        code = failure.get("couponValue") or failure.get("referralValue")
        text = f"{rule}: {details}" + (f" (code {code})" if code else "")
        reasons.setdefault(campaign_id, []).append(text)
    outcomes = []
    for campaign_id in chosen:
        campaign = campaigns.get(campaign_id)
        window, inside = schedule(campaign) if campaign else ("", True)
        outcomes.append(CampaignOutcome(
            campaign_id=campaign_id,
            name=campaign.name if campaign else f"Campaign {campaign_id}",
            state=campaign_state(campaign) if campaign else "unknown",
            triggered=campaign_id in triggered,
            failures=tuple(dict.fromkeys(reasons.get(campaign_id, ()))),
            window=window, in_schedule=inside))
    return tuple(outcomes)
