"""/admin/users: staff accounts (admins only), and /account/password where a user whose
password was reset chooses a new one. Every change goes through app.auth.accounts, the same
functions as `flask users ...`, which also audits it.

One-time passwords are rendered straight into the answer of the POST that made them (not
redirected, flashed or stored), so they are shown exactly once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..audit_log import record
from ..auth import accounts
from ..extensions import db
from ..models import AuditEntry
from ..permissions import require
from ..talon import talon
from ..talon.errors import TalonError
from ..talon_failures import read_message
from ..templating import navigate
from .. import points_caps
from .forms import (
    ChangeOwnPasswordForm,
    ConfirmForm,
    CreateUserForm,
    PointsCapsForm,
    ResetPasswordForm,
    RoleForm,
)

bp = Blueprint("admin", __name__, template_folder="templates")

# Where a user with a pending password change may still go.
OPEN_DURING_PASSWORD_CHANGE = frozenset({"admin.change_password", "auth.logout", "auth.login",
                                         "static", "main.healthz"})


@bp.before_app_request
def insist_on_new_password():
    """After a reset with "must change", every page leads to /account/password first."""
    endpoint = request.endpoint or ""
    if (not current_user.is_authenticated or endpoint in OPEN_DURING_PASSWORD_CHANGE
            or endpoint.endswith(".static")):
        return None
    if not accounts.must_change_password(current_user):
        return None
    return navigate(url_for("admin.change_password"))


def _user_or_404(username: str):
    user = accounts.get_user(username)
    if user is None:
        abort(404, description=f"There is no staff account named {username!r}.")
    return user


def _users_page(create_form: CreateUserForm, *, created=None, one_time_password=None, status=200):
    return render_template(
        "admin/users.html", users=accounts.list_users(), form=create_form,
        logins=accounts.open_login_counts(), pending=accounts.users_needing_password_change(),
        created=created, one_time_password=one_time_password), status


@bp.get("/admin/users")
@require("staff_accounts")
def users():
    return _users_page(CreateUserForm())


@bp.post("/admin/users")
@require("staff_accounts")
def create_user():
    form = CreateUserForm()
    if not form.validate_on_submit() or not _store_known(form.store):
        return _users_page(form, status=422)
    try:
        user, generated = accounts.create_user_with_password(
            form.username.data, form.role.data, form.store.data or None,
            password=form.password.data or None, must_change=form.must_change.data)
    except accounts.AccountError as exc:
        _field_for(form, str(exc)).errors.append(_sentence(exc))
        return _users_page(form, status=422)
    if generated:
        return _users_page(CreateUserForm(formdata=None), created=user,
                           one_time_password=generated, status=201)
    flash(f"Account {user.username} ({user.role}) created.", "success")
    return redirect(url_for("admin.user", username=user.username), code=303)


def _field_for(form, message: str):
    """The field an AccountError is about (its message names it)."""
    for name in ("password", "store", "role", "username"):
        if name in message and hasattr(form, name):
            return getattr(form, name)
    return form.username


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _user_page(user, *, role_form=None, reset_form=None, one_time_password=None, status=200,
               confirm_disable=False):
    role_form = role_form or RoleForm(formdata=None, role=user.role, store=user.store or "")
    return render_template(
        "admin/user.html", user=user, role_form=role_form,
        reset_form=reset_form or ResetPasswordForm(formdata=None), confirm_form=ConfirmForm(),
        logins=accounts.open_login_counts().get(user.id, 0),
        must_change=accounts.must_change_password(user),
        one_time_password=one_time_password, confirm_disable=confirm_disable), status


@bp.get("/admin/users/<username>")
@require("staff_accounts")
def user(username: str):
    return _user_page(_user_or_404(username))


def _store_known(field) -> bool:
    """A store typed on an account must be one of Talon.One's (listStores): a manager tied to a
    misspelt store would be refused every session. An unknown store is refused next to the
    field; when Talon.One cannot be asked, the account is saved and the admin is told the store
    is unchecked (a typo guard must not stop account work during an outage)."""
    store = (field.data or "").strip()
    if not store:
        return True
    try:
        if talon.management.store_exists(store):
            return True
    except TalonError as exc:
        flash(f"The store “{store}” could not be checked against Talon.One's stores: "
              f"{read_message(exc)} Check it on the account.", "warning")
        return True
    field.errors = [*field.errors, f"Talon.One has no store “{store}”. Check its integration ID."]
    return False


def _refuse_own_account(user, what: str):
    """Admins cannot lock themselves out: no disabling, demoting or ending their own logins."""
    if user.id != current_user.id:
        return None
    record(f"user.{what}", "user", user.username, outcome="refused",
           summary={"reason": "own account"})
    flash(f"You cannot {what.replace('_', ' ')} your own account here; ask another admin.", "error")
    return redirect(url_for("admin.user", username=user.username), code=303)


@bp.post("/admin/users/<username>/role")
@require("staff_accounts")
def set_role(username: str):
    user = _user_or_404(username)
    form = RoleForm()
    if not form.validate_on_submit() or not _store_known(form.store):
        return _user_page(user, role_form=form, status=422)
    if form.role.data != user.role and (refused := _refuse_own_account(user, "change_role")):
        return refused
    try:
        accounts.set_role(user.username, form.role.data, form.store.data or None)
    except accounts.AccountError as exc:
        _field_for(form, str(exc)).errors.append(_sentence(exc))
        return _user_page(user, role_form=form, status=422)
    flash(f"{user.username} is now {user.role}"
          + (f" at {user.store}" if user.store else "") + ". It applies from their next click.",
          "success")
    return redirect(url_for("admin.user", username=user.username), code=303)


def _account_button(username: str, change, done: str, *, own_account: str | None = None):
    """A one-button change (disable, enable, end logins): CSRF-checked, refused on the admin's
    own account when `own_account` names the change, then back to the account's page."""
    user = _user_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if own_account and (refused := _refuse_own_account(user, own_account)):
        return refused
    result = change(user.username)
    flash(done.format(user=user.username, result=result, s="" if result == 1 else "s"), "success")
    return redirect(url_for("admin.user", username=user.username), code=303)


