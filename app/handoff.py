"""Answers kept from one request for the next, so the next does not ask Talon.One again.

Two kinds, both for the user who made the request and for one object:

- handed to the next page (``give``/``take``). The search reads a customer's inventory to learn
  that the query is a customer, then redirects to the customer page, which would ask Talon.One
  for the same inventory a moment later: a second round trip in the agent's way. So the search
  hands its answer to that one page view, kept for ``SECONDS`` and taken once: a reload, another
  tab or another user reads afresh, as before.
- kept for the forms of a page (``keep``/``kept``). A preview or a return page shows a session,
  and its form's dry run is compared with the session as shown. Reading it again when the form is
  sent would put a second round trip before the dry run; so the page keeps what it read under a
  token its form sends back (``PAGE_SECONDS``), until the console changes something of the
  ``group`` (app/talon's read-cache groups). What the page showed is what the preview compares
  with; a change the console did not make (a till) shows in the dry run's own answer.

The store is the Talon.One read cache's (Flask-Caching: this process, or Redis when the console is
scaled out). Whatever is not there (another worker without Redis, expired, TALON_CACHE_TTL=0) is
read from Talon.One by the request that needs it, as without this module.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask_login import current_user

from .talon import talon
from .talon.cache import MISSING

#: longer than a redirect takes to be followed, short enough that only that page view uses it
SECONDS = 10
#: as long as an agent may sit on a form before sending it
PAGE_SECONDS = 15 * 60
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def give(kind: str, identifier: str, answer: Any) -> None:
    talon.management.reads.hold(_key("next", kind, identifier), answer, SECONDS)


def take(kind: str, identifier: str) -> Any | None:
    """The answer handed over for this user and object, or None."""
    answer = talon.management.reads.held(_key("next", kind, identifier), take=True)
    return None if answer is MISSING else answer


def keep(kind: str, identifier: str, answer: Any, group: str) -> str:
    """Keep what a page read for the forms on it; the token its forms send back."""
    token = secrets.token_urlsafe(16)
    talon.management.reads.hold(_key(token, kind, identifier), answer, PAGE_SECONDS, group=group)
    return token


def kept(kind: str, identifier: str, token: str | None, group: str) -> Any | None:
    """What the page with this token read, while the console changed nothing of ``group``."""
    if not token or not TOKEN.match(token):
        return None
    answer = talon.management.reads.held(_key(token, kind, identifier), group=group)
    return None if answer is MISSING else answer


def _key(use: str, kind: str, identifier: str) -> tuple:
    return (current_user.get_id(), use, kind, identifier)
