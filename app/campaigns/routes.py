"""The campaign test bench (/campaigns/test-bench), saved test cases, suites and suite runs.

Everything here needs the `test_bench` permission (marketers and administrators). Cases and
suites belong to their author: anyone with the bench may view, run and export them; only the
author or an administrator may change or delete them. Bench runs are dry runs (audited with
dry_run=True); saving, editing, deleting and importing cases change only the app database and
are audited too.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from .. import home_panels
from ..audit_log import record
from ..extensions import db
from ..models import utcnow
from ..permissions import can, require
from ..promotions import campaign_state
from ..routing import LARGEST_ID, int_arg
from ..talon import talon
from ..talon.errors import TalonError, TalonNotFound
from ..templating import navigate, render_section
from ..changes import submit
from ..talon_failures import read_message, status_for
from . import catalog, expectations, portable, runs, schedules, tasks
from .evaluation import BenchInput, run
from .forms import (MAX_ITEMS, BenchForm, ExpectationsForm, ImportForm, ScheduleForm,
                    TemplateSessionForm)
from .models import BenchCase, BenchSuite, SuiteRun

bp = Blueprint("campaigns", __name__, template_folder="templates")
NEW_SUITE = 0


def _regressions_panel(user):
    """The home page's panel: every suite's open regression, for those who use the bench."""
    if not can(user, "test_bench"):
        return None
    found = runs.open_regressions()
    if not found:
        return None
    return Markup(render_template("campaigns/_home_regressions.html", regressions=found))


bp.record_once(lambda state: home_panels.add(state.app, _regressions_panel))


def owns(thing) -> bool:
    return thing.owner == current_user.username or current_user.role == "admin"


def _require_owner(thing) -> None:
    if not owns(thing):
        record("permission.refused", "test_case", getattr(thing, "id", None),
               summary={"reason": "not the author", "owner": thing.owner}, outcome="refused")
        abort(403, description=f"Only its author ({thing.owner}) or an administrator may change this.")


# -- the bench --------------------------------------------------------------------------------

def _campaigns():
    """(campaigns by ID, error): the bench still renders when the list cannot be read."""
    try:
        return {c.id: c for c in catalog.all_campaigns()}, None
    except TalonError as exc:
        return {}, exc


def _bench_form(campaigns: dict, *, bind: bool) -> BenchForm:
    """The bench form with the campaigns and the user's suites as choices; bound to the posted
    data, or empty (bind=False) for a fresh page."""
    form = BenchForm() if bind else BenchForm(formdata=None)
    form.set_campaigns(campaigns.values(), campaign_state, catalog.window_that_matters)
    mine = db.session.scalars(sa.select(BenchSuite).where(BenchSuite.owner == current_user.username)
                              .order_by(BenchSuite.name)).all()
    form.suite.choices = [SelectChoice(NEW_SUITE, "— a new suite —")] + [
        SelectChoice(s.id, f"{s.name} (campaign {s.campaign_id})") for s in mine]
    return form


def _bench_page(form, campaigns, campaigns_error, *, result=None, run_error=None, status=200,
                template_form=None, import_form=None, partial="campaigns/_bench.html"):
    suites = db.session.scalars(sa.select(BenchSuite).order_by(BenchSuite.campaign_id,
                                                               BenchSuite.name)).all()
    context = dict(form=form, campaigns=campaigns, campaigns_error=campaigns_error,
                   result=result, run_error=run_error, suites=suites, owns=owns,
                   template_form=template_form or TemplateSessionForm(formdata=None),
                   import_form=import_form or ImportForm(formdata=None, prefix="import"),
                   campaign_state=campaign_state)
    return render_section("campaigns/test_bench.html", partial, **context), status


@bp.get("/campaigns/test-bench")
@require("test_bench")
def test_bench():
    campaigns, campaigns_error = _campaigns()
    form = _bench_form(campaigns, bind=False)
    template_form = TemplateSessionForm(formdata=request.args if "session" in request.args else None)
    status = 200
    if "session" in request.args:
        status = _fill_from_session(form, template_form)
    elif "case" in request.args:
        case = _case_or_404(int_arg("case", 0, low=0, high=LARGEST_ID))
        form.fill(BenchInput.from_dict(case.request))
    return _bench_page(form, campaigns, campaigns_error, status=status, template_form=template_form)


def _fill_from_session(form: BenchForm, template_form: TemplateSessionForm) -> int:
    """Use an existing session's cart, codes, cards, attributes and profile as the template."""
    if not template_form.validate():
        return 422
    session_id = template_form.session.data
    try:
        state = talon.integration.get_customer_session(session_id)
    except TalonNotFound:
        template_form.session.errors.append(f"There is no session {session_id}.")
        return 404
    except TalonError as exc:
        template_form.session.errors.append(f"Talon.One could not be asked. {read_message(exc)}")
        return status_for(exc)
    session = state.session
    if len(session.cart_items) > MAX_ITEMS:
        template_form.session.errors.append(
            f"Session {session_id} has {len(session.cart_items):,} cart lines; the bench, like "
            f"Talon.One, takes at most {MAX_ITEMS:,}.")
        return 422
    form.fill(BenchInput(
        campaign_ids=[],
        cart=[{"sku": i.sku, "quantity": i.quantity, "price": str(i.price or 0),
               "category": i.category or ""} for i in session.cart_items],
        coupon_codes=list(session.coupon_codes or []), referral_code=session.referral_code or "",
        loyalty_cards=list(session.loyalty_cards or []),
        session_attributes=dict(session.attributes or {}),
        profile_mode="existing" if session.profile_id else "anonymous",
        profile_id=session.profile_id or ""))
    flash(f"The form holds session {session_id}'s cart; pick the campaigns and run.", "info")
    return 200


