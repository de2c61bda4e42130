"""The floor that bench/page_speed.py divides each flow by: a console page that waits for exactly
the Talon.One round trips a flow cannot avoid, one after another, and sends a minimal document.

    GET|POST /bench/floor/<round_trips>    (with HX-Request: a minimal fragment)

It runs in the console the benchmark measures: the same gunicorn (Procfile, gunicorn.conf.py),
the same app with its login and permission check, CSRF on the POST, its Server-Timing and
security headers, the same transport to the same sandbox with the same latency L. So a flow's
time over its floor is what the console adds (its own work, rendering, the browser's parsing,
htmx and layout), whatever the machine's speed that day.

Why here and not in app/: this blueprint is registered only by ``create_app`` below, which only
bench/page_speed.py starts (gunicorn with ``bench.floor:create_app()`` instead of the Procfile's
``app:create_app()``). bench/ is not part of the installed package (pyproject.toml packages
``app*`` and ``sandbox*``), and nothing in app/ imports it, so no deployment can serve it.

Each round trip is the cheapest read Talon.One answers: a session that does not exist, through
the Integration API (the probe /healthz sends too): L plus the least the transport and Talon.One
can do. Nothing Management is asked, so the floor never spends the budget a flow needs.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

from app import create_app as create_console
from app.permissions import require
from app.talon import talon
from app.talon.errors import TalonError

PROBE_SESSION = "bench-floor-probe"  # no such session: Talon.One answers 400 at once
MAX_ROUND_TRIPS = 5
DOCUMENT = "<!doctype html><html lang=en><meta charset=utf-8><title>floor</title><p>floor</p></html>"
FRAGMENT = "<p>floor</p>"

bp = Blueprint("bench_floor", __name__)


@bp.route("/bench/floor/<int:round_trips>", methods=["GET", "POST"])
@require("lookup")
def floor(round_trips: int):
    for _ in range(min(round_trips, MAX_ROUND_TRIPS)):
        try:
            talon.integration.get_customer_session(PROBE_SESSION)
        except TalonError:
            pass  # the answer was "no such session": the round trip is what counts
    body = FRAGMENT if request.headers.get("HX-Request") else DOCUMENT
    return Response(body, mimetype="text/html")


def create_app() -> Flask:
    """The console as the Procfile runs it, plus the floor page."""
    app = create_console()
    app.register_blueprint(bp)
    return app
