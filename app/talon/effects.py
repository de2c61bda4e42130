"""Effects in words: a registry that turns each Talon.One effect into one sentence for staff.

    wording = EffectWording(currency="EUR", campaign_names={1: "Welcome"}, cart_items=items)
    wording.describe(effect).text
    # '10% off the cart (-€8.00), Welcome campaign'

Each sentence names the amount in the configured currency, the campaign (by name when known)
and the rule when it says more than the sentence already does. Unknown effect types get a
readable generic line, so a newer Talon.One never shows raw JSON to staff.

The registry also knows what a reopen or a return does to each effect: discounts, coupon and
referral redemptions, loyalty points and achievement progress are rolled back; free items,
created coupons and referrals, coupon reservations, attribute updates, audience changes,
giveaways and custom effects are not (Talon.One's reopenCustomerSession documentation).
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, parse_pattern

from .models import CartItem, Effect, parse_time

# -- what a reopen or return does --------------------------------------------------------

ROLLED_BACK = "rolled_back"          # a reopen/return undoes it
KEPT = "kept"                        # a lasting change a reopen/return does NOT undo
NOTHING_TO_UNDO = "nothing_to_undo"  # informational: it changed nothing
IS_ROLLBACK = "is_rollback"          # the effect is itself a rollback
UNKNOWN = "unknown"

ROLLBACK_BEHAVIOUR: dict[str, str] = {
    **dict.fromkeys(
        [
            "setDiscount", "setDiscountPerItem", "setDiscountPerAdditionalCost",
            "setDiscountPerAdditionalCostPerItem", "acceptCoupon", "acceptReferral",
            "redeemReferral", "addLoyaltyPoints", "deductLoyaltyPoints",
            "increaseAchievementProgress",
        ],
        ROLLED_BACK,
    ),
    **dict.fromkeys(
        [
            "addFreeItem", "couponCreated", "referralCreated", "reserveCoupon",
            "updateAttribute", "updateCartItemAttribute", "addToAudience", "removeFromAudience",
            "awardGiveaway", "customEffect", "triggerWebhook", "changeLoyaltyTierLevel",
            "extendLoyaltyPointsExpiryDate", "setLoyaltyPointsExpiryDate",
        ],
        KEPT,
    ),
    **dict.fromkeys(
        [
            "rejectCoupon", "rejectReferral", "showNotification", "error", "willAwardGiveaway",
            "showBundleMetadata", "strikethroughSetDiscountPerItem", "strikethrough",
        ],
        NOTHING_TO_UNDO,
    ),
    **dict.fromkeys(
        [
            "rollbackDiscount", "rollbackCoupon", "rollbackReferral",
            "rollbackAddedLoyaltyPoints", "rollbackDeductedLoyaltyPoints",
            "rollbackIncreasedAchievementProgress",
        ],
        IS_ROLLBACK,
    ),
}


def rollback_behaviour(effect_type: str) -> str:
    return ROLLBACK_BEHAVIOUR.get(effect_type, UNKNOWN)


def split_for_rollback(effects: Iterable[Effect]) -> tuple[list[Effect], list[Effect]]:
    """(effects a reopen or return would undo, lasting effects it would keep)."""
    undone, kept = [], []
    for effect in effects:
        behaviour = rollback_behaviour(effect.effect_type)
        if behaviour == ROLLED_BACK:
            undone.append(effect)
        elif behaviour in (KEPT, UNKNOWN):
            # unknown types are listed as kept: staff must not be told something is undone
            # when we cannot know it
            kept.append(effect)
    return undone, kept


# -- money, dates, words ---------------------------------------------------------------
# Babel formats them in the wording's locale, as the console's pages do (app.formatting).

POINTS_FORMAT = "#,##0.##"
POINTS_PATTERN = parse_pattern(POINTS_FORMAT)  # parsed once; format_decimal takes it as it is
_LETTER_THEN_DIGIT = re.compile(r"([^\W\d_])(\d)")
# Each distinct text written once per process (issue 19): Babel's NumberPattern.apply is ~15-20 us
# a number and a session page writes 25 amounts and points, the same ones several times (its
# totals, its effect sentences; 13 amounts were 8 distinct ones). Bounded; pure functions of
# their arguments (the locale is a babel Locale or its name, both hashable).
WRITTEN_NUMBERS = 4096


def money(amount: Any, currency: str, *, sign: str = "", locale: Any = "en") -> str:
    """``money(8, "EUR", sign="-")`` → ``-€8.00`` (the sign says which way the amount goes,
    whatever its own sign); ``money(-8, "EUR")`` → ``-€8.00``. An unreadable amount is shown as
    given."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        return f"{sign}{amount} {currency}"
    if not math.isfinite(value):
        return f"{sign}{amount} {currency}"
    if sign == "-" and value:
        value = -abs(value)
    elif sign:
        value = abs(value)
    return (sign if sign == "+" else "") + _currency_text(value, math.copysign(1.0, value), currency, locale)