@bp.post("/admin/users/<username>/disable")
@require("staff_accounts")
def disable(username: str):
    # Disabling ends the account's logins at once, which no undo gives back: it is confirmed
    # first (in a dialog, or without JavaScript on the account's page).
    if request.form.get("confirmed") != "yes":
        user = _user_or_404(username)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return _refuse_own_account(user, "disable") or _user_page(user, confirm_disable=True)
    return _account_button(username, accounts.disable_user,
                           "{user} is disabled and logged out everywhere.", own_account="disable")


@bp.post("/admin/users/<username>/enable")
@require("staff_accounts")
def enable(username: str):
    return _account_button(username, accounts.enable_user, "{user} is enabled again.")


@bp.post("/admin/users/<username>/end-sessions")
@require("staff_accounts")
def end_sessions(username: str):
    return _account_button(username, accounts.end_sessions,
                           "Ended {result} open login{s} of {user}.", own_account="end_sessions")


@bp.post("/admin/users/<username>/password")
@require("staff_accounts")
def reset_password(username: str):
    user = _user_or_404(username)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _user_page(user, reset_form=form, status=422)
    if refused := _refuse_own_account(user, "reset_password"):
        return refused
    try:
        user, generated = accounts.reset_password(
            user.username, password=form.password.data if form.mode.data == "set" else None,
            must_change=form.must_change.data)
    except accounts.AccountError as exc:
        form.password.errors.append(_sentence(exc))
        return _user_page(user, reset_form=form, status=422)
    if generated:
        return _user_page(user, one_time_password=generated)
    flash(f"Password of {user.username} reset; their open logins ended"
          + (", and they must choose a new one at the next login." if form.must_change.data else "."),
          "success")
    return redirect(url_for("admin.user", username=user.username), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Any logged-in user: required after a reset, allowed any time."""
    form = ChangeOwnPasswordForm()
    required = accounts.must_change_password(current_user)
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.password.data,
                                         current=form.current_password.data,
                                         keep_login=current_user.login_token)
        except accounts.WrongCurrentPassword as exc:
            record("user.change_own_password", "user", current_user.username, outcome="refused",
                   summary={"reason": "wrong current one"})
            form.current_password.errors.append(_sentence(exc))
        except accounts.AccountError as exc:
            form.password.errors.append(_sentence(exc))
        else:
            flash("Your new password is set.", "success")
            return redirect(url_for("main.home"), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/change_password.html", form=form, required=required,
                           new_account=required and _never_had_own_password(current_user)), status


def _never_had_own_password(user) -> bool:
    """A brand-new account rather than a reset one: the account's last password event in the
    audit log is its creation (no set, reset or change of its password since)."""
    last = db.session.scalar(
        sa.select(AuditEntry.action)
        .where(AuditEntry.target_type == "user", AuditEntry.target_id == user.username,
               AuditEntry.action.in_(PASSWORD_EVENTS))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(1))
    return last == "user.create"


PASSWORD_EVENTS = ("user.create", "user.set_password", "user.reset_password", "user.change_own_password")


# -- caps on points added or deducted by hand (app/points_caps.py) -----------------------------


@bp.route("/admin/points-caps", methods=["GET", "POST"])
@require("points_caps")
def points_caps_page():
    """Per role: the most points one change may add or deduct, and one staff member's sum a day.
    Empty is no cap."""
    current = points_caps.caps()
    if request.method == "GET":
        form = PointsCapsForm(formdata=None, data={
            role: {"per_change": "" if cap.per_change is None else str(cap.per_change),
                   "per_day": "" if cap.per_day is None else str(cap.per_day)}
            for role, cap in current.items()})
    else:
        form = PointsCapsForm()
    rows = [(role, getattr(form, role)) for role in points_caps.capped_roles()]

    def page(status=200):
        return render_template("admin/points_caps.html", form=form, rows=rows, caps=current,
                               defaults=points_caps.DEFAULT_CAPS), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(422)
    points_caps.set_caps({role: points_caps.Cap(sub.value("per_change"), sub.value("per_day"))
                          for role, sub in rows}, current_user.username)
    flash("Points caps saved. They apply to the next change.", "success")
    return navigate(url_for("admin.points_caps_page"))
