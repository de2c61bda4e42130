"""Coupons: /coupons (find by code), /coupons/<code> (campaign, limits, usage, state, hard or
soft reservation, who reserved it; reserve or remove for one profile, a pasted list or a CSV),
and the customer page's goodwill widget (/customers/<id>/goodwill-coupon).

Everyone may look; reserving needs the `reservations` permission. Single reservations are sent
at once through app.changes.submit; lists run as bulk jobs (app.bulk).
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..bulk.pages import mount_job_pages, progress_context, start_job
from ..permissions import can, require
from ..routing import page_arg
from ..talon import talon
from ..talon.errors import TalonError
from ..templating import render_section, wants_partial
from ..changes import submit
from ..talon_failures import read_message, status_for
from . import service
from ..validators import coupon_code_problem, integration_id_problem
from .forms import FindCouponForm, GoodwillForm, ReservationsForm

bp = Blueprint("coupons", __name__, template_folder="templates")

mount_job_pages(bp, prefix="/coupons/<code>/jobs", target_arg="code", permission="reservations",
                back_endpoint="coupons.show", operations=(service.RESERVE, service.UNRESERVE))

RESERVED_PER_PAGE = 50


@bp.get("/coupons")
@require("lookup")
def index():
    form = FindCouponForm(formdata=request.args if "code" in request.args else None)
    if "code" in request.args:
        if form.validate():
            return redirect(url_for("coupons.show", code=form.code.data), 303)
        return render_template("coupons/find.html", form=form), 422
    return render_template("coupons/find.html", form=form)


def _refuse_code(code: str, problem: str, status: int):
    """Stop the request with the find page, the reason next to the code field."""
    form = FindCouponForm(formdata=MultiDict({"code": code[:300]}))
    form.code.errors = [problem]
    abort(make_response(render_template("coupons/find.html", form=form), status))


def _view_or_refuse(code: str) -> service.CouponView:
    problem = coupon_code_problem(code)
    if problem:
        _refuse_code(code, problem, 400)
    try:
        view = service.load(code)
    except TalonError as exc:
        _refuse_code(code, f"Talon.One could not be asked. {read_message(exc)}", status_for(exc))
    if view is None:
        _refuse_code(code, f"No coupon has the code “{code}”. Codes are matched exactly; check "
                           "the spelling.", 404)
    return view


@bp.get("/coupons/<code>")
@require("lookup")
def show(code: str):
    view = _view_or_refuse(code)
    return _render(view, None)


def _render(view, partial: str | None, status: int = 200, headers: dict | None = None,
            **overrides):
    context = {"view": view, "coupon": view.coupon,
               "form": ReservationsForm(formdata=None, prefix="reservations"),
               "page": page_arg(), **overrides}
    context.update(per_page=RESERVED_PER_PAGE, campaign_state=service.campaign_state)
    if partial is None or not wants_partial():
        return render_template("coupons/show.html", **context), status, headers or {}
    return render_section("coupons/show.html", partial, **context), status, headers or {}


@bp.get("/coupons/<code>/reservations")
@require("lookup")
def reservations(code: str):
    """The reserved customers section, reloaded when a job finishes."""
    if not wants_partial():
        return redirect(url_for("coupons.show", code=code), 303)
    view = _view_or_refuse(code)
    return _render(view, "coupons/_reserved.html")


@bp.post("/coupons/<code>/reservations")
@require("reservations")
def change_reservations(code: str):
    view = _view_or_refuse(code)
    form = ReservationsForm(prefix="reservations")
    if not form.validate():
        return _render(view, "coupons/_bulk.html", 422, form=form)
    operation = service.RESERVE if form.action.data == "reserve" else service.UNRESERVE
    started = start_job(operation.kind, view.coupon.value, view.coupon.value, form)
    if started is None:
        return _render(view, "coupons/_bulk.html", 422, form=form)
    job, headers = started
    undo = None
    if operation is service.UNRESERVE and form.source_field() is form.profile_id and job.succeeded == 1:
        # One reservation removed from the list's own button: the way back, for a few seconds.
        removed = form.profile_id.data
        undo = {"message": f"{view.coupon.value} is no longer reserved for {removed}.",
                "url": url_for("coupons.change_reservations", code=view.coupon.value),
                "fields": {"reservations-action": "reserve", "reservations-profile_id": removed},
                "target": "#coupon-bulk"}
    return _render(view, "coupons/_bulk.html", headers=headers, undo=undo, **progress_context(job))


# -- the customer page's goodwill widget -----------------------------------------------------

@bp.get("/customers/<integration_id>/goodwill-coupon")
@require("lookup")
def goodwill(integration_id: str):
    """A self-replacing widget: reserve a goodwill coupon for this customer."""
    _check_profile_id(integration_id)
    return _goodwill_widget(GoodwillForm(prefix="goodwill"), integration_id)


@bp.post("/customers/<integration_id>/goodwill-coupon")
@require("reservations")
def reserve_goodwill(integration_id: str):
    _check_profile_id(integration_id)
    form = GoodwillForm(prefix="goodwill")
    if not form.validate():
        return _goodwill_widget(form, integration_id, status=422)
    reserved, status = _reserve_goodwill(form, integration_id)
    if reserved is None:
        return _goodwill_widget(form, integration_id, status=status)
    body, status = _goodwill_widget(GoodwillForm(formdata=None, prefix="goodwill"), integration_id,
                                    reserved=reserved, status=status)
    # The customer page's coupon list reloads itself on this event (customers/_coupons.html).
    return body, status, {"HX-Trigger": "coupons-changed"}


def _check_profile_id(integration_id: str) -> None:
    problem = integration_id_problem(integration_id)
    if problem:
        abort(400, description=problem)


def _goodwill_widget(form: GoodwillForm, integration_id: str, *, reserved=None, status: int = 200):
    may_reserve = can(current_user, "reservations")
    try:
        free = service.next_free_goodwill(shown_only=True) if may_reserve else None
    except TalonError as exc:
        free = exc
    context = goodwill_widget_context(free, may_reserve, form=form, reserved=reserved)
    return render_template("coupons/_goodwill.html", integration_id=integration_id, **context), status


def goodwill_widget_context(free, may_reserve: bool, *, form: GoodwillForm | None = None,
                            reserved=None) -> dict:
    """What coupons/_goodwill.html needs besides the customer's ID. `free` is the next free
    goodwill coupon, None, or the TalonError of looking it up; the customer page passes what its
    own parallel fetch found, so the widget renders with the page."""
    lookup_error = free if isinstance(free, TalonError) else None
    return {"form": form or GoodwillForm(formdata=None, prefix="goodwill"),
            "free": None if lookup_error else free, "lookup_error": lookup_error,
            "reserved": reserved, "may_reserve": may_reserve, "prefix": service.goodwill_prefix()}


def _reserve_goodwill(form: GoodwillForm, integration_id: str):
    """(the reserved coupon, 200) or (None, status) with the reason on the form."""
    try:
        if form.choice.data == "next":
            coupon = service.next_free_goodwill()
            if coupon is None:
                form.choice.errors = [f"No free {service.goodwill_prefix()}* code is left; type "
                                      "a code instead."]
                return None, 409
        else:
            coupon = talon.management.find_coupon(form.code.data)
            if coupon is None:
                form.code.errors = [f"No coupon has the code “{form.code.data}”."]
                return None, 404
    except TalonError as exc:
        form.choice.errors = [f"Talon.One could not be asked. {read_message(exc)}"]
        return None, status_for(exc)
    if coupon.uses_left == 0:
        form.code.errors = [f"{coupon.value} is used up ({coupon.usage_counter} of "
                            f"{coupon.usage_limit} uses)."]
        return None, 409
    sent = submit(
        lambda: talon.integration.create_coupon_reservation(coupon.value, [integration_id]),
        action="coupon.reserve", target=("coupon", coupon.value),
        summary={"profiles": [integration_id], "via": "goodwill widget",
                 "mandatory": bool(coupon.is_reservation_mandatory)},
        success_status=201, what="The reservation")
    if not sent.ok:
        form.choice.errors = [sent.message]
        return None, sent.status
    return coupon, 200
