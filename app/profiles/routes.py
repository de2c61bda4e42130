"""Changes to one customer profile, linked from the customer page (/customers/<id>):

    /customers/<id>/profile         attributes, with a dry-run preview of runRuleEngine's effects
    /customers/<id>/audiences       audience memberships (a self-refreshing widget)
    /customers/<id>/referrals/new   a referral code with the customer as advocate
    /customers/<id>/delete          erase the customer's personal data (admins, typed ID)
    /history/<type>/<id>            the audit entries of one object (the _history.html macro)
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..changes import PENDING_ELSEWHERE, UNKNOWN, submit
from ..customer_profiles import customer_url, find_profile, profile_or_404
from ..extensions import db, htmx
from ..models import AuditEntry
from ..permissions import can, require
from ..recent import forget_profile
from ..routing import page_arg
from ..talon import talon
from ..templating import navigate, render_section
from . import attribute_edit, memberships
from .attributes import attributes_of
from .erasure import Erasure
from .forms import (
    AudienceChangeForm,
    DeleteDataForm,
    EditAttributesForm,
    ReferralForm,
    referral_request,
)
from .referrals import referral_campaigns

bp = Blueprint("profiles", __name__, template_folder="templates")

EDIT_PROFILE = "profile_edit"
CREATE_REFERRAL = "referrals"

HISTORY_PAGE_SIZE = 10
TARGET_TYPE = re.compile(r"^[a-z][a-z_]{0,39}$")


# -- attributes -----------------------------------------------------------------------------


@bp.route("/customers/<integration_id>/profile", methods=["GET", "POST"])
@require(EDIT_PROFILE)
def edit_attributes(integration_id: str):
    profile = profile_or_404(integration_id)
    form = EditAttributesForm()
    attributes = attributes_of(profile.attributes)
    context = {"profile": profile, "form": form, "attributes": attributes,
               "customer_url": customer_url(integration_id)}

    def page(status=200, **more):
        return render_section("profiles/edit.html", "profiles/_edit_form.html",
                              **context, **more), status

    if too_many := attribute_edit.too_many_rows(form, attributes):
        return page(200 if request.method == "GET" else 422, problem=too_many)
    if request.method == "GET":
        attribute_edit.fill_rows(form, attributes)
        return page()
    valid = form.validate_on_submit()
    changes, fine = attribute_edit.collect_changes(form, attributes)
    if not (valid and fine):
        return page(422)
    if not changes:
        return page(422, problem="Nothing changed: edit a value or add an attribute first.")
    fingerprint = attribute_edit.fingerprint(changes)
    summary = {"attributes": sorted(changes)}  # names only: values may be personal data

    if form.save.data:
        if form.previewed.data != fingerprint:
            return page(422, problem="The values differ from the last preview. Preview them "
                                     "again, then save.")
        sent = submit(
            lambda: talon.integration.update_customer_profile(
                integration_id, attributes=changes, run_rule_engine=True,
                response_content=["triggeredCampaigns"]),
            action="customer.update_attributes", target=("customer", integration_id),
            summary=summary)
        if not sent.ok:
            return page(sent.status, problem=sent.message, unknown=sent.may_have_happened)
        effects = attribute_edit.effect_lines(sent.value)
        flash(f"Saved {', '.join(sorted(changes))} for {integration_id}."
              + (f" Effects: {'; '.join(line.text for line in effects)}." if effects else ""),
              "success")
        return navigate(customer_url(integration_id))

    sent = submit(
        lambda: talon.integration.update_customer_profile(
            integration_id, attributes=changes, dry=True, run_rule_engine=True,
            response_content=["triggeredCampaigns", "ruleFailureReasons"]),
        action="customer.update_attributes", target=("customer", integration_id),
        summary=summary, dry_run=True, what="The preview")
    if not sent.ok:
        return page(sent.status, problem=f"The preview failed. {sent.message}")
    preview = attribute_edit.Preview.of(changes, profile.attributes, sent.value, fingerprint)
    return page(preview=preview)


# -- audiences ------------------------------------------------------------------------------


def _audiences_widget(profile, *, form=None, message=None, level="success", status=200):
    return render_section(
        "profiles/audiences.html", "profiles/_audiences.html",
        profile=profile, rows=memberships.memberships(profile, memberships.all_audiences()),
        form=form or AudienceChangeForm(formdata=None), message=message, level=level,
        customer_url=customer_url(profile.integration_id),
        may_change=can(current_user, "audiences")), status


@bp.get("/customers/<integration_id>/audiences")
@require("lookup")
def audiences(integration_id: str):
    return _audiences_widget(profile_or_404(integration_id))


@bp.post("/customers/<integration_id>/audiences")
@require("audiences")
def change_audience(integration_id: str):
    profile = profile_or_404(integration_id)
    form = AudienceChangeForm()
    if not form.validate_on_submit():
        return _audiences_widget(profile, form=form, status=422,
                                 message="Choose an audience and an action.", level="error")
    audience_id, action = form.audience_id.data, form.action.data
    member = audience_id in profile.audience_ids
    if (action == "add") == member:
        return _audiences_widget(
            profile, level="info",
            message=f"{integration_id} is {'already' if member else 'not'} a member of audience "
                    f"{audience_id}; nothing changed.")
    verb = "add" if action == "add" else "remove"
    sent = submit(lambda: memberships.change_membership(integration_id, audience_id, action),
                  action=f"customer.audience_{verb}", target=("customer", integration_id),
                  summary={"audience_id": audience_id})
    if sent.ok:
        done = "added to" if action == "add" else "removed from"
        message, level, status = f"{integration_id} {done} audience {audience_id}.", "success", 200
    else:
        message, status = sent.message, sent.status
        level = "warning" if sent.may_have_happened else "error"
    if not htmx:
        flash(message, level)
        return navigate(url_for("profiles.audiences", integration_id=integration_id))
    fresh = (sent.value if sent.ok else None) or find_profile(integration_id) or profile
    return _audiences_widget(fresh, message=message, level=level, status=status)


# -- referral codes -------------------------------------------------------------------------


@bp.route("/customers/<integration_id>/referrals/new", methods=["GET", "POST"])
@require(CREATE_REFERRAL)
def create_referral(integration_id: str):
    profile = profile_or_404(integration_id)
    campaigns = referral_campaigns()
    form = ReferralForm()
    form.campaign_id.choices = [
        SelectChoice(c.id, f"{c.name} (#{c.id})" + ("" if c.is_enabled else f", {c.state}"))
        for c in campaigns]

    def page(status=200, **more):
        return render_template("profiles/referral.html", profile=profile, form=form,
                               campaigns=campaigns, customer_url=customer_url(integration_id),
                               **more), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(422)
    campaign = next(c for c in campaigns if c.id == form.campaign_id.data)
    friend = form.friend_id.data
    if not campaign.is_enabled:
        form.campaign_id.errors.append(f"{campaign.name} is {campaign.state}; choose an enabled campaign.")
    elif friend == integration_id:
        form.friend_id.errors.append("The friend must be someone other than the advocate.")
    elif friend and find_profile(friend) is None:
        form.friend_id.errors.append(f"Talon.One has no customer profile {friend}.")
    if form.campaign_id.errors or form.friend_id.errors:
        return page(422)

    arguments = referral_request(integration_id, form)
    sent = submit(
        lambda: talon.integration.create_referral(**arguments),
        action="customer.create_referral", target=("customer", integration_id),
        scope=f"referral:{integration_id}", key=form.submission.data, payload=arguments,
        summary={"campaign_id": campaign.id, "usage_limit": form.usage_limit.data,
                 "friend": bool(friend)},
        kept=lambda referral: {"code": referral.code}, success_status=201)
    if sent.ok and sent.earlier:  # created by an earlier send of this form
        flash(f"Referral code {sent.answer.get('code')} was already created by this form.", "info")
        return navigate(customer_url(integration_id))
    if not sent.ok:
        return page(sent.status, problem=sent.message,
                    unknown=sent.state in (UNKNOWN, PENDING_ELSEWHERE))
    flash(f"Referral code {sent.value.code} created for {integration_id} in {campaign.name}.", "success")
    return navigate(customer_url(integration_id))


# -- deleting personal data -----------------------------------------------------------------


@bp.route("/customers/<integration_id>/delete", methods=["GET", "POST"])
@require("delete_customer_data")
def delete_data(integration_id: str):
    profile = profile_or_404(integration_id)
    form = DeleteDataForm(integration_id)
    erasure = Erasure.read(profile)

    def page(status=200, **more):
        return render_template("profiles/delete.html", profile=profile, form=form, erasure=erasure,
                               customer_url=customer_url(integration_id), **more), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(422)
    sent = submit(
        lambda: talon.integration.delete_customer_data(integration_id),
        action="customer.delete_data", target=("customer", integration_id),
        # Counts only: the entry keeps the fact and size of the erasure, not what was erased.
        summary={"erased": erasure.counts()}, success_status=204)
    if sent.ok or sent.may_have_happened:
        # What the console itself holds about the person goes too (recently viewed lists).
        forget_profile(integration_id)
    if not sent.ok:
        return page(sent.status, problem=sent.message, unknown=sent.may_have_happened)
    flash(f"The personal data of {integration_id} is erased in Talon.One, and from this "
          "console's recently viewed lists.", "success")
    return navigate(url_for("main.home"))


# -- object history -------------------------------------------------------------------------


@bp.get("/history/<target_type>/<path:target_id>")
@require("audit")
def history(target_type: str, target_id: str):
    if not TARGET_TYPE.match(target_type) or len(target_id) > 255:
        abort(404, description="There is no history for this address.")
    page = page_arg()
    entries = db.paginate(
        sa.select(AuditEntry)
        .where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()),
        page=page, per_page=HISTORY_PAGE_SIZE, error_out=False)
    return render_section("profiles/history.html", "profiles/_history.html",
                          entries=entries, target_type=target_type, target_id=target_id)
