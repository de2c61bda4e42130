"""Talon Desk: the Flask app factory.

    create_app()                       settings from the environment (gunicorn, flask CLI)
    create_app({"TESTING": True, ...}) a dict override on top (tests)
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask

from . import config as settings
from .extensions import babel, csrf, db, htmx, init_database, limiter, migrate
from .routing import init_routing
from .talon import talon

log = logging.getLogger(__name__)
MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from .templating import DeskEnvironment

    app.jinja_environment = DeskEnvironment  # before an extension makes app.jinja_env
    app.config.update(settings.defaults(app.instance_path))
    app.config.update(settings.from_environment(os.environ))
    app.config.update(config or {})
    settings.finalise(app.config)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_MAX_AGE_HOURS"])
    mode = app.config["TALON_DESK_MODE"]
    if mode == "production":
        problems = settings.production_problems(app.config)
        if problems:
            raise settings.UnsafeConfiguration(problems)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    init_routing(app)  # before the blueprints, whose <int:...> rules use it
    _register_blueprints(app)
    # After the blueprints: the tasks their modules declare are bound to this app's queue.
    from .queue import queue

    queue.init_app(app)

    from .admin.cli import users_cli

    app.cli.add_command(users_cli)
    with app.app_context():
        _prepare_database(app, mode)
    return app


def _init_extensions(app: Flask) -> None:
    from .auth.session import init_login
    from .errors import init_errors
    from .security import init_security
    from .templating import register as register_templating
    from .request_timing import init_timing
    from .assets import init_assets

    # Timing first (Server-Timing, the request ID), so it covers every other hook. Then the
    # login check, so an anonymous request is sent to /login before CSRF or anything else looks
    # at it.
    init_timing(app)
    init_security(app)
    init_assets(app)
    init_database(app)  # db.init_app, and SQLite's settings (extensions.SQLITE_PRAGMAS)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    init_login(app)
    csrf.init_app(app)
    htmx.init_app(app)
    from .formatting import time_zone  # the Application's own time zone (or an override)

    babel.init_app(app, timezone_selector=time_zone)
    limiter.init_app(app)
    talon.init_app(app)
    register_templating(app)
    init_errors(app)


def _register_blueprints(app: Flask) -> None:
    """The login pages (app.auth, core) and one blueprint per area (CONTRIBUTING.md, "The
    layout"). Registering an area that runs bulk jobs also adds its operations to the app's
    registry (app.bulk.pages.mount_job_pages)."""
    from .admin import routes as admin
    from .audiences import routes as audiences
    from .audit import routes as audit
    from .auth import routes as auth
    from .campaigns import routes as campaigns
    from .coupons import routes as coupons
    from .customers import routes as customers
    from .explain import routes as explain
    from .loyalty import routes as loyalty
    from .main import routes as main
    from .profiles import routes as profiles
    from .search import routes as search
    from .sessions import routes as sessions

    for module in (main, auth, audit, search, customers, sessions, coupons, audiences, loyalty,
                   campaigns, profiles, admin, explain):
        app.register_blueprint(module.bp)


def _prepare_database(app: Flask, mode: str) -> None:
    from .auth.accounts import demo_accounts_present, ensure_demo_accounts

    if mode == "demo":
        # The demo database migrates itself, so `make run` needs no separate step.
        from flask_migrate import upgrade

        upgrade(directory=MIGRATIONS_DIR)
        created = ensure_demo_accounts()
        if created:
            log.warning("demo accounts created (password 'demo'): %s", ", ".join(created))
    elif mode == "production":
        present = demo_accounts_present()
        if not present:
            return
        problem = (f"demo accounts with the password 'demo' exist: {', '.join(present)} "
                   "(flask users disable NAME, or flask users set-password NAME)")
        if click.get_current_context(silent=True) is not None:
            # A `flask ...` management command: let it run, so the accounts can be fixed.
            log.warning("UNSAFE: %s", problem)
            return
        raise settings.UnsafeConfiguration([problem])
