"""The pages of a bulk job, mounted by each area that runs jobs under its own URL and permission:
the job page (its progress partial polls it while the worker runs the job: the page only shows,
it never advances the job, and can be closed and opened again), pause, resume, cancel, the
choice about profile IDs Talon.One does not know, and the paged list of rows. Templates:
bulk/job.html and its partials (core templates, app/templates/bulk/)."""

from __future__ import annotations

import io
from typing import Sequence

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..permissions import require
from ..routing import page_arg
from ..templating import render_section, wants_partial
from ..upload_limits import limits
from . import notices, tasks
from .jobs import (cancel, cancelled_count, checked_count, choose, pause, resume, row_page, spool, stage, step,
                   unseen_page)
from .models import ACTIVE, CHECKING, CHOOSING, DONE, PAUSED, STOPPED, BulkJob
from .operations import JobPages, Operation, register, registered
from .reader import BulkInputError, too_large

INLINE_BYTES = 1_000_000   # BULK_INLINE_BYTES: larger uploads are staged by the worker


def start_job(kind: str, target_id: str, target_name: str, form) -> tuple[BulkJob, dict] | None:
    """Stage a bulk job from a form with a list of profile IDs (the audience members and coupon
    reservation forms): the job and the headers of the page that shows it (``bulk-job-done``
    when it is done already: a single profile ID runs at once). None, with the error on the
    form's source field, when the list cannot be used."""
    try:
        upload = _large_upload(form)
        if upload is not None:   # read into rows by the worker (jobs.stage_upload)
            job = spool(kind, target_id, target_name, form.source_label(), current_user.username, upload)
        else:
            job = stage(kind, target_id, target_name, form.source_label(), current_user.username,
                        form.id_rows())
    except BulkInputError as exc:
        form.source_field().errors = list(form.source_field().errors) + [str(exc)]
        return None
    if form.source_field() is form.profile_id:
        # one ID is sent at once, here: the page answers with its outcome
        if job.status == CHECKING:
            step(job)   # check the one ID; it is sent below unless Talon.One does not know it
        step(job)
        if job.status == DONE:
            job.notice_pending = False   # the page shows it
            db.session.commit()
    if job.status in ACTIVE:
        tasks.start(job)   # the worker sends the list, page open or not
    return job, ({"HX-Trigger": "bulk-job-done"} if job.status == DONE else {})


def _large_upload(form):
    """The uploaded file's stream when it is larger than BULK_INLINE_BYTES (1 MB, about 60,000
    IDs): staging a million rows takes tens of seconds, too long for a request (a proxy in
    front may give up, and SQLite would be locked meanwhile), so the worker does it. A file
    over BULK_MAX_BYTES is refused here, at once, next to the field."""
    if form.source_field() is not form.upload:
        return None
    stream = form.upload.data.stream
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    max_bytes, _ = limits()
    if size > max_bytes:
        raise too_large(max_bytes)
    return stream if size > int(current_app.config.get("BULK_INLINE_BYTES", INLINE_BYTES)) else None


def job_urls(job: BulkJob) -> dict[str, str]:
    """The job's page, step, resume and rows URLs, and the page of its target (back)."""
    pages = registered(job.kind).pages
    args = {pages.target_arg: job.target_id, "job_id": job.id}
    urls = {name: url_for(f"{pages.blueprint}.job_{name}", **args)
            for name in ("show", "pause", "resume", "cancel", "choose", "rows")}
    urls["back"] = url_for(pages.back_endpoint, **{pages.target_arg: job.target_id})
    return urls


def progress_context(job: BulkJob) -> dict:
    """What bulk/_progress.html needs."""
    if job.notice_pending and job.status in (DONE, STOPPED) and job.actor == current_user.username:
        job.notice_pending = False   # the owner sees it finished here: no notice on the next page
        db.session.commit()
    return {"job": job, "urls": job_urls(job), "checked": checked_count(job),
            "unseen": unseen_page(job), "problems": row_page(job, problems_only=True, page=1),
            "cancelled": cancelled_count(job) if job.status == STOPPED else 0}


