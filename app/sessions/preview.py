"""A "what if" on a session, with a dry run; nothing is saved (the view is in routes.py).

The agent starts from the session as it is and changes the cart, codes, cards, attributes or the
state to evaluate as; the console sends a ``dry=true`` session update and shows the effects and
totals before (the session now) and after (the dry run) side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..talon.models import CartItem, IntegrationState, Session, build
from .comparison import (
    EffectChange,
    TotalLine,
    compare_effects,
    compare_totals,
    summary_counts,
    totals_of,
)
from .forms import PreviewForm, attribute_lines, lines_of, parse_attribute_lines
from .session_view import wording_for
from .state_machine import default_preview_target

REJECTION_TYPES = ("rejectCoupon", "rejectReferral")
STATE_LABELS = {"open": "open (still shopping)", "closed": "closed (what if it closed now)",
                "cancelled": "cancelled (what a cancellation would roll back)"}


@dataclass
class PreviewResult:
    changes: list[EffectChange]
    totals: list[TotalLine]
    counts: dict[str, int]
    rejections: list[str]
    failure_reasons: list[dict[str, Any]]
    state_after: str


def start_from(form: PreviewForm, session: Session) -> None:
    for index, item in enumerate(session.cart_items):
        form.items.append_entry({"origin": index, "sku": item.sku, "name": item.name or "",
                                 "quantity": item.quantity, "price": item.price or 0,
                                 "category": item.category or ""})
    form.coupon_codes.data = "\n".join(session.coupon_codes or ())
    form.referral_code.data = session.referral_code or ""
    form.loyalty_cards.data = "\n".join(session.loyalty_cards or ())
    form.attributes.data = attribute_lines(session.attributes)
    form.target_state.data = default_preview_target(session.state)


def payload(form: PreviewForm, session: Session) -> dict[str, Any]:
    attributes, _problems = parse_attribute_lines(form.attributes.data)
    return dict(
        profile_id=session.profile_id or None,
        store_integration_id=session.store_integration_id or None,
        state=form.target_state.data,
        cart_items=form.payload_items(session.cart_items),
        coupon_codes=lines_of(form.coupon_codes.data),
        referral_code=form.referral_code.data or None,
        loyalty_cards=lines_of(form.loyalty_cards.data),
        attributes=attributes,
        response_content=["customerSession", "ruleFailureReasons"],
    )


def audit_summary(form: PreviewForm) -> dict[str, Any]:
    attributes, _problems = parse_attribute_lines(form.attributes.data)
    return {
        "target_state": form.target_state.data,
        "cart_lines": sum(1 for e in form.items if not e.form.remove.data),
        "coupon_codes": lines_of(form.coupon_codes.data),
        "referral_code": form.referral_code.data or None,
        "loyalty_cards": lines_of(form.loyalty_cards.data),
        "attribute_names": sorted(attributes),
    }


def compare(current: IntegrationState, after: IntegrationState, form: PreviewForm) -> PreviewResult:
    before_session = current.session
    after_items = [build(CartItem, item) for item in form.payload_items(before_session.cart_items)]
    after_session = after.session
    wording_before = wording_for(before_session.cart_items)
    wording_after = wording_for(after_session.cart_items if after_session else after_items)
    changes = compare_effects(current.effects, after.effects, wording_before, wording_after)
    totals = compare_totals(totals_of(before_session, before_session.cart_items, current.effects),
                            totals_of(after_session, after_items, after.effects))
    return PreviewResult(
        changes=changes,
        totals=totals,
        counts=summary_counts(changes),
        rejections=[wording_after.describe(e).text for e in after.effects
                    if e.effect_type in REJECTION_TYPES],
        failure_reasons=[r for r in after.rule_failure_reasons if isinstance(r, dict)],
        state_after=(after_session.state if after_session else form.target_state.data),
    )