def points(value: Any, locale: Any = "en") -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return str(value)
    return _points_text(number, math.copysign(1.0, number), locale)


# ``zero_sign`` is part of each key only because -0.0 == 0.0 (one key) while Babel writes them
# "-€0.00" and "€0.00".
@functools.lru_cache(maxsize=WRITTEN_NUMBERS)
def _currency_text(value: float, zero_sign: float, currency: str, locale: Any) -> str:
    with _wide_decimals():
        text = format_currency(value, currency, locale=locale)
    # CLDR's currencySpacing, which Babel does not apply: a symbol made of letters ("CHF") is
    # kept apart from the digits by a no-break space ("CHF 3.00", not "CHF3.00").
    return _LETTER_THEN_DIGIT.sub("\\1\u00a0\\2", text)


@functools.lru_cache(maxsize=WRITTEN_NUMBERS)
def _points_text(number: float, zero_sign: float, locale: Any) -> str:
    with _wide_decimals():
        return format_decimal(number, format=POINTS_PATTERN, locale=locale)


def _wide_decimals():
    """Babel rounds in Decimal, whose default 28 digits cannot hold every double Talon.One may
    send (up to 1.8e308): room for all of them."""
    return decimal.localcontext(prec=400)


def short_date(value: Any, today: date, locale: Any = "en") -> str:
    when = parse_time(value)
    if when is None:
        return str(value)
    return format_date(when, "d MMM" if when.year == today.year else "d MMM y", locale=locale)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(identifier: str) -> str:
    """``CouponReservationRequired`` → ``coupon reservation required``."""
    return _CAMEL.sub(" ", identifier or "").replace("_", " ").strip().lower()


REJECTION_REASONS = {
    "CouponNotFound": "no such coupon",
    "CouponExpired": "expired",
    "CouponStartDateInFuture": "not valid yet",
    "CouponLimitReached": "usage limit reached",
    "CouponReservationRequired": "reservation required",
    "CouponRecipientDoesNotMatch": "issued to another customer",
    "CouponPartOfNotRunningCampaign": "its campaign is not running",
    "CouponPartOfNotTriggeredCampaign": "its campaign's rules did not apply",
    "CouponRejectedByCondition": "the rule's conditions were not met",
    "CampaignLimitReached": "the campaign's limit was reached",
    "ProfileLimitReached": "the customer's limit was reached",
    "ProfileRequired": "the session has no customer profile",
    "EffectCouldNotBeApplied": "the effect could not be applied",
    "ReferralNotFound": "no such referral code",
    "ReferralExpired": "expired",
    "ReferralLimitReached": "usage limit reached",
    "ReferralCustomerAlreadyReferred": "the customer was already referred",
    "ReferralValidConditionMissing": "the rule's conditions were not met",
}


