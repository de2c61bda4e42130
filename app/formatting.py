"""Money, points and times as the console prints them: one way each, in the configured locale
(LOCALE, Flask-Babel's BABEL_DEFAULT_LOCALE), through Babel, so every page (and the effect
sentences of app.talon.effects) writes "-€26.46" the same way, and a German console writes
"-26,46 €".

The currency and the time zone are the Application's own (getApplication, held by the service
layer for the read cache's TTL: app/talon/application.py), read once per request at most.
CURRENCY and TIME_ZONE (Flask-Babel's BABEL_DEFAULT_TIMEZONE) are the fallbacks while the
Application cannot be read, lacks them or names a value that is no currency code or time zone.

The Jinja filters ``money``, ``points`` and ``time`` are these functions (registered in
app.templating with every other template global). Money and points are written by
app.talon.effects' functions, which word effects, so a page's totals and its effect sentences
can never disagree.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import datetime, timezone
from typing import Any

import pytz
from flask import current_app, g, has_app_context
from babel import dates
from flask_babel import format_date, get_locale, get_timezone, to_user_timezone
from markupsafe import Markup

from .talon import effects, talon
from .talon.models import parse_time

# Times: the same unambiguous order in every locale, in the console's time zone, named.
TIME_FORMAT = "yyyy-MM-dd HH:mm zzz"
TIME_FORMAT_SECONDS = "yyyy-MM-dd HH:mm:ss zzz"
# what the time filter writes; app.js shows its moment in the browser's time zone
TIME_ELEMENT = '<time datetime="{}" data-local>{}</time>'
TIME_ELEMENT_SECONDS = '<time datetime="{}" data-local data-seconds>{}</time>'
DAY_FORMAT, DAY_YEAR_FORMAT = "d MMMM", "d MMMM y"
CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")  # ISO 4217

log = logging.getLogger(__name__)


def currency() -> str:
    """The currency amounts are written in: the Application's, else CURRENCY. Worked out once
    per request."""
    if "desk_currency" not in g:
        g.desk_currency = (_currency_code(_application("currency"), "the Application's currency")
                           or current_app.config["CURRENCY"])
    return g.desk_currency


def time_zone() -> str | None:
    """Flask-Babel's time zone selector (it asks once per request): the Application's; None
    means BABEL_DEFAULT_TIMEZONE (the TIME_ZONE setting)."""
    if not has_app_context():
        return None
    return _zone(_application("timezone"), "the Application's time zone")


def _application(name: str) -> str | None:
    settings = talon.application_settings()
    return getattr(settings, name, None) if settings is not None else None


def _currency_code(value: Any, source: str) -> str | None:
    """An ISO 4217 code, else None (a value that is none logged once)."""
    if not isinstance(value, str) or not value:
        return None
    return value.upper() if CURRENCY_CODE.fullmatch(value) else _refused(value, source, "currency code")


def _zone(value: Any, source: str) -> str | None:
    """A time zone Flask-Babel (pytz) knows, else None (a value that is none logged once)."""
    if not isinstance(value, str) or not value:
        return None
    return value if value in pytz.all_timezones_set else _refused(value, source, "time zone name")


@functools.lru_cache(maxsize=64)
def _refused(value: str, source: str, kind: str) -> None:
    log.warning("%s %r is not a %s; the configured one is used", source, value, kind)


def money(amount: Any, sign: str = "") -> str:
    """``money(12.97)`` → ``€12.97``; ``sign="-"`` shows an amount taken off (``-€12.97``),
    ``sign="+"`` one given back (``+€12.97``). An unreadable amount is shown as it came."""
    if amount is None:
        return ""
    return effects.money(amount, currency(), sign=sign, locale=get_locale())


def points(value: Any) -> str:
    """Loyalty points and counts: ``1,200``, ``12.5``."""
    return "" if value is None else effects.points(value, get_locale())


def time(value: Any, seconds: bool = False) -> Markup | str:
    """A datetime (naive ones are UTC, as the database keeps them) or an RFC 3339 string from
    Talon.One, in the console's time zone (``time_zone``), as a ``<time>`` element: app.js shows it in the
    browser's time zone and keeps this text as its title. Empty for nothing."""
    when = value if isinstance(value, datetime) else parse_time(value)
    if when is None:
        return "" if value in (None, "") else str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    # Babel's format_datetime with the locale and time zone Flask-Babel holds for the request, as
    # Flask-Babel's format_datetime passes them: its wrapper around the same call was ~10 us of
    # each time's ~55 (issue 19; a customer page writes 16 times)
    text = dates.format_datetime(when, TIME_FORMAT_SECONDS if seconds else TIME_FORMAT,
                                 tzinfo=get_timezone(), locale=get_locale())
    moment = when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return Markup(TIME_ELEMENT_SECONDS if seconds else TIME_ELEMENT).format(moment, text)


def day(value: Any) -> str:
    """The calendar day of a time, in the console's time zone, as people say it: "2 March",
    with the year when it is not this year ("2 March 2025"); empty for nothing."""
    when = value if isinstance(value, datetime) else parse_time(value)
    if when is None:
        return "" if value in (None, "") else str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    this_year = to_user_timezone(datetime.now(timezone.utc)).year
    return format_date(when, DAY_FORMAT if to_user_timezone(when).year == this_year else DAY_YEAR_FORMAT)


#: Talon.One's event types in words (the session page's events, a customer's timeline)
EVENT_TITLES = {
    "talon_session_created": "Session created",
    "talon_session_updated": "Session updated",
    "talon_session_closed": "Session closed",
    "talon_session_cancelled": "Session cancelled",
    "talon_session_reopened": "Session reopened",
    "talon_return": "Items returned",
}


def event_title(event_type: str) -> str:
    """``talon_session_closed`` → ``Session closed``; other types in words."""
    return EVENT_TITLES.get(event_type) or effects.words(event_type).capitalize() or "Event"


def effect_wording(**kwargs: Any):
    """talon.effect_wording (effects in words) in the console's locale and currency, so its
    amounts read as ``money`` writes them."""
    return talon.effect_wording(locale=get_locale(), currency=currency(), **kwargs)
