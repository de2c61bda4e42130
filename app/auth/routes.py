"""/login and /logout."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..audit_log import record
from ..errors import render_error
from ..extensions import limiter
from .accounts import authenticate, end_login, start_login
from .forms import LoginForm
from .session import safe_next

bp = Blueprint("auth", __name__, template_folder="templates")
log = logging.getLogger(__name__)


def _login_failed(response) -> bool:
    # Only rejected attempts count towards the login limits; successful logins never do.
    return g.get("login_failed", False)


def _attempted_account() -> str:
    """The throttle's key for the account a login names (known or not: an unknown name is
    throttled the same, so the limit does not tell which names exist)."""
    return "account:" + (request.form.get("username") or "").strip().lower()[:80]


def _throttled(what: str):
    def on_breach(limit):
        retry_after = max(1, int(limit.reset_at - time.time()))
        return render_error(429, "Too many attempts",
                            f"Too many failed logins {what}. Wait {retry_after} seconds, then "
                            "try again.", retry_after=retry_after)
    return on_breach


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               key_func=_attempted_account, scope="login-account", deduct_when=_login_failed,
               on_breach=_throttled("for this account"))
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=get_remote_address, scope="login-address", deduct_when=_login_failed,
               on_breach=_throttled("from your address"))
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            return _log_in(user)
    if request.method == "POST":
        g.login_failed = True
        attempted = (form.username.data or "").strip()[:80]
        log.warning("failed login for %r from %s", attempted, request.remote_addr)
        record("auth.login", "user", attempted or None, outcome="failure")
        form.password.errors = ["Wrong username or password, or the account is disabled."]
    return render_template("auth/login.html", form=form)


def _log_in(user):
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        end_login(current_user.login_token)
    # A fresh session: nothing from before the login survives (session fixation), and the
    # CSRF token changes with it.
    session.clear()
    start_login(user)
    login_user(user)
    session.permanent = True
    record("auth.login", "user", user.username)
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        record("auth.logout", "user", current_user.username)
        end_login(current_user.login_token)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), code=303)
