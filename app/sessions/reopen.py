"""/sessions/<id>/reopen: reopen a closed session, or cancel one, with a reason.

Reopen (closed → open) lists what will roll back and what will not, from the current effects
and the service layer's rollback registry, then sends reopenCustomerSession. Cancel (where the
state machine allows) is previewed with a dry-run update to "cancelled" before it is confirmed.
A dry run considers only the payload it carries (updateCustomerSessionV2's `dry`), so the
preview sends the stored session's own payload with the new state.
Neither call has an idempotency key upstream, so a retry after a timeout re-reads the session
first (changes.apply_once's ``happened_already``) instead of sending blindly.
"""

from __future__ import annotations

from typing import Any

from flask import make_response, redirect, render_template, url_for
from flask_login import current_user

from .. import upstream
from ..permissions import check_store, require
from ..talon import talon
from ..talon.effects import split_for_rollback
from ..talon.errors import TalonError
from ..talon.models import IntegrationState, Session
from ..templating import render_section
from ..talon_failures import change_message, status_for
from . import access, changes
from .blueprint import bp
from .effect_view import describe, effect_wire
from .forms import IDEMPOTENCY_KEY, CancelForm, ReopenForm
from .outcomes import audit
from .session_view import cart_snapshot, wording_for
from .state_machine import ACTIONS

TARGET_STATE = {"reopen": "open", "cancel": "cancelled"}


@bp.get("/sessions/<session_id>/reopen")
@require("return_reopen")
def reopen(session_id: str):
    current = access.read(session_id)
    session = current.session
    check_store(current_user, session.store_integration_id, target_type="session", target_id=session_id)
    if not (ACTIONS["reopen"].state_allows(session.state) or ACTIONS["cancel"].state_allows(session.state)):
        return make_response(render_template(
            "sessions/not_allowed.html", session=session, action=ACTIONS["reopen"],
            reason=f"This session is {session.state.replace('_', ' ')}: it can be neither reopened nor cancelled.",
        ), 409)
    reopen_form, cancel_form = ReopenForm(), CancelForm()
    reopen_form.ensure_key()
    cancel_form.ensure_key()
    return render_template("sessions/reopen.html", **_page(current, reopen_form, cancel_form))


@bp.post("/sessions/<session_id>/reopen")
@require("return_reopen")
def confirm_reopen(session_id: str):
    return _confirm("reopen", session_id, ReopenForm(), lambda: talon.integration.reopen_customer_session(session_id))


@bp.post("/sessions/<session_id>/cancel/preview")
@require("return_reopen")
def cancel_preview(session_id: str):
    current = access.for_action("cancel", session_id)
    form = CancelForm()
    form.ensure_key()
    context = {**_page(current, ReopenForm(), form), "cancel_preview": None, "cancel_message": None}
    try:
        answer = talon.integration.update_customer_session(
            session_id, state="cancelled", dry=True, response_content=["customerSession"],
            **_stored_payload(current.session))
    except TalonError as error:
        audit("session.cancel", session_id, {"preview": True}, error=error, dry_run=True)
        context["cancel_message"] = change_message(error, "The preview", preview=True)
        return render_section("sessions/reopen.html", "sessions/_cancel.html", **context), status_for(error)
    audit("session.cancel", session_id, {"preview": True, "rollbacks": len(answer.effects)}, dry_run=True)
    context["cancel_preview"] = describe(answer.effects, wording_for(current.session.cart_items))
    context["show_cancel_confirm"] = True
    return render_section("sessions/reopen.html", "sessions/_cancel.html", **context)


@bp.post("/sessions/<session_id>/cancel")
@require("return_reopen")
def cancel(session_id: str):
    return _confirm("cancel", session_id, CancelForm(), lambda: talon.integration.update_customer_session(
        session_id, state="cancelled", response_content=["customerSession"]))


def _stored_payload(session: Session) -> dict[str, Any]:
    """The session as a client would send it again: what Talon.One evaluates in a dry run."""
    return dict(
        profile_id=session.profile_id or None,
        store_integration_id=session.store_integration_id or None,
        cart_items=list(session.cart_items),
        coupon_codes=session.coupon_codes or [],
        referral_code=session.referral_code or None,
        loyalty_cards=session.loyalty_cards or [],
        attributes=session.attributes or {},
        additional_costs=session.additional_costs or None,
        identifiers=session.identifiers or None,
    )


def _page(current: IntegrationState, reopen_form, cancel_form) -> dict[str, Any]:
    session = current.session
    # Both forms have a "reason": one id each, so each label names its own field.
    cancel_form.reason.id = "cancel-reason"
    wording = wording_for(session.cart_items)
    undone, kept = split_for_rollback(current.effects)
    return dict(
        session_id=session.integration_id, session=session, reopen_form=reopen_form,
        cancel_form=cancel_form, can_reopen=ACTIONS["reopen"].state_allows(session.state),
        can_cancel=ACTIONS["cancel"].state_allows(session.state),
        undone=describe(undone, wording), kept=describe(kept, wording),
        reopen_message=None, cancel_message=None, cancel_preview=None, show_cancel_confirm=False,
    )


def _confirm(kind: str, session_id: str, form, send):
    key = form.form_key.data
    known_key = key if key and IDEMPOTENCY_KEY.match(key) else None
    earlier = changes.previous_try(kind, session_id, known_key)
    if upstream.status_of(earlier) == upstream.DONE:
        return redirect(url_for("sessions.result", session_id=session_id, key=key), 303)
    retrying = upstream.status_of(earlier) == upstream.UNKNOWN
    current = access.for_action(kind, session_id, check_state=False)
    # After an unanswered try the session may already be in the target state: do not refuse,
    # let apply_once confirm it from a fresh read. Nor when this very form was sent meanwhile by
    # another click or instance (see changes.sent_by_twin): its result is the answer.
    if not (retrying or ACTIONS[kind].state_allows(current.session.state)
            or changes.sent_by_twin(kind, session_id, known_key, {"kind": kind})):
        access.require_state(kind, session_id, current)
    forms = {"reopen": (form, ReopenForm()), "cancel": (ReopenForm(), form)}[kind]
    context = _page(current, *forms)
    context["show_cancel_confirm"] = kind == "cancel"
    if not form.validate():
        return render_template("sessions/reopen.html", **context), 422

    def result_of(answer: IntegrationState) -> dict[str, Any]:
        after = answer.session
        return {
            "session_state": after.state if after else TARGET_STATE[kind],
            "effects": [effect_wire(e) for e in answer.effects],
            "reason": form.reason.data,
            "cart": cart_snapshot(current.session.cart_items),
            "actor": current_user.username,
            "audit": {"new_state": after.state if after else TARGET_STATE[kind],
                      "rollback_effects": len(answer.effects)},
        }

    def happened_already() -> dict[str, Any] | None:
        fresh = access.read(session_id).session
        if fresh.state != TARGET_STATE[kind]:
            return None
        return {"session_state": fresh.state, "effects": [], "reason": form.reason.data,
                "cart": cart_snapshot(fresh.cart_items), "actor": current_user.username}

    summary = {"reason": form.reason.data, "state_before": current.session.state}
    outcome = changes.apply_once(kind, session_id, key, {"kind": kind}, send, result_of, summary,
                                 happened_already=happened_already)
    if outcome.record is not None:
        return redirect(url_for("sessions.result", session_id=session_id, key=key), 303)
    context[f"{kind}_message"] = outcome.message
    return render_template("sessions/reopen.html", **context), outcome.status