def reason_in_words(reason: str | None) -> str:
    if not reason:
        return "no reason given"
    if reason in REJECTION_REASONS:
        return REJECTION_REASONS[reason]
    text = words(reason)
    for prefix in ("coupon ", "referral "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


# -- the registry -----------------------------------------------------------------------


@dataclass(frozen=True)
class EffectLine:
    """One effect as staff read it."""

    text: str
    effect_type: str
    campaign: str | None
    rule: str | None
    #: discount, coupon, referral, loyalty, item, audience, achievement, notice, rollback, other
    kind: str
    #: ROLLED_BACK, KEPT, NOTHING_TO_UNDO, IS_ROLLBACK or UNKNOWN
    rollback: str

    @property
    def rolled_back_on_reopen(self) -> bool:
        return self.rollback == ROLLED_BACK


Phrase = Callable[[Effect, "EffectWording"], str]
_REGISTRY: dict[str, tuple[str, Phrase]] = {}


def register(effect_type: str, kind: str) -> Callable[[Phrase], Phrase]:
    """Add (or replace) the wording of one effect type."""

    def add(phrase: Phrase) -> Phrase:
        _REGISTRY[effect_type] = (kind, phrase)
        return phrase

    return add


def registered_types() -> frozenset[str]:
    return frozenset(_REGISTRY)


class EffectWording:
    """Words effects for one page: the currency, campaign names and the session's cart."""

    def __init__(
        self,
        currency: str = "EUR",
        *,
        campaign_names: Mapping[int, str] | None = None,
        cart_items: Sequence[CartItem] | None = None,
        today: date | None = None,
        locale: Any = "en",
    ) -> None:
        self.currency = currency
        self.locale = locale
        self.campaign_names = campaign_names or {}
        self.cart_items = list(cart_items or ())
        self.today = today or datetime.now(timezone.utc).date()

    def money(self, amount: Any, sign: str = "") -> str:
        return money(amount, self.currency, sign=sign, locale=self.locale)

    def points(self, value: Any) -> str:
        return points(value, self.locale)

    def date(self, value: Any) -> str:
        return short_date(value, self.today, self.locale)

    def item(self, position: Any, sub_position: Any = None) -> str:
        """The cart item at ``position`` by name, or "item N" when the cart is not known; with
        ``sub_position``, which unit of it. Talon.One flattens cart items, so a per-item effect
        comes once per unit and names the unit by its sub-position (0 is the first)."""
        try:
            index = int(float(position))
        except (TypeError, ValueError):
            return "an item"
        line = self.cart_items[index] if 0 <= index < len(self.cart_items) else None
        label = line.label if line is not None else f"item {index + 1}"
        try:
            unit = int(float(sub_position))
        except (TypeError, ValueError):
            return label
        if line is not None and line.quantity > 1:
            return f"{label}, unit {unit + 1} of {line.quantity}"
        return label if line is not None else f"{label}, unit {unit + 1}"

    def campaign(self, effect: Effect) -> str | None:
        if effect.campaign_id is None:
            return None
        name = self.campaign_names.get(effect.campaign_id)
        if not name:
            return f"campaign {effect.campaign_id}"
        return name if name.lower().endswith("campaign") else f"{name} campaign"

    def describe(self, effect: Effect) -> EffectLine:
        kind, phrase = _REGISTRY.get(effect.effect_type, ("other", _generic))
        try:
            core = phrase(effect, self)
        except Exception:  # noqa: BLE001 - odd props must not break a page
            kind, core = "other", _generic(effect, self)
        campaign = self.campaign(effect)
        rule = effect.rule_name or None
        text = core
        if campaign:
            text = f"{text}, {campaign}"
        if rule and rule.lower() not in core.lower():
            text = f'{text} (rule "{rule}")'
        return EffectLine(
            text=text, effect_type=effect.effect_type, campaign=campaign, rule=rule, kind=kind,
            rollback=rollback_behaviour(effect.effect_type),
        )

    def describe_all(self, effects: Iterable[Effect]) -> list[EffectLine]:
        return [self.describe(e) for e in effects]


def _generic(effect: Effect, w: EffectWording) -> str:
    """Unknown effect type: its name in words and its simple props."""
    shown = []
    for key, value in (effect.props or {}).items():
        if isinstance(value, (str, int, float, bool)) and len(shown) < 4:
            shown.append(f"{words(key)} {value}")
    title = words(effect.effect_type).capitalize() or "Effect"
    return f"{title}: {', '.join(shown)}" if shown else title


# Talon.One names a per-item discount "<discount name>#<position>"; the position is worded apart.
_ITEM_SUFFIX = re.compile(r"#\d+$")


def _discount_name(effect: Effect) -> str:
    return _ITEM_SUFFIX.sub("", str(effect.prop("name") or ""))


def _label(effect: Effect, fallback: str) -> str:
    return _discount_name(effect) or str(effect.rule_name or fallback)


# discounts ---------------------------------------------------------------------------


@register("setDiscount", "discount")
def _set_discount(e: Effect, w: EffectWording) -> str:
    return f"{_label(e, 'Cart discount')} ({w.money(e.prop('value'), '-')})"


@register("setDiscountPerItem", "discount")
def _set_discount_per_item(e: Effect, w: EffectWording) -> str:
    on = w.item(e.prop("position"), e.prop("subPosition"))
    return f"{_label(e, 'Item discount')} on {on} ({w.money(e.prop('value'), '-')})"


@register("setDiscountPerAdditionalCost", "discount")
def _set_discount_additional_cost(e: Effect, w: EffectWording) -> str:
    cost = e.prop("additionalCost") or "an additional cost"
    return f"{_label(e, 'Discount')} on {cost} ({w.money(e.prop('value'), '-')})"


@register("setDiscountPerAdditionalCostPerItem", "discount")
def _set_discount_additional_cost_item(e: Effect, w: EffectWording) -> str:
    cost = e.prop("additionalCost") or "an additional cost"
    return (
        f"{_label(e, 'Discount')} on {cost} of {w.item(e.prop('position'))} "
        f"({w.money(e.prop('value'), '-')})"
    )


@register("rollbackDiscount", "rollback")
def _rollback_discount(e: Effect, w: EffectWording) -> str:
    where = ""
    if e.prop("cartItemPosition") is not None:
        where = f" on {w.item(e.prop('cartItemPosition'), e.prop('cartItemSubPosition'))}"
    label = f"Discount {_discount_name(e)}" if _discount_name(e) else "Discount"
    return f"{label}{where} taken back ({w.money(e.prop('value'), '+')})"


# coupons and referrals ----------------------------------------------------------------


@register("rejectCoupon", "coupon")
def _reject_coupon(e: Effect, w: EffectWording) -> str:
    return f"Coupon {e.prop('value')} rejected: {reason_in_words(e.prop('rejectionReason'))}"


@register("couponCreated", "coupon")
def _coupon_created(e: Effect, w: EffectWording) -> str:
    owner = f" for {e.prop('profileId')}" if e.prop("profileId") else ""
    return f"New coupon {e.prop('value')} created{owner}"


@register("reserveCoupon", "coupon")
def _reserve_coupon(e: Effect, w: EffectWording) -> str:
    again = "" if e.prop("isNewReservation", True) else " (already reserved)"
    return f"Coupon {e.prop('couponValue')} reserved for {e.prop('profileIntegrationId')}{again}"


@register("rejectReferral", "referral")
def _reject_referral(e: Effect, w: EffectWording) -> str:
    return f"Referral code {e.prop('value')} rejected: {reason_in_words(e.prop('rejectionReason'))}"


# loyalty ------------------------------------------------------------------------------


def _holder(e: Effect) -> str:
    card = e.prop("cardIdentifier")
    if card:
        return f"card {card}"
    recipient = e.prop("recipientIntegrationId")
    return f"{recipient}'s balance" if recipient else "the customer's balance"


@register("addLoyaltyPoints", "loyalty")
def _add_points(e: Effect, w: EffectWording) -> str:
    text = f"+{w.points(e.prop('value'))} points on {_holder(e)}"
    start = parse_time(e.prop("startDate"))
    notes = []
    if e.prop("awaitsActivation"):
        notes.append("pending until activated")
    elif start is not None and start.date() > w.today:
        notes.append(f"pending until {w.date(start)}")
    expiry = parse_time(e.prop("expiryDate"))
    if expiry is not None and expiry.year < 9999:
        notes.append(f"expire {w.date(expiry)}")
    return f"{text} ({', '.join(notes)})" if notes else text


@register("deductLoyaltyPoints", "loyalty")
def _deduct_points(e: Effect, w: EffectWording) -> str:
    return f"-{w.points(e.prop('value'))} points spent from {_holder(e)}"


@register("rollbackAddedLoyaltyPoints", "rollback")
def _rollback_added_points(e: Effect, w: EffectWording) -> str:
    return f"{w.points(e.prop('value'))} earned points taken back from {_holder(e)}"


@register("rollbackDeductedLoyaltyPoints", "rollback")
def _rollback_deducted_points(e: Effect, w: EffectWording) -> str:
    return f"{w.points(e.prop('value'))} spent points given back to {_holder(e)}"


@register("changeLoyaltyTierLevel", "loyalty")
def _tier(e: Effect, w: EffectWording) -> str:
    before = e.prop("previousTierName")
    after = e.prop("newTierName")
    return f"Loyalty tier changed from {before} to {after}" if before else f"Loyalty tier is now {after}"


@register("setLoyaltyPointsExpiryDate", "loyalty")
def _set_expiry(e: Effect, w: EffectWording) -> str:
    return f"Points now expire {w.date(e.prop('newExpiryDate'))}"


# items, audiences, achievements, notices ------------------------------------------------


@register("addFreeItem", "item")
def _free_item(e: Effect, w: EffectWording) -> str:
    quantity = e.prop("desiredQuantity")
    count = f"{quantity} × " if quantity and quantity != 1 else ""
    return f"Free item: {count}{e.prop('name') or e.prop('sku')} ({e.prop('sku')})"


@register("addToAudience", "audience")
def _add_to_audience(e: Effect, w: EffectWording) -> str:
    return f"Added to audience {e.prop('audienceName') or e.prop('audienceId')}"


@register("removeFromAudience", "audience")
def _remove_from_audience(e: Effect, w: EffectWording) -> str:
    return f"Removed from audience {e.prop('audienceName') or e.prop('audienceId')}"


@register("increaseAchievementProgress", "achievement")
def _achievement(e: Effect, w: EffectWording) -> str:
    done = ", completed" if e.prop("isJustCompleted") else ""
    return (
        f"Achievement {e.prop('achievementName')}: +{w.points(e.prop('delta'))} "
        f"({w.points(e.prop('value'))} of {w.points(e.prop('target'))}{done})"
    )


@register("rollbackIncreasedAchievementProgress", "rollback")
def _rollback_achievement(e: Effect, w: EffectWording) -> str:
    return (
        f"Achievement {e.prop('achievementName')}: progress reduced by "
        f"{w.points(e.prop('decreaseProgressBy'))} (now {w.points(e.prop('currentProgress'))} of "
        f"{w.points(e.prop('target'))})"
    )


def value_text(value: Any) -> str:
    """An attribute value for a sentence: scalars as they are, lists and objects flattened."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) or "(empty)"
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value) or "(empty)"
    return str(value)


@register("updateAttribute", "other")
def _update_attribute(e: Effect, w: EffectWording) -> str:
    return f"Attribute {e.prop('path')} set to {value_text(e.prop('value'))}"


@register("showNotification", "notice")
def _notification(e: Effect, w: EffectWording) -> str:
    title, body = e.prop("title"), str(e.prop("body") or "").rstrip(". ")
    return f"Notice shown: {title}: {body}" if body else f"Notice shown: {title}"


# one-line sentences: effect type → (kind, template over the effect's props)
TEMPLATES = {
    "acceptCoupon": ("coupon", "Coupon {value} accepted"),
    "rollbackCoupon": ("rollback", "Coupon {value} given back (its use is undone)"),
    "acceptReferral": ("referral", "Referral code {value} accepted"),
    "redeemReferral": ("referral", "Referral code {value} redeemed"),
    "rollbackReferral": ("rollback", "Referral code {value} given back (its use is undone)"),
    "referralCreated": ("referral", "New referral code {value} created"),
    "extendLoyaltyPointsExpiryDate": ("loyalty", "Points expiry extended by {extensionDuration}"),
    "awardGiveaway": ("item", "Giveaway code {code} from {poolName} awarded"),
    "willAwardGiveaway": ("notice", "A giveaway from {poolName} will be awarded when the session closes"),
    "triggerWebhook": ("other", "Webhook {webhookName} called"),
    "customEffect": ("other", "Custom effect {name}"),
    "error": ("notice", "Rule error: {message}"),
}


class _Props(dict):
    """Props for a template: a missing prop reads as "?" instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


def _template_phrase(template: str) -> Phrase:
    def phrase(effect: Effect, wording: "EffectWording") -> str:
        props = effect.props if isinstance(effect.props, dict) else {}
        return template.format_map(_Props(props))

    return phrase


for _type, (_kind, _template) in TEMPLATES.items():
    register(_type, _kind)(_template_phrase(_template))
