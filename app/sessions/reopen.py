"""Reopen (closed → open) and cancel (where the state machine allows) of a session: the page's
lists of what will and will not roll back (from the current effects and the service layer's
rollback registry), and what a confirmed change keeps for its result page. The views are in
routes.py. A dry run considers only the payload it carries (updateCustomerSessionV2's `dry`),
so the cancel preview sends the stored session's own payload with the new state. Neither call
has an idempotency key upstream, so a retry after a timeout re-reads the session first
(``happened_already``) instead of sending blindly."""

from __future__ import annotations

from typing import Any, Callable

from flask_login import current_user

from ..talon import talon
from ..talon.effects import split_for_rollback
from ..talon.errors import TalonError
from ..talon.models import IntegrationState, Session
from . import access
from .effect_view import describe, effect_wire
from .session_view import cart_snapshot, wording_for
from .state_machine import ACTIONS

TARGET_STATE = {"reopen": "open", "cancel": "cancelled"}
WHAT = {"reopen": "The reopen", "cancel": "The cancellation"}


def stored_payload(session: Session) -> dict[str, Any]:
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


def page_context(current: IntegrationState, reopen_form, cancel_form) -> dict[str, Any]:
    session = current.session
    # Both forms have a "reason": one id each, so each label names its own field.
    cancel_form.reason.id = "cancel-reason"
    wording = wording_for(session.cart_items)
    undone, kept_effects = split_for_rollback(current.effects)
    completed = completed_achievements(session.profile_id, undone)
    kept_effects += [e for e in undone if _achievement_of(e) in completed]
    undone = [e for e in undone if _achievement_of(e) not in completed]
    return dict(
        session_id=session.integration_id, session=session, reopen_form=reopen_form,
        cancel_form=cancel_form, can_reopen=ACTIONS["reopen"].state_allows(session.state),
        can_cancel=ACTIONS["cancel"].state_allows(session.state),
        undone=describe(undone, wording), kept=describe(kept_effects, wording),
        reopen_message=None, cancel_message=None, cancel_preview=None, show_cancel_confirm=False,
    )


def _achievement_of(effect) -> Any:
    return effect.prop("achievementId") if effect.effect_type == "increaseAchievementProgress" else None


def completed_achievements(profile_id: str | None, effects) -> set:
    """The achievements, among those these effects advanced, that the customer has completed:
    Talon.One rolls achievement progress back "only when the customer has not completed the
    achievement" (talon-openapi.json, RollbackIncreasedAchievementProgressEffectProps), so a
    reopen must not promise it. Completed in this very session (isJustCompleted) or since,
    as the customer's achievements say; if they cannot be read, the effect's own word counts."""
    advanced = [e for e in effects if _achievement_of(e) is not None]
    done = {_achievement_of(e) for e in advanced
            if e.prop("isJustCompleted") or (e.prop("value") or 0) >= (e.prop("target") or float("inf"))}
    rest = sorted({_achievement_of(e) for e in advanced} - done)
    if not rest or not profile_id:
        return done
    try:
        page = talon.integration.get_customer_achievements(
            profile_id, achievement_ids=rest, current_progress_status=["completed"])
    except TalonError:
        return done
    return done | {a.achievement_id for a in page.items if a.status == "completed"}


def kept(kind: str, answer: IntegrationState, current: IntegrationState, reason: str) -> dict:
    """What the result page of a confirmed reopen or cancel shows."""
    after = answer.session
    return {
        "kind": kind,
        "session_state": after.state if after else TARGET_STATE[kind],
        "effects": [effect_wire(e) for e in answer.effects],
        "reason": reason,
        "cart": cart_snapshot(current.session.cart_items),
        "actor": current_user.username,
    }


def audited(kind: str, answer: IntegrationState) -> dict:
    after = answer.session
    return {"new_state": after.state if after else TARGET_STATE[kind],
            "rollback_effects": len(answer.effects)}


def happened_already(kind: str, session_id: str, reason: str) -> Callable[[], dict | None]:
    """After a try that got no answer: a fresh read says whether it happened (the session is
    in the target state), and what its result page then shows."""
    def confirm() -> dict | None:
        fresh = access.read(session_id).session
        if fresh.state != TARGET_STATE[kind]:
            return None
        return {"kind": kind, "session_state": fresh.state, "effects": [], "reason": reason,
                "cart": cart_snapshot(fresh.cart_items), "actor": current_user.username}
    return confirm
