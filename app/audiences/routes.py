"""Audiences: /audiences (list with member counts, create) and /audiences/<id> (rename, delete,
clear, members one by one or in bulk, an attribute for every member, the paged member list).

Everyone may look; changing needs the `audiences` permission. Every change goes through
app.changes.submit (sent once, audited with its outcome and Talon.One's status); bulk member
changes run as jobs (app.bulk), audited per chunk and once more with their totals.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..audit_log import record
from ..permissions import require
from ..routing import page_arg
from ..talon import talon
from ..talon.errors import TalonError
from ..changes import MISMATCH, PENDING_ELSEWHERE, new_key, submit
from ..talon_failures import status_for
from ..templating import navigate, render_section, wants_partial
from ..bulk.pages import mount_job_pages, progress_context, start_job
from . import service
from .forms import AttributeForm, AudienceForm, ClearForm, DeleteForm, MembersForm, RenameForm

bp = Blueprint("audiences", __name__, template_folder="templates")

mount_job_pages(bp, prefix="/audiences/<int:audience_id>/jobs", target_arg="audience_id",
                permission="audiences", back_endpoint="audiences.show",
                operations=(service.ADD_MEMBERS, service.ADD_MEMBERS_CREATING, service.REMOVE_MEMBERS))


def _audience_or_404(audience_id: int):
    audience = service.find_audience(audience_id)
    if audience is None:
        abort(404, description=f"There is no audience with ID {audience_id}.")
    return audience


# -- the list ---------------------------------------------------------------------------------

@bp.get("/audiences")
@require("lookup")
def index():
    form = AudienceForm(submission=new_key())
    return _index_page(form)


def _index_page(form: AudienceForm, status: int = 200):
    try:
        audiences, error = service.all_audiences(), None
    except TalonError as exc:
        audiences, error = [], exc
    return render_template("audiences/index.html", audiences=audiences, error=error,
                           form=form), status


@bp.get("/audiences/<int:audience_id>/count")
@require("lookup")
def member_count(audience_id: int):
    """The member count of one row of the list, loaded after the page so that a slow analytics
    call never holds up the list itself."""
    try:
        count, error = service.member_count(audience_id), None
    except TalonError as exc:
        count, error = None, exc
    return render_template("audiences/_count.html", audience_id=audience_id, count=count,
                           error=error)


@bp.post("/audiences")
@require("audiences")
def create():
    form = AudienceForm()
    if not form.validate():
        return _index_page(form, 422)
    payload = {"name": form.name.data, "description": form.description.data or None}
    result = submit(
        lambda: talon.integration.create_audience(payload["name"],
                                                  description=payload["description"]),
        action="audience.create", target=("audience", None), scope="audience.create",
        key=form.submission.data or new_key(), payload=payload, summary=payload,
        kept=lambda audience: {"id": audience.id}, success_status=201, what="The audience")
    if result.ok:
        if not result.earlier:  # created now, not by an earlier send of this form
            flash(f"Audience “{result.value.name}” created.", "success")
        return navigate(url_for("audiences.show", audience_id=result.answer["id"]))
    if result.state == PENDING_ELSEWHERE:
        form.name.errors.append(
            "This form was already sent and Talon.One's answer is not known: the audience may "
            "exist. Check the list below before creating it again.")
    elif result.state == MISMATCH:
        form.name.errors.append("This form was already used for another audience. Reload the page.")
    else:
        form.name.errors.append(result.message)
    return _index_page(form, result.status)


# -- one audience -----------------------------------------------------------------------------

@bp.get("/audiences/<int:audience_id>")
@require("lookup")
def show(audience_id: int):
    return _render(_audience_or_404(audience_id), None)


def _render(audience, partial: str | None, status: int = 200, headers: dict | None = None,
            **overrides):
    """The audience page, or one of its sections alone for an htmx request. The page needs
    every section's form; a section's POST passes its own (with errors) as an override."""
    context = {
        "audience": audience,
        "rename_form": RenameForm(formdata=None, prefix="rename", name=audience.name),
        "members_form": MembersForm(formdata=None, prefix="members"),
        "attribute_form": AttributeForm(formdata=None, prefix="attribute"),
        "clear_form": ClearForm(formdata=None, prefix="clear"),
        "delete_form": DeleteForm(formdata=None, prefix="delete"),
        **overrides,
    }
    if partial is None or not wants_partial():
        context.update(_members_context(audience.id))
        return render_template("audiences/show.html", **context), status, headers or {}
    return render_section("audiences/show.html", partial, **context), status, headers or {}


def _members_context(audience_id: int) -> dict:
    page, sort = page_arg(), service.member_sort(request.args.get("sort"))
    try:
        members, error = service.member_page(audience_id, page, sort), None
    except TalonError as exc:
        members, error = None, exc
    return {"members": members, "members_error": error, "page": page, "sort": sort,
            "audience_id": audience_id}


@bp.get("/audiences/<int:audience_id>/members")
@require("lookup")
def members(audience_id: int):
    if not wants_partial():
        return redirect(url_for("audiences.show", audience_id=audience_id, page=page_arg(),
                                sort=service.member_sort(request.args.get("sort")).arg), 303)
    return render_template("audiences/_members.html", **_members_context(audience_id))


@bp.post("/audiences/<int:audience_id>/rename")
@require("audiences")
def rename(audience_id: int):
    audience = _audience_or_404(audience_id)
    form = RenameForm(prefix="rename")
    status = 422
    if form.validate():
        result = submit(lambda: talon.integration.update_audience(audience_id, form.name.data),
                        action="audience.rename", target=("audience", audience_id),
                        summary={"from": audience.name, "to": form.name.data}, what="The rename")
        status = result.status
        if result.ok:
            # The name is in the title, the breadcrumbs, the Apply button and the delete hint:
            # the whole page is shown again rather than the heading alone.
            flash(f"Renamed to “{result.value.name}”.", "success")
            return navigate(url_for("audiences.show", audience_id=audience_id))
        else:
            form.name.errors.append(result.message)
    return _render(audience, "audiences/_heading.html", status, rename_form=form)


@bp.post("/audiences/<int:audience_id>/delete")
@require("audiences")
def delete(audience_id: int):
    audience = _audience_or_404(audience_id)
    form = DeleteForm(prefix="delete")
    if not (form.validate() and form.check_name(audience.name)):
        return _render(audience, "audiences/_danger.html", 422, delete_form=form)
    result = submit(lambda: talon.integration.delete_audience(audience_id),
                    action="audience.delete", target=("audience", audience_id),
                    summary={"name": audience.name}, success_status=204, what="The deletion")
    if not result.ok:
        form.confirm_name.errors.append(result.message + (
            " Talon.One does not delete an audience while a campaign uses it."
            if result.error.status in (400, 409) else ""))
        return _render(audience, "audiences/_danger.html", result.status, delete_form=form)
    flash(f"Audience “{audience.name}” deleted.", "success")
    return navigate(url_for("audiences.index"))


@bp.post("/audiences/<int:audience_id>/clear")
@require("audiences")
def clear(audience_id: int):
    audience = _audience_or_404(audience_id)
    form = ClearForm(prefix="clear")
    if not form.validate():
        return _render(audience, "audiences/_danger.html", 422, clear_form=form)
    try:
        before = str(service.member_count(audience_id))
    except TalonError:
        before = "unknown"
    result = submit(lambda: talon.integration.delete_audience_memberships(audience_id),
                    action="audience.members.clear", target=("audience", audience_id),
                    summary={"name": audience.name, "members_before": before},
                    success_status=204)
    if not result.ok:
        form.confirm.errors.append(result.message)
        return _render(audience, "audiences/_danger.html", result.status, clear_form=form)
    flash(f"All {before} members were removed from “{audience.name}”.", "success")
    return _render(audience, "audiences/_danger.html", headers={"HX-Trigger": "bulk-job-done"})


# -- members ----------------------------------------------------------------------------------

@bp.post("/audiences/<int:audience_id>/members/change")
@require("audiences")
def change_members(audience_id: int):
    """Add or remove one profile, a pasted list or a CSV file. One ID is sent at once; a list
    becomes a job whose progress partial sends it chunk by chunk."""
    audience = _audience_or_404(audience_id)
    form = MembersForm(prefix="members")
    if not form.validate():
        return _render(audience, "audiences/_bulk.html", 422, members_form=form)
    if form.action.data == "remove":
        operation = service.REMOVE_MEMBERS
    else:
        operation = service.ADD_MEMBERS_CREATING if form.create_unknown.data else service.ADD_MEMBERS
    started = start_job(operation.kind, str(audience_id), audience.name, form)
    if started is None:
        return _render(audience, "audiences/_bulk.html", 422, members_form=form)
    job, headers = started
    if operation is service.ADD_MEMBERS_CREATING:   # on record like the choice made after a check
        record(f"{operation.audit_action}.unknown_profiles", operation.target_type, str(audience_id),
               summary={"job": job.id, "unknown_profiles": None, "choice": "create without checking"})
    undo = None
    if operation is service.REMOVE_MEMBERS and form.source_field() is form.profile_id and job.succeeded == 1:
        # One member removed from the list's own button: the way back, for a few seconds.
        removed = form.profile_id.data
        undo = {"message": f"{removed} is no longer a member of “{audience.name}”.",
                "url": url_for("audiences.change_members", audience_id=audience_id),
                "fields": {"members-action": "add", "members-profile_id": removed},
                "target": "#audience-bulk"}
    return _render(audience, "audiences/_bulk.html", headers=headers, undo=undo,
                   **progress_context(job))


# -- an attribute for every member -------------------------------------------------------------

@bp.post("/audiences/<int:audience_id>/attributes/preview")
@require("audiences")
def preview_attribute(audience_id: int):
    """Talon.One cannot dry-run this change, so the preview counts the members and shows what
    the first page of them has now; the change itself needs that count confirmed."""
    audience = _audience_or_404(audience_id)
    form = AttributeForm(prefix="attribute")
    count, refusal = _valid_and_counted(audience, form)
    if refusal:
        return refusal
    form.expected_members.data = count.count
    return _render(audience, "audiences/_attribute.html", attribute_form=form, count=count,
                   sample=_sample(audience_id))


@bp.post("/audiences/<int:audience_id>/attributes")
@require("audiences")
def update_attribute(audience_id: int):
    audience = _audience_or_404(audience_id)
    form = AttributeForm(prefix="attribute")
    count, refusal = _valid_and_counted(audience, form)
    if refusal:
        return refusal
    if not form.confirm.data or form.expected_members.data != count.count:
        if form.confirm.data:
            form.confirm.errors.append(
                f"The audience now has {count} members, not {form.expected_members.data}; "
                "confirm again.")
        else:
            form.confirm.errors.append(f"Tick the box to change {count} members.")
        form.expected_members.data = count.count
        return _render(audience, "audiences/_attribute.html", 422, attribute_form=form,
                       count=count, sample=_sample(audience_id))
    attributes = {form.attribute.data: form.typed_value()}
    result = submit(lambda: talon.integration.update_audience_customers_attributes(
                        audience_id, attributes),
                    action="audience.members.attribute", target=("audience", audience_id),
                    summary={"attributes": attributes, "members": str(count)},
                    success_status=204)
    if not result.ok:
        form.confirm.errors.append(result.message)
        return _render(audience, "audiences/_attribute.html", result.status,
                       attribute_form=form, count=count)
    return _render(audience, "audiences/_attribute.html",
                   done={"attributes": attributes, "count": count})


def _valid_and_counted(audience, form: AttributeForm):
    """(member count, None) for a valid attribute form, else (None, the section saying why)."""
    if not form.validate():
        return None, _render(audience, "audiences/_attribute.html", 422, attribute_form=form)
    try:
        return service.member_count(audience.id), None
    except TalonError as exc:
        form.attribute.errors.append(f"Could not count the members: {exc.message}")
        return None, _render(audience, "audiences/_attribute.html", status_for(exc),
                             attribute_form=form)


def _sample(audience_id: int):
    try:
        return service.member_page(audience_id, 1)
    except TalonError:
        return None