@bp.post("/campaigns/test-bench")
@require("test_bench")
def run_bench():
    campaigns, campaigns_error = _campaigns()
    form = _bench_form(campaigns, bind=True)
    action = request.form.get("action", "run")
    if action == "add_item":
        if len(form.items.entries) < MAX_ITEMS:
            form.items.append_entry()
        return _bench_page(form, campaigns, campaigns_error)
    if campaigns_error is not None:
        return _bench_page(form, campaigns, campaigns_error, status=status_for(campaigns_error))
    valid = form.validate()
    if action == "save":
        valid = _check_save_fields(form) and valid  # after validate(), which resets errors
    if not valid:
        return _bench_page(form, campaigns, campaigns_error, status=422)
    bench = form.bench_input()
    sent = submit(lambda: run(bench, campaigns), action="campaign.test_bench.run",
                  target=("campaign", ",".join(map(str, bench.campaign_ids))),
                  summary={"campaigns": bench.campaign_ids, "profile": bench.profile_mode,
                           "items": len(bench.cart), "coupons": bench.coupon_codes,
                           "now": bench.now or None},
                  audited=lambda result: result.summary(), dry_run=True, what="The dry run")
    if not sent.ok:
        return _bench_page(form, campaigns, campaigns_error, run_error=sent.error,
                           status=sent.status)
    result = sent.value
    if action == "save":
        case = _save_case(form, bench, result)
        flash(f"Saved “{case.name}”. Its expectations are what happened now; edit them below.",
              "success")
        return navigate(url_for("campaigns.show_case", case_id=case.id))
    return _bench_page(form, campaigns, campaigns_error, result=result)


def _check_save_fields(form: BenchForm) -> bool:
    ok = True
    if not form.case_name.data:
        form.case_name.errors = list(form.case_name.errors) + ["Name the test case to save it."]
        ok = False
    if form.suite.data == NEW_SUITE:
        if not form.new_suite_name.data:
            form.new_suite_name.errors = list(form.new_suite_name.errors) + [
                "Name the new suite, or choose one of yours."]
            ok = False
        if form.new_suite_campaign.data not in {c.value for c in form.new_suite_campaign.choices}:
            form.new_suite_campaign.errors = list(form.new_suite_campaign.errors) + [
                "Choose the campaign this suite tests."]
            ok = False
    else:
        suite = db.session.get(BenchSuite, form.suite.data or -1)
        if suite is None or not owns(suite):
            form.suite.errors = list(form.suite.errors) + ["Choose one of your suites."]
            ok = False
    return ok


def _save_case(form: BenchForm, bench: BenchInput, result) -> BenchCase:
    if form.suite.data == NEW_SUITE:
        suite = BenchSuite(name=form.new_suite_name.data, campaign_id=form.new_suite_campaign.data,
                           owner=current_user.username)
        db.session.add(suite)
    else:
        suite = db.session.get(BenchSuite, form.suite.data)
    case = BenchCase(suite=suite, name=form.case_name.data, owner=current_user.username,
                     request=bench.to_dict(), expectations=expectations.from_result(result))
    db.session.add(case)
    db.session.commit()
    record("campaign.test_case.create", "test_case", case.id,
           summary={"name": case.name, "suite": suite.id, "campaigns": bench.campaign_ids})
    return case


