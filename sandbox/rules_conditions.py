"""Rule conditions: `{"type": <name>, ...}` in a rule's `conditions`, all of which must hold.

Each checker takes (context, scope, condition) and returns None when the condition holds, or a
sentence saying why not (it becomes RuleFailureReason.details). Checkers that find a coupon,
referral or loyalty card put it in the rule's scope for the effects to use.
"""
from __future__ import annotations

import operator
from typing import Callable

from sandbox.rules_codes import (
    campaign_codes,
    candidate_coupons,
    candidate_referral,
    code_filter_problem,
    coupon_problem,
    referral_problem,
)
from sandbox.rules_context import CartLine, EvaluationContext, RuleScope
from sandbox.rules_money import dec

Checker = Callable[[EvaluationContext, RuleScope, dict], "str | None"]

COMPARISONS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
               "==": operator.eq}


def cart_subtotal(context: EvaluationContext, _scope: RuleScope, condition: dict) -> str | None:
    """{"type": "cartSubtotal", "op": ">=" | "<=" | ">" | "<" | "==", "amount": 20}: the sum of
    price x quantity over the cart, before discounts."""
    op = condition.get("op", ">=")
    if COMPARISONS[op](context.subtotal, dec(condition["amount"])):
        return None
    return f"cart subtotal {context.subtotal:.2f} is not {op} {dec(condition['amount']):.2f}"


def line_matches(line: CartLine, selector: dict) -> bool:
    """A cart line matches a selector's `sku` and/or `category` (no selector: every line)."""
    if "sku" in selector and line.sku != selector["sku"]:
        return False
    return "category" not in selector or line.category == selector["category"]


def describe_selector(selector: dict) -> str:
    if "sku" in selector:
        return f"SKU {selector['sku']}"
    return f"category {selector['category']}" if "category" in selector else "any item"


def cart_item(context: EvaluationContext, _scope: RuleScope, condition: dict) -> str | None:
    """{"type": "cartItem", "sku": "..." | "category": "...", "minQuantity": 1}: the matching
    lines together hold at least minQuantity units."""
    wanted = int(condition.get("minQuantity", 1))
    found = sum(line.quantity for line in context.lines if line_matches(line, condition))
    if found >= wanted:
        return None
    return f"cart has {found} of {describe_selector(condition)}, needs {wanted}"


def coupon_valid(context: EvaluationContext, scope: RuleScope, condition: dict) -> str | None:
    """{"type": "couponValid", "prefix"?: "GOODWILL-", "excludePrefix"?: "..."}: the session
    holds a redeemable coupon of this campaign (Talon.One's "Coupon code is valid")."""
    candidates = candidate_coupons(context, scope, condition)
    if candidates:
        scope.coupon = candidates[0]
        return None
    held = campaign_codes(context, scope)
    if not held:
        return "no valid coupon code of this campaign in the session"
    scope.evaluated_coupon = held[0]
    value = held[0]["value"]
    problem = coupon_problem(context, held[0]) or code_filter_problem(value, condition)
    if problem:
        return f"coupon {value} is not valid here: {problem}"
    return f"coupon {value}: the campaign already redeemed another code in this session"


def referral_valid(context: EvaluationContext, scope: RuleScope, _condition: dict) -> str | None:
    """{"type": "referralValid"}: the session's referral code is redeemable in this campaign."""
    referral = candidate_referral(context, scope)
    if referral is not None:
        scope.referral = referral
        return None
    held = context.referral()
    if held is None or held.get("campaignId") != scope.campaign["id"]:
        return "no valid referral code of this campaign in the session"
    scope.evaluated_referral = held
    return f"referral code {held['code']} is not valid here: {referral_problem(context, held)}"


def first_session(context: EvaluationContext, _scope: RuleScope, _condition: dict) -> str | None:
    """{"type": "firstSession"}: the profile has no closed session besides this one.
    Anonymous sessions never count as first sessions: there is nobody to remember."""
    if not context.profile_id:
        return "anonymous session"
    count = int(context.profile.get("closed_session_count") or 0)
    return None if count == 0 else f"profile has {count} closed sessions"


