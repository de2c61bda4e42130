"""/customers/<integration_id>: everything a support agent needs about one customer.

    GET /customers/<id>                    the page (all sections fetched in parallel; streamed:
                                           the frame at once, the content when they are in;
                                           after a search, with the inventory it read)
    GET /customers/<id>/sections/<name>    one section (htmx: retry, sessions paging/filter);
                                           without htmx it sends the browser to the page
    GET|POST /customers/<id>/goodwill-coupon   the goodwill widget (goodwill.py): it replaces
                                           itself with each answer
    GET /customers/<id>/timeline           sessions, events, loyalty transactions and the
                                           console's actions in one list (timeline.py)
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from .. import handoff
from ..customer_profiles import customer_name
from ..permissions import can, require
from ..recent import remember
from ..streaming import after_response, stream_page
from ..talon.errors import TalonError
from ..templating import render_section, wants_partial
from ..validators import integration_id_problem
from ..why_not import ExplainCodeForm
from . import goodwill, sections, timeline
from .forms import GoodwillForm, SessionFilterForm, TimelineForm

bp = Blueprint("customers", __name__, template_folder="templates")


@bp.get("/customers/<integration_id>")
@require("lookup")
def show(integration_id: str):
    problem = integration_id_problem(integration_id)
    if problem:
        return _not_found(integration_id, problem)
    form = SessionFilterForm(request.args)
    may_reserve = _may_reserve_goodwill()
    loaded = sections.start_load(integration_id, _filters(form), goodwill=may_reserve,
                                 inventory=handoff.take("customer", integration_id))
    user_id = current_user.id
    # "Why not?" (the explain area answers it) comes with the page, not in a request after it
    why_not_form = ExplainCodeForm() if can(current_user, "why_not") else None

    def content() -> str:
        results = loaded()
        if sections.is_unknown_customer(results):
            return render_template("_not_found.html", kind="customer", identifier=integration_id)
        profile = results["profile"]
        if not isinstance(profile, Exception):
            after_response(partial(remember, user_id, "customer", integration_id, customer_name(profile)))
        return render_template(
            "customers/_page.html", integration_id=integration_id, form=form, profile=profile,
            sections={name: sections.section_context(name, results) for name in sections.SECTIONS},
            goodwill_widget=sections.goodwill_context(results, may_reserve), why_not_form=why_not_form,
        )

    return stream_page("customers/show.html", content, integration_id=integration_id)


@bp.get("/customers/<integration_id>/sections/<name>")
@require("lookup")
def section(integration_id: str, name: str):
    if name not in sections.SECTIONS or integration_id_problem(integration_id):
        abort(404)
    form = SessionFilterForm(request.args)
    if not wants_partial():
        # Only the filter's own arguments, checked: request arguments never reach url_for,
        # where names such as _method, _scheme or integration_id would steer the URL built.
        kept = form.query() if form.validate() else {}
        return redirect(url_for("customers.show", integration_id=integration_id, **kept), 303)
    may_reserve = name == "coupons" and _may_reserve_goodwill()
    results = sections.load(integration_id, _filters(form), only=name, goodwill=may_reserve)
    return render_template(f"customers/_{name}.html", integration_id=integration_id, form=form,
                           ctx=sections.section_context(name, results),
                           goodwill_widget=sections.goodwill_context(results, may_reserve)
                           if name == "coupons" else None)


@bp.get("/customers/<integration_id>/timeline", endpoint="timeline")
@require("lookup")
def timeline_page(integration_id: str):
    """The customer's timeline: every kind newest first, filtered and paged (timeline.py)."""
    problem = integration_id_problem(integration_id)
    if problem:
        return _not_found(integration_id, problem)
    form = TimelineForm(request.args)
    page, status = None, 422
    if form.validate():
        page, status = timeline.load(integration_id, form.window(),
                                     may_read_audit=can(current_user, "audit")), 200
        if page.unknown_customer:
            return _not_found(integration_id)
    return render_section("customers/timeline.html", "customers/_timeline.html",
                          integration_id=integration_id, form=form, page=page,
                          kind_titles=timeline.KIND_TITLES), status


def _may_reserve_goodwill() -> bool:
    """The goodwill widget offers a code (and so needs the lookup) only to those who may
    reserve one."""
    return can(current_user, "reservations")


def _filters(form: SessionFilterForm):
    """An invalid sessions filter is not sent: the sessions section shows the form's errors
    instead."""
    return form.filters() if form.validate() else None


def _not_found(integration_id: str, problem: str | None = None):
    return render_template("not_found.html", kind="customer", identifier=integration_id,
                           problem=problem, status=404), 404


# -- the goodwill widget ------------------------------------------------------------------------

@bp.get("/customers/<integration_id>/goodwill-coupon")
@require("lookup")
def goodwill_widget(integration_id: str):
    _check_profile_id(integration_id)
    return _goodwill(GoodwillForm(prefix="goodwill"), integration_id)


@bp.post("/customers/<integration_id>/goodwill-coupon")
@require("reservations")
def reserve_goodwill(integration_id: str):
    _check_profile_id(integration_id)
    form = GoodwillForm(prefix="goodwill")
    if not form.validate():
        return _goodwill(form, integration_id, status=422)
    reserved, status = goodwill.reserve(form, integration_id)
    if reserved is None:
        return _goodwill(form, integration_id, status=status)
    body, status = _goodwill(GoodwillForm(formdata=None, prefix="goodwill"), integration_id,
                             reserved=reserved, status=status)
    # The customer page's coupon list reloads itself on this event (customers/_coupons.html).
    return body, status, {"HX-Trigger": "coupons-changed"}


def _check_profile_id(integration_id: str) -> None:
    problem = integration_id_problem(integration_id)
    if problem:
        abort(400, description=problem)


def _goodwill(form: GoodwillForm, integration_id: str, *, reserved=None, status: int = 200):
    may_reserve = can(current_user, "reservations")
    try:
        free = goodwill.next_free(shown_only=True) if may_reserve else None
    except TalonError as exc:
        free = exc
    context = goodwill.widget_context(free, may_reserve, form=form, reserved=reserved)
    return render_template("customers/_goodwill.html", integration_id=integration_id,
                           **context), status