# -- cases ------------------------------------------------------------------------------------

def _get_or_404(model, row_id: int, what: str):
    row = db.session.get(model, row_id)
    if row is None:
        abort(404, description=f"There is no such {what}.")
    return row


def _case_or_404(case_id: int) -> BenchCase:
    return _get_or_404(BenchCase, case_id, "test case")


@bp.get("/campaigns/cases/<int:case_id>")
@require("test_bench")
def show_case(case_id: int):
    case = _case_or_404(case_id)
    form = ExpectationsForm(formdata=None)
    form.fill(case.name, case.expectations)
    return _case_page(case, form)


def _case_page(case: BenchCase, form: ExpectationsForm, status: int = 200, saved: bool = False):
    return render_section("campaigns/case.html", "campaigns/_expectations.html", case=case,
                          form=form, owns=owns, saved=saved,
                          bench=BenchInput.from_dict(case.request)), status


@bp.post("/campaigns/cases/<int:case_id>")
@require("test_bench")
def update_case(case_id: int):
    case = _case_or_404(case_id)
    _require_owner(case)
    form = ExpectationsForm()
    if not form.validate():
        return _case_page(case, form, 422)
    before = case.expectations
    case.name, case.expectations = form.name.data, form.expectations()
    db.session.commit()
    record("campaign.test_case.update", "test_case", case.id,
           summary={"name": case.name, "before": before, "after": case.expectations})
    return _case_page(case, form, saved=True)


@bp.post("/campaigns/cases/<int:case_id>/delete")
@require("test_bench")
def delete_case(case_id: int):
    case = _case_or_404(case_id)
    _require_owner(case)
    suite_id, name = case.suite_id, case.name
    db.session.delete(case)
    db.session.commit()
    record("campaign.test_case.delete", "test_case", case_id, summary={"name": name})
    flash(f"Deleted the test case “{name}”.", "success")
    return navigate(url_for("campaigns.show_suite", suite_id=suite_id))


# -- suites and runs --------------------------------------------------------------------------

def _suite_or_404(suite_id: int) -> BenchSuite:
    return _get_or_404(BenchSuite, suite_id, "suite")


@bp.get("/campaigns/suites/<int:suite_id>")
@require("test_bench")
def show_suite(suite_id: int):
    suite = _suite_or_404(suite_id)
    form = ScheduleForm(formdata=None)
    form.fill(suite)
    return _suite_page(suite, form)


RECENT_RUNS = 10


def _suite_page(suite: BenchSuite, form: ScheduleForm, status: int = 200, saved: bool = False):
    recent = db.session.scalars(sa.select(SuiteRun).where(SuiteRun.suite_id == suite.id)
                                .order_by(SuiteRun.id.desc()).limit(RECENT_RUNS)).all()
    campaigns, _ = _campaigns()
    return render_section("campaigns/suite.html", "campaigns/_schedule.html", suite=suite,
                          recent=recent, owns=owns, campaign=campaigns.get(suite.campaign_id),
                          regression=runs.open_regression(suite.id), form=form, saved=saved,
                          next_slot=schedules.next_slot(suite.schedule, utcnow(),
                                                        suite.schedule_time)), status


@bp.post("/campaigns/suites/<int:suite_id>/schedule")
@require("test_bench")
def set_schedule(suite_id: int):
    """The suite's schedule (its author or an admin): changes only the app database."""
    suite = _suite_or_404(suite_id)
    _require_owner(suite)
    form = ScheduleForm()
    if not form.validate():
        return _suite_page(suite, form, 422)
    before = {"schedule": suite.schedule, "time": suite.schedule_time,
              "soon_hours": suite.soon_hours, "on_change": suite.on_change}
    kind = form.schedule.data
    after = {"schedule": kind, "time": form.schedule_time.data if kind == "nightly" else None,
             "soon_hours": form.hours if kind == "before_start" else None,
             "on_change": bool(form.on_change.data)}
    if (after["schedule"], after["time"], after["soon_hours"]) != (
            before["schedule"], before["time"], before["soon_hours"]):
        suite.schedule_since = utcnow()  # a new schedule fires from its next slot on
    suite.schedule, suite.schedule_time = after["schedule"], after["time"]
    suite.soon_hours, suite.on_change = after["soon_hours"], after["on_change"]
    db.session.commit()
    record("campaign.test_suite.schedule", "test_suite", suite.id,
           summary={"before": before, "after": after})
    form.fill(suite)
    return _suite_page(suite, form, saved=True)


