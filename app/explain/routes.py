""""Why not?" on the session, customer and coupon pages: one click re-evaluates as a dry run
and says, in words, why a code was rejected, which rule's condition kept each campaign from
applying, and what would change the outcome (found by a bounded number of extra dry runs).

    GET|POST /sessions/<id>/why-not          the session as it is
    GET|POST /customers/<id>/why-not         a code typed for the customer
    GET|POST /coupons/<code>/why-not         this code for a customer

GET shows the form (nothing is sent); POST explains. An htmx POST gets the box alone (the pages
swap it in place), a plain POST the page. Nothing is saved; each explanation is audited as a
dry run (session.why_not, customer.why_not, coupon.why_not).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_login import current_user

from ..permissions import can, require
from ..talon import talon
from ..talon.errors import TalonError, TalonNotFound
from ..talon.models import IntegrationState, Session
from ..talon_failures import change_message, read_message, status_for
from ..templating import render_section, wants_partial
from ..changes import audit_failure
from ..audit_log import record
from ..validators import SESSION_CODE_MAX, coupon_code_problem, integration_id_problem
from ..why_not import ExplainCodeForm
from .explanation import Explanation, explain
from .forms import ExplainForCustomerForm
from .scenario import Scenario

bp = Blueprint("explain", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/explain")

ACCEPTED_TYPES = ("acceptCoupon", "acceptReferral")


def _budget() -> int:
    return int(current_app.config["WHY_NOT_DRY_RUNS"])


def _not_found(kind: str, identifier: str, problem: str | None = None):
    abort(make_response(render_template("not_found.html", kind=kind, identifier=identifier,
                                        problem=problem, status=404), 404))


def _render(page: str, box: str, status: int = 200, **context: Any):
    return render_section(page, box, **context), status


def _explained(action: str, target_type: str, target_id: str, scenario: Scenario, *,
               focus: str | None = None, accepted_before=()) -> tuple[Explanation | None, str | None, int]:
    """(explanation, None, 200), or (None, the message, status) when Talon.One could not be
    asked; audited as a dry run either way."""
    look_ahead = can(current_user, "test_bench")
    try:
        explanation = explain(scenario, budget=_budget(), look_ahead=look_ahead, focus=focus,
                              accepted_before=accepted_before)
    except TalonError as error:
        audit_failure(action, target_type, target_id, error, dry_run=True,
                      summary={"profile": scenario.profile_id, "codes": list(scenario.coupon_codes)})
        return None, change_message(error, "The explanation", preview=True), status_for(error)
    record(action, target_type, target_id, dry_run=True, summary=explanation.audit_summary(),
           upstream_status=200)
    return explanation, None, 200


def _standalone(page: dict[str, Any], kind: str, identifier: str, read) -> int:
    """A GET of the page itself (not the box an object's page loads): it reads the object it is
    about, so an unknown one is a 404 and Talon.One's trouble is said at once. The box alone
    reads nothing (its page has just read the object). Returns the page's status."""
    if wants_partial():
        return 200
    try:
        found = read()
    except TalonNotFound:
        found = None
    except TalonError as error:
        page["error_message"] = f"The {kind} could not be read. {read_message(error)}"
        return status_for(error)
    if found is None:
        _not_found(kind, identifier)
    page[kind] = found
    return 200


# -- a session ------------------------------------------------------------------------------


def _read_session(session_id: str) -> IntegrationState:
    problem = integration_id_problem(session_id, "session ID")
    if problem:
        _not_found("session", session_id, problem)
    try:
        return talon.integration.get_customer_session(session_id)
    except TalonNotFound:
        _not_found("session", session_id)


@bp.route("/sessions/<session_id>/why-not", methods=["GET", "POST"])
@require("why_not")
def session(session_id: str):
    page = dict(session_id=session_id, explanation=None, error_message=None)
    if request.method == "GET":
        problem = integration_id_problem(session_id, "session ID")
        if problem:
            _not_found("session", session_id, problem)
        status = _standalone(page, "session", session_id,
                             lambda: talon.integration.get_customer_session(session_id).session)
        return _render("explain/session.html", "explain/_session_box.html", status, **page)
    try:
        state = _read_session(session_id)
    except TalonError as error:
        page["error_message"] = f"The session could not be read. {read_message(error)}"
        return _render("explain/session.html", "explain/_session_box.html", status_for(error), **page)
    accepted = [str(e.prop("value") or "") for e in state.effects_of_type(*ACCEPTED_TYPES)]
    explanation, message, status = _explained("session.why_not", "session", session_id,
                                              Scenario.of_session(state.session),
                                              accepted_before=accepted)
    page.update(explanation=explanation, error_message=message, session=state.session)
    return _render("explain/session.html", "explain/_session_box.html", status, **page)


# -- a code typed for a customer, a customer for a code --------------------------------------


def _cart_of(session_id: str | None, profile_id: str | None) -> tuple[Session | None, str]:
    """The session whose cart the code is tried with, and how it was chosen: the one given,
    else the customer's newest open session (one Management read), else none."""
    if session_id:
        return talon.integration.get_customer_session(session_id).session, "the session given"
    if not profile_id:
        return None, "an empty cart (no customer, no session given)"
    newest = talon.management.list_sessions(profile=profile_id, state="open", sort="-created",
                                            page_size=1)
    if not newest.items:
        return None, "an empty cart (the customer has no open session)"
    open_id = newest.items[0].integration_id
    return talon.integration.get_customer_session(open_id).session, "the customer's newest open session"


def _code_scenario(code: str, kind: str, profile_id: str | None, session: Session | None) -> Scenario:
    """The session's content for this customer, with the typed code instead of its codes of
    that kind (it is the code's question)."""
    base = Scenario.of_session(session).but(state="open") if session else Scenario(profile_id=None)
    base = base.but(profile_id=profile_id or None)
    if kind == "referral":
        return base.but(referral_code=code)
    return base.but(coupon_codes=(code,))


def _explain_code(action: str, target_type: str, target_id: str, code: str, kind: str,
                  profile_id: str | None, session_id: str | None, field) -> dict[str, Any]:
    """The context of a code's explanation; a session that cannot be read is an error next to
    its field."""
    try:
        session, chosen = _cart_of(session_id, profile_id)
    except TalonNotFound:
        field.errors = [f"Talon.One has no session “{session_id}”."]
        return {"status": 422}
    except TalonError as error:
        return {"error_message": f"The session could not be read. {read_message(error)}",
                "status": status_for(error)}
    scenario = _code_scenario(code, kind, profile_id, session)
    explanation, message, status = _explained(action, target_type, target_id, scenario, focus=code)
    return {"explanation": explanation, "error_message": message, "status": status,
            "cart_from": chosen, "cart_session": session}


def _code_page(templates: tuple[str, str], form, page: dict[str, Any], action: str,
               target: tuple[str, str], code_of, profile_of, read):
    """GET: the form (``read``: the object of the page, for the page alone); POST: the
    explanation of ``code_of(form)`` for ``profile_of(form)``."""
    if request.method == "GET":
        return _render(*templates, _standalone(page, target[0], target[1], read), **page)
    if not form.validate():
        return _render(*templates, 422, **page)
    code, kind = code_of(form)
    page.update(_explain_code(action, *target, code, kind, profile_of(form),
                              form.session_id.data or None, form.session_id))
    return _render(*templates, page.pop("status"), **page)


@bp.route("/customers/<integration_id>/why-not", methods=["GET", "POST"])
@require("why_not")
def customer(integration_id: str):
    problem = integration_id_problem(integration_id)
    if problem:
        _not_found("customer", integration_id, problem)
    form = ExplainCodeForm()
    return _code_page(("explain/customer.html", "explain/_code_box.html"), form,
                      dict(integration_id=integration_id, form=form, explanation=None,
                           error_message=None),
                      "customer.why_not", ("customer", integration_id),
                      lambda f: (f.code.data, f.kind.data), lambda _f: integration_id,
                      lambda: talon.integration.get_customer_profile(integration_id))


@bp.route("/coupons/<code>/why-not", methods=["GET", "POST"])
@require("why_not")
def coupon(code: str):
    problem = coupon_code_problem(code, limit=SESSION_CODE_MAX)
    if problem:
        _not_found("coupon", code, problem)
    form = ExplainForCustomerForm()
    return _code_page(("explain/coupon.html", "explain/_customer_box.html"), form,
                      dict(code=code, form=form, explanation=None, error_message=None),
                      "coupon.why_not", ("coupon", code),
                      lambda _f: (code, "coupon"), lambda f: f.profile_id.data or None,
                      lambda: talon.management.find_coupon(code))
