"""Money, points and times as the console prints them: one way each, in the configured locale
(LOCALE, Flask-Babel's BABEL_DEFAULT_LOCALE) and currency (CURRENCY), through Babel, so every
page (and the effect sentences of app.talon.effects) writes "-€26.46" the same way, and a German
console writes "-26,46 €".

The Jinja filters ``money``, ``points`` and ``time`` are these functions (registered in
app.templating with every other template global). Money and points are written by
app.talon.effects' functions, which word effects, so a page's totals and its effect sentences
can never disagree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import current_app
from flask_babel import format_date, format_datetime, get_locale, to_user_timezone
from markupsafe import Markup

from .talon import effects, talon
from .talon.models import parse_time

# Times: the same unambiguous order in every locale, in the configured time zone, named.
TIME_FORMAT = "yyyy-MM-dd HH:mm zzz"
TIME_FORMAT_SECONDS = "yyyy-MM-dd HH:mm:ss zzz"
# what the time filter writes; app.js shows its moment in the browser's time zone
TIME_ELEMENT = '<time datetime="{}" data-local>{}</time>'
TIME_ELEMENT_SECONDS = '<time datetime="{}" data-local data-seconds>{}</time>'
DAY_FORMAT, DAY_YEAR_FORMAT = "d MMMM", "d MMMM y"


def money(amount: Any, sign: str = "") -> str:
    """``money(12.97)`` → ``€12.97``; ``sign="-"`` shows an amount taken off (``-€12.97``),
    ``sign="+"`` one given back (``+€12.97``). An unreadable amount is shown as it came."""
    if amount is None:
        return ""
    return effects.money(amount, current_app.config["CURRENCY"], sign=sign, locale=get_locale())


def points(value: Any) -> str:
    """Loyalty points and counts: ``1,200``, ``12.5``."""
    return "" if value is None else effects.points(value, get_locale())


def time(value: Any, seconds: bool = False) -> Markup | str:
    """A datetime (naive ones are UTC, as the database keeps them) or an RFC 3339 string from
    Talon.One, in the configured time zone, as a ``<time>`` element: app.js shows it in the
    browser's time zone and keeps this text as its title. Empty for nothing."""
    when = value if isinstance(value, datetime) else parse_time(value)
    if when is None:
        return "" if value in (None, "") else str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    text = format_datetime(when, TIME_FORMAT_SECONDS if seconds else TIME_FORMAT)
    moment = when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return Markup(TIME_ELEMENT_SECONDS if seconds else TIME_ELEMENT).format(moment, text)


def day(value: Any) -> str:
    """The calendar day of a time, in the configured time zone, as people say it: "2 March",
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
    """talon.effect_wording (effects in words) in the console's locale, so its amounts read as
    ``money`` writes them."""
    return talon.effect_wording(locale=get_locale(), **kwargs)