@bp.post("/campaigns/suites/<int:suite_id>/delete")
@require("test_bench")
def delete_suite(suite_id: int):
    suite = _suite_or_404(suite_id)
    _require_owner(suite)
    name, cases = suite.name, len(suite.cases)
    db.session.delete(suite)
    db.session.commit()
    record("campaign.test_suite.delete", "test_suite", suite_id,
           summary={"name": name, "cases": cases})
    flash(f"Deleted the suite “{name}” and its {cases} cases.", "success")
    return navigate(url_for("campaigns.test_bench"))


@bp.post("/campaigns/suites/<int:suite_id>/runs")
@require("test_bench")
def start_run(suite_id: int):
    """Queue a run for the worker (tasks.run_suite); its page shows the progress."""
    suite = _suite_or_404(suite_id)
    suite_run = runs.start(suite, current_user.username)
    if suite_run.finished_at is None:
        tasks.enqueue(suite_run)
    return navigate(url_for("campaigns.show_run", run_id=suite_run.id))


def _run_or_404(run_id: int) -> SuiteRun:
    return _get_or_404(SuiteRun, run_id, "suite run")


@bp.get("/campaigns/runs/<int:run_id>")
@require("test_bench")
def show_run(run_id: int):
    """The run's page; its partial (htmx) is what the page polls while the worker runs it."""
    suite_run = _run_or_404(run_id)
    return render_section("campaigns/run.html", "campaigns/_run.html", suite_run=suite_run,
                          suite=db.session.get(BenchSuite, suite_run.suite_id))


@bp.get("/campaigns/suites/<int:suite_id>/export")
@require("test_bench")
def export_suite(suite_id: int):
    suite = _suite_or_404(suite_id)
    body = json.dumps(portable.export(suite, current_user.username), indent=2, ensure_ascii=False)
    record("campaign.test_suite.export", "test_suite", suite.id,
           summary={"name": suite.name, "cases": len(suite.cases)})
    filename = f"suite-{suite.id}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/campaigns/suites/import")
@require("test_bench")
def import_suite():
    campaigns, campaigns_error = _campaigns()
    form = ImportForm(prefix="import")
    if form.validate():
        try:
            data = portable.read(form.upload.data.stream,
                                 None if campaigns_error else set(campaigns))
        except portable.ImportProblem as exc:
            form.upload.errors = [f"Nothing was imported. {exc}"]
        else:
            suite = _create_imported(data)
            flash(f"Imported the suite “{suite.name}” with {len(suite.cases)} cases.", "success")
            return navigate(url_for("campaigns.show_suite", suite_id=suite.id))
    return _bench_page(_bench_form(campaigns, bind=False), campaigns, campaigns_error,
                       import_form=form, partial="campaigns/_import.html", status=422)


def _create_imported(data: dict) -> BenchSuite:
    suite = BenchSuite(name=data["suite"]["name"], campaign_id=data["suite"]["campaign_id"],
                       owner=current_user.username)
    suite.cases = [BenchCase(name=c["name"], owner=current_user.username,
                             request={**BenchInput(campaign_ids=[]).to_dict(), **c["request"]},
                             expectations={**expectations.empty(), **c["expectations"]})
                   for c in data["cases"]]
    db.session.add(suite)
    db.session.commit()
    record("campaign.test_suite.import", "test_suite", suite.id,
           summary={"name": suite.name, "cases": len(suite.cases)})
    return suite


# -- one campaign, for everyone ------------------------------------------------------------------

@bp.get("/campaigns/<int:campaign_id>")
@require("lookup")
def campaign(campaign_id: int):
    """A campaign as staff need it when an explanation names it: what it does, whether it runs
    and when (a cached Management read)."""
    try:
        found = talon.management.get_campaign(campaign_id)
    except TalonNotFound:
        abort(404, description=f"Talon.One has no campaign {campaign_id}.")
    except TalonError as exc:
        return render_template("campaigns/campaign.html", campaign=None, campaign_id=campaign_id,
                               error=exc), status_for(exc)
    return render_template("campaigns/campaign.html", campaign=found, campaign_id=campaign_id,
                           error=None, state=campaign_state(found))
