"""Returns of a closed or partially returned session: what a return form asks Talon.One for,
what its dry run shows, and what a confirmed return keeps for its result page. The views are
in routes.py; a confirmed return is sent once through app.changes, with the form's key as
Talon.One's Idempotency-Key (so a resend after a timeout is safe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user

from ..talon.models import CartItem, IntegrationState
from .effect_view import EffectRow, amount, describe, effect_wire
from .forms import ReturnForm
from .session_view import cart_snapshot, wording_for

RESPONSE_CONTENT = ["customerSession", "previousReturns"]


@dataclass
class ReturnPreview:
    rows: list[EffectRow]
    items: list[dict[str, Any]]
    items_value: float
    discounts_back: float
    points_back: float
    state_after: str

    @property
    def net_value(self) -> float:
        return round(self.items_value - self.discounts_back, 2)


def identity(form: ReturnForm) -> dict[str, Any]:
    """What identifies a return upstream: the items (the reason is ours, not Talon.One's)."""
    return {"items": sorted(form.requested().items())}


def by_position(cart: list[CartItem]) -> dict[int, CartItem]:
    return {int(i.position) if i.position is not None else n: i for n, i in enumerate(cart)}


def described(items: list[tuple[int, int]], cart: list[CartItem]) -> list[dict[str, Any]]:
    positions = by_position(cart)
    rows = []
    for position, quantity in items:
        item = positions.get(position)
        rows.append({"position": position, "quantity": quantity,
                     "sku": item.sku if item else None, "name": item.label if item else None,
                     "price": item.price if item else None})
    return rows


def preview_of(answer: IntegrationState, cart: list[CartItem], items) -> ReturnPreview:
    rows = described(items, cart)
    return ReturnPreview(
        rows=describe(answer.effects, wording_for(cart)),
        items=rows,
        items_value=round(sum((d["price"] or 0) * d["quantity"] for d in rows), 2),
        discounts_back=amount(answer.effects, "rollbackDiscount"),
        points_back=amount(answer.effects, "rollbackAddedLoyaltyPoints"),
        state_after=answer.session.state if answer.session else "partially_returned",
    )


def kept(answer: IntegrationState, cart: list[CartItem], items, reason: str) -> dict[str, Any]:
    """What the result page of a confirmed return shows (kept under the form's key)."""
    after_cart = answer.session.cart_items if answer.session else cart
    done = preview_of(answer, cart, items)
    return {
        "kind": "return",
        # the result shows what the preview showed: the amount to refund above all
        "totals": {"discounts_back": done.discounts_back, "net_value": done.net_value,
                   "points_back": done.points_back},
        "session_state": answer.session.state if answer.session else None,
        "effects": [effect_wire(e) for e in answer.effects],
        "items": described(items, cart),
        "reason": reason,
        "cart": cart_snapshot(after_cart),
        "return": answer.return_,
        "previous_returns": len(answer.previous_returns),
        "actor": current_user.username,
    }


def audited(answer: IntegrationState) -> dict[str, Any]:
    """What the audit entry of a confirmed return adds from Talon.One's answer."""
    return {"new_state": answer.session.state if answer.session else None,
            "discounts_back": amount(answer.effects, "rollbackDiscount"),
            "points_back": amount(answer.effects, "rollbackAddedLoyaltyPoints")}
