"""An answer handed from one request to the page it sends the browser to next.

The search reads a customer's inventory to learn that the query is a customer, then redirects to
the customer page, which would ask Talon.One for the same inventory a moment later: a second round
trip in the agent's way, and a second call. So the search hands its answer to that one page view
(``give``), and the page takes it (``take``) instead of asking again.

An answer handed over is for the user who made the request and for one object, kept for
``SECONDS`` and taken once: a reload, another tab or another user reads afresh, as before. The
store is the Talon.One read cache's (Flask-Caching: this process, or Redis when the console is
scaled out, so the page may be served by another worker or instance); with the read cache off
(TALON_CACHE_TTL=0) nothing is handed over and the page reads for itself.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from .talon import talon
from .talon.cache import MISSING

#: longer than a redirect takes to be followed, short enough that only that page view uses it
SECONDS = 10


def give(kind: str, identifier: str, answer: Any) -> None:
    talon.management.reads.hand_over(_key(kind, identifier), answer, SECONDS)


def take(kind: str, identifier: str) -> Any | None:
    """The answer handed over for this user and object, or None."""
    answer = talon.management.reads.take(_key(kind, identifier))
    return None if answer is MISSING else answer


def _key(kind: str, identifier: str) -> tuple:
    return (current_user.get_id(), kind, identifier)
