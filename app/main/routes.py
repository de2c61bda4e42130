"""`/`: the search home. `/healthz`: liveness and readiness of the app, its database and
Talon.One, for load balancers and operators (public, so it reports states, not details)."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from .. import home_panels
from ..extensions import db
from ..permissions import require
from ..queue import queue
from ..recent import recently_viewed
from ..talon import talon

bp = Blueprint("main", __name__, template_folder="templates")
log = logging.getLogger(__name__)

# What /healthz passes on from talon.health(): enough to see the state, nothing about where
# the backend is or what it said.
PUBLIC_TALON_FIELDS = ("status", "reachable", "http_status", "latency_ms", "circuit",
                       "management_budget")


@bp.get("/")
@require("lookup")
def home():
    return render_template("main/home.html", recent=recently_viewed(current_user),
                           panels=home_panels.render(current_user))


def database_health() -> dict:
    started = time.perf_counter()
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any driver error means the database is down
        db.session.rollback()
        log.error("healthz: database check failed: %s", exc)
        return {"status": "down"}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def talon_health() -> dict:
    try:
        report = talon.health()
    except Exception:  # /healthz answers whatever went wrong; the trace is in the log
        log.exception("healthz: talon.health() raised")
        return {"status": "down"}
    return {key: report[key] for key in PUBLIC_TALON_FIELDS if key in report}


def queue_health() -> dict:
    """The job queue: depth, the oldest waiting task's age, workers seen in the last minute
    (counts only: no task names, arguments or hosts). "no_workers" leaves the overall status
    alone (pages still serve; queued work waits), an unreachable queue storage is "degraded"."""
    try:
        return queue.health()
    except Exception:  # /healthz answers whatever went wrong; the trace is in the log
        log.exception("healthz: queue.health() raised")
        return {"status": "down"}


@bp.get("/healthz")
def healthz():
    """200 while the app can serve (its database answers), even when Talon.One is down: the
    console still shows the outage to staff, and restarting it would not help. 503 when the
    database is down. `status` sums it up: ok, degraded (Talon.One not ok, or the job queue's
    storage unreachable) or down."""
    database = database_health()
    upstream = talon_health()
    jobs = queue_health()
    if database["status"] != "ok":
        overall = "down"
    elif upstream.get("status") != "ok" or jobs.get("status") == "down":
        overall = "degraded"
    else:
        overall = "ok"
    body = {"status": overall, "app": {"status": "ok"}, "database": database, "talon": upstream,
            "queue": jobs}
    return jsonify(body), 503 if overall == "down" else 200
