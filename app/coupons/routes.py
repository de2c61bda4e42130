"""Coupons: /coupons (find by code), /coupons/<code> (campaign, limits, usage, state, hard or
soft reservation, who reserved it; reserve or remove for one profile, a pasted list or a CSV).

Everyone may look; reserving needs the `reservations` permission. Single reservations are sent
at once through app.changes.submit; lists run as bulk jobs (app.bulk).
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..bulk.pages import mount_job_pages, progress_context, start_job
from ..permissions import require
from ..promotions import campaign_state
from ..routing import page_arg
from ..talon.errors import TalonError
from ..templating import render_section, wants_partial
from ..talon_failures import read_message, status_for
from ..validators import coupon_code_problem
from . import service
from .forms import FindCouponForm, ReservationsForm

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
    context.update(per_page=RESERVED_PER_PAGE, campaign_state=campaign_state)
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
