"""Builders and spec checks shared by the rule engine's tests (no tests of its own here).

Named test_engine_* because tests/sandbox/test_engine*.py is the engine's corner of the tests.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from sandbox.engine import EvaluationRequest, EvaluationResult, evaluate
from tests.support.openapi import spec_dict

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


@functools.cache
def validator(schema_name: str) -> OAS30Validator:
    spec = spec_dict()
    schema = {**spec["components"]["schemas"][schema_name], "components": spec["components"]}
    return OAS30Validator(schema, format_checker=oas30_format_checker)


def assert_matches_schema(instance: dict, schema_name: str, *, closed: bool = True) -> None:
    """Valid per the spec's schema and, when closed, without fields the schema does not name
    (the spec's schemas allow extra fields; Talon.One does not send any)."""
    errors = sorted(validator(schema_name).iter_errors(instance), key=str)
    assert not errors, f"{schema_name}: {[e.message for e in errors]} in {instance}"
    if closed:
        known = spec_dict()["components"]["schemas"][schema_name]["properties"]
        assert set(instance) <= set(known), f"{schema_name}: unknown {set(instance) - set(known)}"


def props_schema(effect_type: str) -> str:
    return effect_type[0].upper() + effect_type[1:] + "EffectProps"


def assert_effect_valid(effect: dict) -> None:
    assert_matches_schema({**effect, "props": {}}, "Effect")
    assert_matches_schema(effect["props"], props_schema(effect["effectType"]))


def campaign(campaign_id: int, rules: list[dict], **fields) -> dict:
    return {"id": campaign_id, "applicationId": 1, "name": f"Campaign {campaign_id}",
            "state": "enabled", "rules": rules, **fields}


def rule(conditions: list[dict], effects: list[dict], title: str = "rule") -> dict:
    return {"title": title, "conditions": conditions, "effects": effects}


def item(position: int, sku: str, price: float, quantity: int = 1, category: str = "misc") -> dict:
    return {"position": position, "sku": sku, "name": sku.title(), "price": price,
            "quantity": quantity, "category": category, "returnedQuantity": 0,
            "remainingQuantity": quantity, "attributes": {}}


def coupon(value: str, campaign_id: int, coupon_id: int = 1, **fields) -> dict:
    return {"id": coupon_id, "campaignId": campaign_id, "value": value, "usageLimit": 0,
            "usageCounter": 0, "startDate": None, "expiryDate": None,
            "isReservationMandatory": False, "reserved_by": set(),
            "recipientIntegrationId": None, **fields}


def referral(code: str, campaign_id: int, advocate: str = "cust-0002", **fields) -> dict:
    return {"id": 7, "campaignId": campaign_id, "code": code, "advocateProfileIntegrationId": advocate,
            "friendProfileIntegrationId": None, "usageLimit": 0, "usageCounter": 0, **fields}


def card(identifier: str, program_id: int = 1, status: str = "active", block_reason: str = "") -> dict:
    return {"identifier": identifier, "programId": program_id, "status": status,
            "blockReason": block_reason}


def request(campaigns: list[dict], *, cart: list[dict] | None = None, profile_id: str = "cust-0001",
            coupons: list[dict] = (), referrals: list[dict] = (), cards: list[dict] = (),
            profile: dict | None = None, now: datetime = NOW, balances: dict | None = None,
            progress: dict | None = None, evaluable: list[int] | None = None,
            **session_fields) -> EvaluationRequest:
    """An EvaluationRequest over in-memory look-ups; session fields override the defaults."""
    by_value = {c["value"]: c for c in coupons}
    by_code = {r["code"]: r for r in referrals}
    by_card = {c["identifier"]: c for c in cards}
    session = {"integrationId": "sess-test", "profileId": profile_id, "storeIntegrationId": "store-berlin",
               "state": "open", "cartItems": cart if cart is not None else [item(0, "tee", 20.0)],
               "couponCodes": [], "referralCode": "", "loyaltyCards": [], "attributes": {},
               **session_fields}
    base_profile = {"integrationId": profile_id, "attributes": {}, "audience_ids": [],
                    "closed_session_count": 3}
    return EvaluationRequest(
        application_id=1, session=session, previous_state="", now=now,
        profile={**base_profile, **(profile or {})} if profile_id else {},
        campaigns=campaigns, evaluable_campaign_ids=evaluable,
        coupon=by_value.get, referral=by_code.get, loyalty_card=by_card.get,
        loyalty_balance=lambda program, card_id: (balances or {}).get((program, card_id), 0),
        achievement_progress=lambda achievement: (progress or {}).get(achievement, 0),
    )


def run(campaigns: list[dict], **kwargs) -> EvaluationResult:
    result = evaluate(request(campaigns, **kwargs))
    for effect in result.effects:
        assert_effect_valid(effect)
    for reason in result.rule_failure_reasons:
        assert_matches_schema(reason, "RuleFailureReason")
    return result


def of_type(result_or_effects, effect_type: str) -> list[dict]:
    effects = getattr(result_or_effects, "effects", result_or_effects)
    return [e for e in effects if e["effectType"] == effect_type]


def only(result_or_effects, effect_type: str) -> dict:
    found = of_type(result_or_effects, effect_type)
    assert len(found) == 1, f"expected one {effect_type}, got {found}"
    return found[0]
