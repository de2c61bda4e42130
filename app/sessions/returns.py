"""/sessions/<id>/return: return items of a closed or partially returned session.

GET shows the cart with a quantity per line (bounded by what remains) and a reason. "Preview"
sends a dry-run return (Talon.One's returnCartItems supports dry=true) and shows what rolls
back. "Confirm" sends the real return with the form's key as Idempotency-Key, through
changes.apply_once, and redirects (303) to the stored result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from .. import upstream
from ..permissions import require
from ..talon import talon
from ..talon.errors import TalonError, TalonOutcomeUnknown
from ..talon.models import CartItem, IntegrationState
from ..talon_failures import change_message, status_for
from . import access, changes
from .blueprint import bp
from .effect_view import EffectRow, amount, describe, effect_wire
from .forms import ReturnForm, cart_too_long, new_form_key
from .outcomes import audit
from .session_view import cart_snapshot, wording_for
from .state_machine import ACTIONS

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


@bp.route("/sessions/<session_id>/return", methods=["GET", "POST"])
@require("return_reopen")
def return_items(session_id: str):
    form = ReturnForm()
    valid = form.validate() if request.method == "POST" else True
    key = form.form_key.data if request.method == "POST" and not form.form_key.errors else None
    earlier = changes.previous_try("return", session_id, key)
    if (upstream.status_of(earlier) == upstream.DONE and valid
            and earlier.request_hash == upstream.fingerprint(_identity(form))):
        # a refresh, a double click or a second window: the same return, already done
        return redirect(url_for("sessions.result", session_id=session_id, key=key), 303)
    # After a try that got no answer the return may have used up the quantities, so the
    # same form is re-sent as it was: Talon.One's idempotency answers it with the first result.
    retrying = upstream.status_of(earlier) == upstream.UNKNOWN
    current = access.for_action("return", session_id, check_state=False)
    session = current.session
    page = dict(session_id=session_id, session=session, form=form, preview=None, message=None,
                retrying=retrying, items_by_position=_by_position(session.cart_items), used_key=None)

    if request.method == "GET":
        access.require_state("return", session_id, current)
        form.fill(session.cart_items)
        form.ensure_key()
        page["message"] = cart_too_long(session.cart_items, "returned")
        return render_template("sessions/return.html", **page)
    if upstream.status_of(earlier) == upstream.DONE:
        # The form was sent already, and now asks for something else: start a fresh form.
        audit("session.return", session_id, {"form_key": key, "refused": "the form's return was "
              "already confirmed; it now asked for other items"}, outcome="refused", upstream_status=None)
        page.update(used_key=key, message=(
            "This form's return was already confirmed. Nothing more was sent. To return more "
            "items, use the fresh form below."))
        form.fill(session.cart_items)
        form.form_key.data = new_form_key()
        return render_template("sessions/return.html", **page), 409

    if not retrying:
        state_allows = ACTIONS["return"].state_allows(session.state)
        fits_cart = state_allows and valid and form.check_against_cart(session.cart_items)
        # Refused by a session read after this very form was confirmed by another click or
        # instance (see changes.sent_by_twin): that confirm's result is the answer.
        twin = (valid and not fits_cart and request.form.get("action") == "confirm"
                and changes.sent_by_twin("return", session_id, key, _identity(form)))
        if not (state_allows or twin):
            access.require_state("return", session_id, current)
        if not twin:
            valid = fits_cart
    if not (valid and form.check_selection()):
        return render_template("sessions/return.html", **page), 422

    items = sorted(form.requested().items())
    summary = {"items": _described(items, session.cart_items), "reason": form.reason.data,
               "idempotency_key": form.form_key.data}
    if request.form.get("action") == "confirm":
        return _confirm(session_id, session.cart_items, form, items, summary, page)
    return _preview(session_id, session.cart_items, items, summary, page)


def _identity(form: ReturnForm) -> dict[str, Any]:
    """What identifies a return upstream: the items (the reason is ours, not Talon.One's)."""
    return {"items": sorted(form.requested().items())}


def _preview(session_id, cart, items, summary, page):
    try:
        answer = talon.integration.return_cart_items(session_id, items, dry=True,
                                                     response_content=["customerSession"])
    except TalonError as error:
        audit("session.return", session_id, summary, error=error, dry_run=True)
        page["message"] = change_message(error, "The preview", preview=True)
        return render_template("sessions/return.html", **page), status_for(error)
    preview = _preview_of(answer, cart, items)
    audit("session.return", session_id, {**summary, "discounts_back": preview.discounts_back,
                                         "points_back": preview.points_back}, dry_run=True)
    page["preview"] = preview
    return render_template("sessions/return.html", **page)


def _confirm(session_id, cart, form, items, summary, page):
    key = form.form_key.data

    def send() -> IntegrationState:
        return talon.integration.return_cart_items(session_id, items, idempotency_key=key,
                                                   response_content=RESPONSE_CONTENT)

    def result_of(answer: IntegrationState) -> dict[str, Any]:
        after_cart = answer.session.cart_items if answer.session else cart
        return {
            "session_state": answer.session.state if answer.session else None,
            "effects": [effect_wire(e) for e in answer.effects],
            "items": _described(items, cart),
            "reason": form.reason.data,
            "cart": cart_snapshot(after_cart),
            "return": answer.return_,
            "previous_returns": len(answer.previous_returns),
            "actor": current_user.username,
            "audit": {"new_state": answer.session.state if answer.session else None,
                      "discounts_back": amount(answer.effects, "rollbackDiscount"),
                      "points_back": amount(answer.effects, "rollbackAddedLoyaltyPoints")},
        }

    outcome = changes.apply_once("return", session_id, key, _identity(form), send, result_of, summary)
    if outcome.record is not None:
        return redirect(url_for("sessions.result", session_id=session_id, key=key), 303)
    page["message"] = outcome.message
    page["retrying"] = isinstance(outcome.error, TalonOutcomeUnknown)
    return render_template("sessions/return.html", **page), outcome.status


def _by_position(cart: list[CartItem]) -> dict[int, CartItem]:
    return {int(i.position) if i.position is not None else n: i for n, i in enumerate(cart)}


def _described(items: list[tuple[int, int]], cart: list[CartItem]) -> list[dict[str, Any]]:
    by_position = _by_position(cart)
    described = []
    for position, quantity in items:
        item = by_position.get(position)
        described.append({"position": position, "quantity": quantity,
                          "sku": item.sku if item else None, "name": item.label if item else None,
                          "price": item.price if item else None})
    return described


def _preview_of(answer: IntegrationState, cart: list[CartItem], items) -> ReturnPreview:
    described = _described(items, cart)
    return ReturnPreview(
        rows=describe(answer.effects, wording_for(cart)),
        items=described,
        items_value=round(sum((d["price"] or 0) * d["quantity"] for d in described), 2),
        discounts_back=amount(answer.effects, "rollbackDiscount"),
        points_back=amount(answer.effects, "rollbackAddedLoyaltyPoints"),
        state_after=answer.session.state if answer.session else "partially_returned",
    )