def mount_job_pages(bp: Blueprint, *, prefix: str, target_arg: str, permission: str,
                    back_endpoint: str, operations: Sequence[Operation]) -> None:
    """Mount the pages of the jobs of ``operations`` on an area's blueprint: the job page, its
    next-chunk step, resume and row list, ``{prefix}/<job_id>`` etc., where prefix holds
    ``<target_arg>`` (the audience ID, the coupon code). The operations join the registry of
    each app the blueprint is registered on (Flask's record_once), not a module's global."""
    pages = JobPages(bp.name, target_arg, back_endpoint)
    bp.record_once(lambda state: register(state.app, operations, pages))
    bp.record_once(lambda state: state.app.jinja_env.globals.setdefault("bulk_notices", notices.pending))
    kinds = {operation.kind for operation in operations}

    def load(target: str, job_id: int) -> BulkJob:
        job = db.session.get(BulkJob, job_id)
        if job is None or job.kind not in kinds or job.target_id != str(target):
            abort(404, description="There is no such bulk job for this page.")
        return job

    def progress(job: BulkJob):
        if not wants_partial():
            return redirect(job_urls(job)["show"], 303)
        headers = {"HX-Trigger": "bulk-job-done"} if job.status == DONE else {}
        return render_template("bulk/_progress.html", **progress_context(job)), 200, headers

    @bp.get(f"{prefix}/<int:job_id>", endpoint="job_show")
    @require(permission)
    def job_show(job_id: int, **target):
        job = load(target[target_arg], job_id)
        if wants_partial():   # the progress partial polling: its last answer tells the page
            return progress(job)
        return render_section("bulk/job.html", "bulk/_progress.html", **progress_context(job))

    @bp.post(f"{prefix}/<int:job_id>/pause", endpoint="job_pause")
    @require(permission)
    def job_pause(job_id: int, **target):
        job = load(target[target_arg], job_id)
        if not pause(job, current_user.username):
            flash(f"Job {job.id} was not running any more ({job.status}).", "warning")
        return progress(job)

    @bp.post(f"{prefix}/<int:job_id>/resume", endpoint="job_resume")
    @require(permission)
    def job_resume(job_id: int, **target):
        job = load(target[target_arg], job_id)
        if job.status == PAUSED:
            resume(job, resend_unknown=request.form.get("resend_unknown") == "yes")
            tasks.start(job)
        return progress(job)

    @bp.post(f"{prefix}/<int:job_id>/cancel", endpoint="job_cancel")
    @require(permission)
    def job_cancel(job_id: int, **target):
        job = load(target[target_arg], job_id)
        if request.form.get("confirmed") != "yes":
            abort(400, description="Tick the box to confirm that the rows not sent yet are never sent.")
        if not cancel(job, current_user.username):
            flash(f"Job {job.id} had finished already; nothing was cancelled.", "warning")
        return progress(job)

    @bp.post(f"{prefix}/<int:job_id>/choose", endpoint="job_choose")
    @require(permission)
    def job_choose(job_id: int, **target):
        job = load(target[target_arg], job_id)
        choice = request.form.get("choice")
        if choice not in ("skip", "create"):
            abort(400, description="Choose to skip the unknown profile IDs or to let Talon.One create them.")
        was_choosing = job.status == CHOOSING
        choose(job, create=choice == "create")
        if was_choosing and job.status in ACTIVE:
            tasks.start(job)
        return progress(job)

    @bp.get(f"{prefix}/<int:job_id>/rows", endpoint="job_rows")
    @require(permission)
    def job_rows(job_id: int, **target):
        job = load(target[target_arg], job_id)
        problems_only = request.args.get("all") != "1"
        page = page_arg()
        return render_template("bulk/_rows.html", job=job, urls=job_urls(job),
                               problems_only=problems_only,
                               rows=row_page(job, problems_only=problems_only, page=page))
