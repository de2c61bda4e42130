"""/search: one box for a profile ID, session ID, coupon code or loyalty card identifier.

    GET /search?q=...          one certain match: 303 to its page; several: a short list;
                               none: a helpful message (and which lookups could not answer)
    GET /search/suggest?q=...  htmx: suggestions while typing (a listbox the keyboard can use)
"""

from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from .. import handoff
from ..permissions import require
from ..templating import render_section
from . import lookups
from .forms import SearchForm

SAFE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,60}$")

# Its static files (the header search box's agent.css and search.js) are on every page.
bp = Blueprint("search", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets/search")


# Where a match leads: its page (a card only when its program is known).
PAGES = {
    "customer": lambda m: url_for("customers.show", integration_id=m.identifier),
    "session": lambda m: url_for("sessions.show", session_id=m.identifier),
    "coupon": lambda m: url_for("coupons.show", code=m.identifier),
    "card": lambda m: url_for("loyalty.card", program_id=m.program_id, identifier=m.identifier),
}


def match_url(match: lookups.Match) -> str | None:
    if match.kind == "card" and match.program_id is None:
        return None
    return PAGES[match.kind](match)


@bp.get("/search")
@require("lookup")
def search():
    form = SearchForm(formdata=_query_args())
    if not form.validate():
        return render_template("search/results.html", form=form, lookup=None,
                               kind_labels=lookups.KIND_LABELS, match_url=match_url), 422
    lookup = lookups.identify(form.q.data)
    single = lookup.single
    if single is not None:
        url = match_url(single)
        if url is not None:
            if single.answer is not None:
                # the page opened next uses what the search just read (one round trip less)
                handoff.give(single.kind, single.identifier, single.answer)
            return redirect(url, 303)
    headers = {}
    if lookup.matches or not lookup.failures:
        status = 200
    elif lookup.rate_limited:
        # Talon.One's Management limit, not an outage: "try again in a moment", never a 502
        status = 503
        waits = [e.retry_after for e in lookup.failures.values() if e.retry_after]
        headers["Retry-After"] = str(max(1, int(max(waits, default=1))))
    else:
        status = 502
    return render_template("search/results.html", form=form, lookup=lookup,
                           kind_labels=lookups.KIND_LABELS, match_url=match_url), status, headers


@bp.get("/search/suggest")
@require("lookup")
def suggest():
    form = SearchForm(formdata=_query_args())
    lookup = lookups.suggest(form.q.data) if form.validate() else None
    return render_section("search/suggestions.html", "search/_suggestions.html",
                          form=form, lookup=lookup, minimum=lookups.SUGGESTION_MINIMUM,
                          listbox_id=_listbox_id(), match_url=match_url)


def _listbox_id() -> str:
    """Option IDs must be unique on the page, and a page can have two search boxes (header and
    home): prefix them with the ID of the box's suggestion area, which htmx sends as HX-Target."""
    target = request.headers.get("HX-Target", "")
    return target if SAFE_ID.match(target) else "suggestions"


def _query_args():
    """Only ?q= is read; a missing q reads as empty, so the form still validates (and says
    what to type) instead of treating the request as not submitted."""
    return MultiDict({"q": request.args.get("q", "")})
