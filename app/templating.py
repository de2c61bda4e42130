"""Rendering shared by every area: partial-or-page (htmx), navigating after a change, and every
Jinja global and filter."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, current_app, make_response, redirect, render_template, request, session
from flask.templating import Environment
from flask_login import current_user

from .extensions import htmx
from .navigation import fixed_url, visible_nav
from .permissions import can, may_use, store_allowed
from .upload_limits import limits as bulk_limits


class DeskEnvironment(Environment):
    """Flask's Jinja environment (create_app sets it as the app's ``jinja_environment``), with
    each template's globals in a dict: a copy of the environment's globals (all registered by
    ``register`` and the extensions before the first template loads), then the template's own.

    Jinja's default is a ChainMap over the two, which pure Python reads slowly: every render
    copies it into the context key by key, and every ``{% from ... import %}`` checks each of
    the 25 global names against it. That was about 20 us a render and 25 us an import, and a
    page makes up to 2 renders and 16 imports (issue 19: 0.3-0.5 ms of the session and customer
    pages). What is lost is only what Jinja's make_globals asks not to rely on: a global added
    to the environment after a template has loaded does not reach that template."""

    def make_globals(self, d: dict[str, Any] | None) -> dict[str, Any]:
        return {**self.globals, **(d or {})}


def wants_partial() -> bool:
    """An htmx request that swaps a section (not a boosted navigation or a history restore,
    which need the whole page)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_section(page_template: str, partial_template: str, **context: Any) -> str:
    """Contact.app's pattern: the page includes the partial; an htmx request gets the partial
    alone."""
    return render_template(partial_template if wants_partial() else page_template, **context)


def navigate(url: str):
    """After a change that moves the user on: 303 for a plain form, HX-Redirect for htmx (which
    would otherwise follow the redirect inside the XHR and swap a whole page into a section)."""
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def page_url(page: int) -> str:
    """The current URL with ?page= replaced (other query arguments kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    args.append(("page", str(page)))
    return f"{request.path}?{urlencode(args)}"


def with_args(url: str, **changes: Any) -> str:
    """``url`` with these query arguments set (None removes one), the others kept: a heading's
    sort link keeps a list's filters and drops its page."""
    path, _, query = url.partition("?")
    args = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in changes]
    args += [(k, str(v)) for k, v in changes.items() if v is not None]
    return f"{path}?{urlencode(args)}" if args else path


# htmx settings (rendered into <meta name="htmx-config">). The first three keep htmx inside the
# Content-Security-Policy: no injected <style>, no eval (hx-on, js: values), no <script> from
# swapped HTML. No history snapshots in localStorage (pages show customer data); going back
# reloads the page from the server instead, which then must not be treated as a partial request.
# Error statuses are swapped too, so error fragments (errors.py) show where the request was made.
HTMX_CONFIG = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "historyRestoreAsHxRequest": False,
    "selfRequestsOnly": True,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
        {"code": "...", "swap": False},
    ],
}

# Responses that make htmx navigate or reload rather than swap.
HTMX_NAVIGATION_HEADERS = ("HX-Redirect", "HX-Location", "HX-Refresh")


def append_flash_oob(response: Response) -> Response:
    """Flash messages still waiting in the session ride along with an htmx partial as an
    out-of-band swap of the page's flash area (full pages render them in base.html)."""
    if (
        wants_partial()
        and "_flashes" in session
        and response.mimetype == "text/html"
        and not response.is_streamed
        and not 300 <= response.status_code < 400
        and not any(h in response.headers for h in HTMX_NAVIGATION_HEADERS)
    ):
        oob = render_template("_flash.html", oob=True)
        response.set_data(response.get_data() + oob.encode("utf-8"))
    return response


def register(app: Flask) -> None:
    """Every Jinja global and filter of the console, in one place."""
    from . import formatting
    from .customer_profiles import customer_name
    from .talon_failures import read_message

    app.jinja_env.globals.update(
        can=can, store_allowed=store_allowed, page_url=page_url, htmx_config=HTMX_CONFIG,
        # fixed_url('static', filename='app.css'): url_for's URL for the frame's fixed links, held
        fixed_url=fixed_url,
        # may_use("profiles.audiences"): links to pages the user's role may open
        may_use=lambda endpoint: may_use(current_user, endpoint),
        # for _history.html: imported macros do not see current_user, globals they do
        may_see_history=lambda: can(current_user, "audit"),
        # bulk_limits(): (bytes, rows) a list or CSV may have; file fields check the size first
        bulk_limits=bulk_limits,
        # customer_name(profile): the name under the configured CUSTOMER_NAME_ATTRIBUTE, which
        # name_attribute() gives for lists of a profile's other attributes
        customer_name=customer_name,
        name_attribute=lambda: current_app.config["CUSTOMER_NAME_ATTRIBUTE"],
    )
    app.jinja_env.filters.update(
        money=formatting.money, points=formatting.points, time=formatting.time, day=formatting.day,
        # `error|talon_problem`: a TalonError in words for staff (never Talon.One's raw 5xx text)
        talon_problem=read_message,
        # `url|with_args(sort="-created", page=None)`: the URL with those arguments replaced
        with_args=with_args,
    )

    def nav_items() -> list[dict[str, str]]:
        """The header's links (base.html calls it). A function, not a context processor: a
        context processor ran for every render_template, the htmx partials too, and after a
        commit (an audit entry) it read the expired user again for links no partial shows
        (issue 19: 1.5-2 ms of a preview's answer)."""
        if not current_user or not current_user.is_authenticated:
            return []
        return visible_nav(current_user)

    app.jinja_env.globals["nav_items"] = nav_items

    app.after_request(append_flash_oob)
