"""Reading a session for a page or an action, with the checks every action needs: a valid ID,
the session exists, a store-bound manager's store (403, audited), and the state machine."""

from __future__ import annotations

from flask import abort, make_response, render_template, request
from flask_login import current_user

from .. import handoff
from ..audit_log import record
from ..permissions import check_store
from ..talon import talon
from ..talon.errors import TalonNotFound
from ..talon.management import SESSIONS
from ..talon.models import IntegrationState
from ..validators import integration_id_problem
from .state_machine import ACTIONS


def not_found(session_id: str, problem: str | None = None):
    return make_response(render_template("not_found.html", kind="session",
                                         identifier=session_id, problem=problem, status=404), 404)


def check_id(session_id: str) -> None:
    problem = integration_id_problem(session_id, "session ID")
    if problem:
        abort(not_found(session_id, problem))


def read(session_id: str, form=None) -> IntegrationState:
    """The session and its current effects; a missing session ends the request with a 404 page
    (other Talon.One errors reach the app's error page).

    With a ``form`` that has a ``shown`` field (a preview's, a return's): the session as the page
    the form was sent from showed it, when that page kept it (app/handoff.py), so its dry run is
    the one round trip; else read now and kept for the form's next send."""
    check_id(session_id)
    if form is not None:
        held = handoff.kept("session", session_id, form.shown.data, SESSIONS)
        if held is not None:
            return held
    try:
        state = talon.integration.get_customer_session(session_id)
    except TalonNotFound:
        abort(not_found(session_id))
    if form is not None:
        form.shown.data = handoff.keep("session", session_id, state, SESSIONS)
    return state


def for_action(action: str, session_id: str, *, check_state: bool = True,
               form=None) -> IntegrationState:
    """The session (``read``), after the store and state checks of ``action``. A refused POST
    is audited; a GET just explains why the action is not available."""
    state = read(session_id, form)
    session = state.session
    if ACTIONS[action].store_bound:
        check_store(current_user, session.store_integration_id, target_type="session",
                    target_id=session_id)
    if check_state:
        require_state(action, session_id, state)
    return state


def require_state(action: str, session_id: str, state: IntegrationState) -> None:
    """End the request with a 409 page when the session's state does not allow ``action``."""
    session = state.session
    if ACTIONS[action].state_allows(session.state):
        return
    reason = ACTIONS[action].why_not(session.state)
    if request.method == "POST":
        record(f"session.{action}", "session", session_id, outcome="refused",
               summary={"refused": reason, "state": session.state})
    abort(make_response(render_template(
        "sessions/not_allowed.html", session=session, action=ACTIONS[action], reason=reason,
    ), 409))
