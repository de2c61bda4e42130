"""/sessions/<id>: one customer session, and the actions on it.

    GET  /sessions/<id>                        the session page (session, effects, events),
                                               streamed: frame first, content when read
    GET  /sessions/<id>/sections/<name>        one section again (htmx retry)
    GET|POST /sessions/<id>/preview            dry-run editor (preview.py); htmx's preview that
                                               went through gets its result alone
    GET|POST /sessions/<id>/return             returns: a dry run, then the confirm (returns.py);
                                               htmx's preview gets the editor alone
    GET  /sessions/<id>/reopen, POST .../reopen, .../cancel/preview, .../cancel
                                               reopen, and cancel (reopen.py)
    GET  /sessions/<id>/results/<key>          what a return, reopen or cancel did

A change is sent once per form through app.changes.submit, with the form's key. The view's
first look for an earlier send of the same form (changes.earlier) comes before the session is
read; when the session read afterwards refuses the form (quantities used up, state moved on),
the view looks again (changes.sent_by_twin): another click or console instance may have sent
this very form meanwhile, and then its result is the answer, not a refusal.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import changes
from ..audit_log import record
from ..permissions import check_store, require
from ..recent import remember
from ..streaming import after_response, stream_page
from ..talon import talon
from ..talon.errors import TalonNotFound, TalonOutcomeUnknown
from ..templating import navigate, render_section, wants_partial
from . import access, preview, reopen as reopening, returns, session_view
from .effect_view import describe
from .forms import (
    IDEMPOTENCY_KEY,
    MAX_CART_LINES,
    CancelForm,
    PreviewForm,
    ReopenForm,
    ReturnForm,
    cart_too_long,
)
from .session_view import scope_for, wording_for
from .state_machine import ACTIONS, preview_targets

bp = Blueprint("sessions", __name__, template_folder="templates")

EVENTS_SHOWN = 50
SECTIONS = ("details", "events")


def _result_url(session_id: str, key: str) -> str:
    return url_for("sessions.result", session_id=session_id, key=key)


# -- the session page ---------------------------------------------------------------------------

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
            return render_template("_not_found.html", kind="session", identifier=session_id)
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
    found = session_view.find_result(session_id, key)
    if found is None:
        abort(404, description="There is no result with this key for this session. It may have "
                               "been made on another console, or the link is incomplete.")
    return render_template("sessions/result.html", session_id=session_id, key=key,
                           result=session_view.stored_result(found))


# -- preview ------------------------------------------------------------------------------------

@bp.route("/sessions/<session_id>/preview", methods=["GET", "POST"], endpoint="preview")
@require("preview")
def preview_session(session_id: str):
    form = PreviewForm()
    current = access.read(session_id, form)
    session = current.session
    form.target_state.choices = [SelectChoice(s, preview.STATE_LABELS[s])
                                 for s in preview_targets(session.state)]
    page = dict(session_id=session_id, session=session, form=form, result=None, error_message=None)

    def render(status: int = 200):
        return render_section("sessions/preview.html", "sessions/_preview.html", **page), status

    too_long = cart_too_long(session.cart_items, "previewed")
    if too_long:
        page["error_message"] = too_long
        return render(200 if request.method == "GET" else 422)
    if request.method == "GET":
        preview.start_from(form, session)
        return render()
    if "add_item" in request.form and len(form.items.entries) >= MAX_CART_LINES:
        page["error_message"] = (f"At most {MAX_CART_LINES:,} cart lines: Talon.One takes no "
                                 "more in one update.")
        return render(422)
    if "add_item" in request.form:
        # Adding a line sends nothing; the form comes back with an empty line to fill in.
        form.items.append_entry({"origin": -1, "quantity": 1, "price": 0})
        return render()
    if not (form.validate() & form.check_origins(session.cart_items)):
        return render(422)

    sent = changes.submit(
        lambda: talon.integration.update_customer_session(session_id, dry=True,
                                                          **preview.payload(form, session)),
        action="session.preview", target=("session", session_id),
        summary=preview.audit_summary(form), dry_run=True, what="The preview",
        audited=lambda after: {"effects_after": len(after.effects)})
    if not sent.ok:
        page["error_message"] = sent.message
        return render(sent.status)
    page["result"] = preview.compare(current, sent.value, form)
    if wants_partial() and not request.form.get("redraw"):
        # htmx keeps the form the agent filled in: the result alone replaces the last one, and
        # the form's page token rides along out of band (issue 19: a 13 KB swap was most of the
        # browser's time on a dry run). An editor that shows errors sends "redraw": it comes
        # back whole, as every other answer here does.
        return (render_template("sessions/_preview_result.html", **page, oob_shown=True), 200,
                {"HX-Retarget": "#preview-result", "HX-Reswap": "outerHTML"})
    return render()


# -- returns ------------------------------------------------------------------------------------

def editor(**page) -> str:
    """The return page after a POST; to htmx's "Preview the return" only its editor (the form
    and the preview), swapped in place (issue 19: the browser keeps the page it has)."""
    return render_section("sessions/return.html", "sessions/_return.html", **page)


@bp.route("/sessions/<session_id>/return", methods=["GET", "POST"])
@require("return_reopen")
def return_items(session_id: str):
    form = ReturnForm()
    valid = form.validate() if request.method == "POST" else True
    key = form.form_key.data if request.method == "POST" and not form.form_key.errors else None
    scope = scope_for("return", session_id)
    before = changes.earlier(scope, key)
    done_before = before is not None and before.status == changes.DONE
    if done_before and valid and before.same_as(returns.identity(form)):
        # a refresh, a double click or a second window: the same return, already done
        return navigate(_result_url(session_id, key))
    # After a try that got no answer the return may have used up the quantities, so the
    # same form is sent again as it was: Talon.One's idempotency answers it with the first result.
    retrying = before is not None and before.status == changes.UNKNOWN
    # a preview compares with the session as the page showed it; a confirm reads it afresh
    current = access.for_action("return", session_id, check_state=False,
                                form=None if request.form.get("action") == "confirm" else form)
    session = current.session
    page = dict(session_id=session_id, session=session, form=form, preview=None, message=None,
                retrying=retrying, items_by_position=returns.by_position(session.cart_items),
                used_key=None)

    if request.method == "GET":
        access.require_state("return", session_id, current)
        form.fill(session.cart_items)
        form.ensure_key()
        page["message"] = cart_too_long(session.cart_items, "returned")
        return render_template("sessions/return.html", **page)
    if done_before:
        # The form was sent already, and now asks for something else: start a fresh form.
        record("session.return", "session", session_id, outcome="refused", summary={
            "form_key": key, "refused": "the form's return was already confirmed; it now "
                                        "asked for other items"})
        page.update(used_key=key, message=(
            "This form's return was already confirmed. Nothing more was sent. To return more "
            "items, use the fresh form below."))
        form.fill(session.cart_items)
        form.form_key.data = changes.new_key()
        return editor(**page), 409

    if not retrying:
        state_allows = ACTIONS["return"].state_allows(session.state)
        fits_cart = state_allows and valid and form.check_against_cart(session.cart_items)
        # Refused by a session read after this very form was confirmed by another click or
        # instance: that confirm's result is the answer.
        twin = (valid and not fits_cart and request.form.get("action") == "confirm"
                and changes.sent_by_twin(scope, key, returns.identity(form)))
        if not (state_allows or twin):
            access.require_state("return", session_id, current)
        if not twin:
            valid = fits_cart
    if not (valid and form.check_selection()):
        return editor(**page), 422

    cart = session.cart_items
    items = sorted(form.requested().items())
    summary = {"items": returns.described(items, cart), "reason": form.reason.data,
               "idempotency_key": form.form_key.data}
    if request.form.get("action") != "confirm":
        sent = changes.submit(
            lambda: talon.integration.return_cart_items(session_id, items, dry=True,
                                                        response_content=["customerSession"]),
            action="session.return", target=("session", session_id), summary=summary,
            dry_run=True, what="The preview", audited=returns.audited)
        if not sent.ok:
            page["message"] = sent.message
            return editor(**page), sent.status
        page["preview"] = returns.preview_of(sent.value, cart, items)
        return editor(**page)

    sent = changes.submit(
        lambda: talon.integration.return_cart_items(session_id, items, idempotency_key=key,
                                                    response_content=returns.RESPONSE_CONTENT),
        action="session.return", target=("session", session_id), scope=scope, key=key,
        payload=returns.identity(form), resend_safe=True, what="The return", summary=summary,
        kept=lambda answer: returns.kept(answer, cart, items, form.reason.data),
        audited=returns.audited)
    if sent.ok:
        return navigate(_result_url(session_id, key))
    page["message"] = sent.message
    page["retrying"] = isinstance(sent.error, TalonOutcomeUnknown)
    return editor(**page), sent.status


# -- reopen and cancel --------------------------------------------------------------------------

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
    return render_template("sessions/reopen.html",
                           **reopening.page_context(current, reopen_form, cancel_form))


@bp.post("/sessions/<session_id>/reopen")
@require("return_reopen")
def confirm_reopen(session_id: str):
    return _confirm("reopen", session_id, ReopenForm(),
                    lambda: talon.integration.reopen_customer_session(session_id))


@bp.post("/sessions/<session_id>/cancel/preview")
@require("return_reopen")
def cancel_preview(session_id: str):
    current = access.for_action("cancel", session_id)
    form = CancelForm()
    form.ensure_key()
    context = {**reopening.page_context(current, ReopenForm(), form), "cancel_preview": None,
               "cancel_message": None}
    sent = changes.submit(
        lambda: talon.integration.update_customer_session(
            session_id, state="cancelled", dry=True, response_content=["customerSession"],
            **reopening.stored_payload(current.session)),
        action="session.cancel", target=("session", session_id), summary={"preview": True},
        dry_run=True, what="The preview", audited=lambda answer: {"rollbacks": len(answer.effects)})
    if not sent.ok:
        context["cancel_message"] = sent.message
        return render_section("sessions/reopen.html", "sessions/_cancel.html", **context), sent.status
    context["cancel_preview"] = describe(sent.value.effects, wording_for(current.session.cart_items))
    context["show_cancel_confirm"] = True
    return render_section("sessions/reopen.html", "sessions/_cancel.html", **context)


@bp.post("/sessions/<session_id>/cancel")
@require("return_reopen")
def cancel(session_id: str):
    return _confirm("cancel", session_id, CancelForm(), lambda: talon.integration.update_customer_session(
        session_id, state="cancelled", response_content=["customerSession"]))


def _confirm(kind: str, session_id: str, form, call):
    key = form.form_key.data
    known_key = key if key and IDEMPOTENCY_KEY.match(key) else None
    scope = scope_for(kind, session_id)
    before = changes.earlier(scope, known_key)
    if before is not None and before.status == changes.DONE:
        return redirect(_result_url(session_id, key), 303)
    retrying = before is not None and before.status == changes.UNKNOWN
    current = access.for_action(kind, session_id, check_state=False)
    # After an unanswered try the session may already be in the target state: do not refuse,
    # let submit confirm it from a fresh read. Nor when this very form was sent meanwhile by
    # another click or instance: its result is the answer.
    if not (retrying or ACTIONS[kind].state_allows(current.session.state)
            or changes.sent_by_twin(scope, known_key, {"kind": kind})):
        access.require_state(kind, session_id, current)
    forms = {"reopen": (form, ReopenForm()), "cancel": (ReopenForm(), form)}[kind]
    context = reopening.page_context(current, *forms)
    context["show_cancel_confirm"] = kind == "cancel"
    if not form.validate():
        return render_template("sessions/reopen.html", **context), 422

    reason = form.reason.data
    sent = changes.submit(
        call, action=f"session.{kind}", target=("session", session_id), scope=scope, key=key,
        payload={"kind": kind}, what=reopening.WHAT[kind],
        confirm=reopening.happened_already(kind, session_id, reason),
        summary={"reason": reason, "state_before": current.session.state},
        kept=lambda answer: reopening.kept(kind, answer, current, reason),
        audited=lambda answer: reopening.audited(kind, answer))
    if sent.ok:
        return redirect(_result_url(session_id, key), 303)
    context[f"{kind}_message"] = sent.message
    return render_template("sessions/reopen.html", **context), sent.status
