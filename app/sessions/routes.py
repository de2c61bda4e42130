"""/sessions/<id>: one customer session, and the actions on it.

    GET  /sessions/<id>                        the session page (session, effects, events),
                                               streamed: frame first, content when read
    GET  /sessions/<id>/sections/<name>        one section again (htmx retry)
    GET|POST /sessions/<id>/preview            dry-run editor (preview.py)
    GET|POST /sessions/<id>/return             returns (returns.py)
    GET|POST /sessions/<id>/reopen             reopen, and cancel (reopen.py)
    GET  /sessions/<id>/results/<key>          what a return, reopen or cancel did
"""

from __future__ import annotations

from functools import partial

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from ..permissions import require
from ..recent import remember
from ..streaming import after_response, stream_page
from ..talon import talon
from ..talon.errors import TalonNotFound
from ..templating import wants_partial
from . import access, changes, session_view
from . import preview, reopen, returns  # noqa: F401  (importing them adds their routes to bp)
from .blueprint import bp

EVENTS_SHOWN = 50
SECTIONS = ("details", "events")
RESULT_KINDS = ("return", "reopen", "cancel")


def _calls(session_id: str, names: tuple[str, ...]) -> dict:
    calls = {
        "details": lambda: talon.integration.get_customer_session(session_id),
        "events": lambda: talon.management.list_events(session=session_id, sort="-created",
                                                         page_size=EVENTS_SHOWN),
        "campaigns": talon.management.campaign_names,
    }
    wanted = set(names) | ({"campaigns"} if "details" in names or "events" in names else set())
    return {name: call for name, call in calls.items() if name in wanted}


@bp.get("/sessions/<session_id>")
@require("lookup")
def show(session_id: str):
    access.check_id(session_id)
    pending = talon.start_fan_out(_calls(session_id, SECTIONS))
    user_id = current_user.id

    def content() -> str:
        results = pending.results()
        if isinstance(results["details"], TalonNotFound):
            return render_template("search/_not_found.html", kind="session", identifier=session_id)
        context = session_view.page_context(session_id, results, current_user)
        if context["session"] is not None:
            after_response(partial(remember, user_id, "session", session_id,
                                   context["session"].profile_id or ""))
        return render_template("sessions/_page.html", **context)

    return stream_page("sessions/show.html", content, session_id=session_id)


@bp.get("/sessions/<session_id>/sections/<name>")
@require("lookup")
def section(session_id: str, name: str):
    if name not in SECTIONS:
        abort(404)
    access.check_id(session_id)
    if not wants_partial():
        return redirect(url_for("sessions.show", session_id=session_id), 303)
    results = talon.fan_out(_calls(session_id, (name,)))
    context = session_view.page_context(session_id, results, current_user)
    return render_template(f"sessions/_{name}.html", **context)


@bp.get("/sessions/<session_id>/results/<key>")
@require("lookup")
def result(session_id: str, key: str):
    access.check_id(session_id)
    record = changes.find_result(session_id, key, RESULT_KINDS)
    if record is None:
        abort(404, description="There is no result with this key for this session. It may have "
                               "been made on another console, or the link is incomplete.")
    return render_template("sessions/result.html", session_id=session_id, key=key,
                           result=session_view.stored_result(record))