def in_audience(context: EvaluationContext, _scope: RuleScope, condition: dict) -> str | None:
    """{"type": "inAudience", "audienceId": 1}"""
    if condition["audienceId"] in (context.profile.get("audience_ids") or ()):
        return None
    return f"profile is not in audience {condition['audienceId']}"


def attribute_holds(actual, op: str, expected) -> bool:
    """equals / contains (substring or list member) / greater / less / exists."""
    if op == "exists":
        return actual is not None
    if actual is None:
        return False
    if op == "equals":
        return actual == expected
    if op == "contains":
        return expected in actual if isinstance(actual, (list, tuple, set, str)) else False
    try:
        difference = dec(actual) - dec(expected)
    except (ArithmeticError, ValueError, TypeError):
        return False  # a non-number compared as a number simply does not hold
    return difference > 0 if op == "greater" else difference < 0


def _attribute_condition(source: str) -> Checker:
    def check(context: EvaluationContext, _scope: RuleScope, condition: dict) -> str | None:
        attributes = (context.profile if source == "profile" else context.session).get("attributes") or {}
        name, op = condition["name"], condition.get("op", "equals")
        if attribute_holds(attributes.get(name), op, condition.get("value")):
            return None
        return f"{source} attribute {name}={attributes.get(name)!r} does not satisfy {op} {condition.get('value')!r}"

    check.__doc__ = (f'{{"type": "{source}Attribute", "name": "...", "op": "equals" | "contains" | '
                     f'"greater" | "less" | "exists", "value": ...}}')
    return check


def loyalty_card(context: EvaluationContext, scope: RuleScope, condition: dict) -> str | None:
    """{"type": "loyaltyCard", "programId": 1}: the session names a card of the program. Its
    status is not checked here: an inactive or blocked card makes the points effect fail, which
    Talon.One reports as a rule failure rather than silently skipping the rule."""
    cards = [card for identifier in context.session.get("loyaltyCards") or []
             if (card := context.card(identifier)) and card.get("programId") == condition["programId"]]
    if not cards:
        return f"no loyalty card of program {condition['programId']} in the session"
    # Prefer a card that can earn, when the customer scanned several.
    scope.card = next((card for card in cards if card_problem(card) is None), cards[0])
    return None


def card_problem(card: dict) -> str | None:
    """Why a card cannot earn or spend points, or None."""
    if card.get("blocked") or card.get("blockReason") or card.get("status") == "blocked":
        return f"loyalty card {card['identifier']} is blocked"
    if card.get("status", "active") != "active":
        return f"loyalty card {card['identifier']} is inactive"
    return None


def session_state(context: EvaluationContext, _scope: RuleScope, condition: dict) -> str | None:
    """{"type": "sessionState", "states": ["closed"], "previousStates"?: ["open"]}: e.g. earn
    only when the order is placed; previousStates narrows it to a transition ("" = new)."""
    state = context.session.get("state", "open")
    if state not in condition["states"]:
        return f"session state is {state}"
    previous = context.request.previous_state
    if "previousStates" in condition and previous not in condition["previousStates"]:
        return f"session was {previous or 'new'} before this update"
    return None


def store(context: EvaluationContext, _scope: RuleScope, condition: dict) -> str | None:
    """{"type": "store", "stores": ["store-berlin"]}"""
    store_id = context.session.get("storeIntegrationId") or ""
    return None if store_id in condition["stores"] else f"store {store_id or 'none'} is not eligible"


CONDITIONS: dict[str, Checker] = {
    "cartSubtotal": cart_subtotal,
    "cartItem": cart_item,
    "couponValid": coupon_valid,
    "referralValid": referral_valid,
    "firstSession": first_session,
    "inAudience": in_audience,
    "profileAttribute": _attribute_condition("profile"),
    "sessionAttribute": _attribute_condition("session"),
    "loyaltyCard": loyalty_card,
    "sessionState": session_state,
    "store": store,
}


def first_failure(context: EvaluationContext, scope: RuleScope) -> tuple[int, str] | None:
    """(condition index, details) of the first condition that does not hold, or None."""
    for index, condition in enumerate(scope.rule.get("conditions", [])):
        details = CONDITIONS[condition["type"]](context, scope, condition)
        if details is not None:
            return index, details
    return None
