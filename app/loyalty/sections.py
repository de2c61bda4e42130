"""The sections a card page and a profile-program page share: balances, chart, unused points
and transactions. Each is read on its own (so one failing read shows an inline error in its
section only), both for the first page load (all at once, through talon.fan_out) and when a
section is paged, filtered or retried on its own."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ..talon import talon
from ..talon.errors import TalonError
from .chart import build_chart
from .forms import PointsFilterForm, TransactionFilterForm, page_number
from .ledger import LedgerAccount, Pager, TransactionFilter

SECTIONS = ("balances", "chart", "points", "transactions")


def prepare(account: LedgerAccount, section: str, args: Mapping) -> tuple[dict, Callable[[], Any] | None]:
    """(the section's template context so far, the read that fills it). The read is None when
    the section's filters are invalid: the form then shows why, and nothing is asked."""
    context: dict[str, Any] = {"account": account}
    if section == "balances":
        return context, account.balances
    if section == "chart":
        return context, account.latest_transactions
    if section == "points":
        form = PointsFilterForm(formdata=MultiDict(args))
        valid = form.validate()
        number = page_number(args) if valid else 1
        context.update(form=form, number=number, query={"status": form.status.data} if valid else {})
        return context, (lambda: account.points(form.status.data, number)) if valid else None
    form = TransactionFilterForm(formdata=MultiDict(args))
    valid = form.validate()
    number = page_number(args) if valid else 1
    filters = TransactionFilter(form.type.data or None, form.start.data, form.end.data,
                                form.session.data or None) if valid else TransactionFilter()
    context.update(form=form, number=number, filters=filters, query=_query(filters))
    return context, (lambda: account.transactions(filters, number)) if valid else None


def finish(section: str, context: dict, value: Any) -> dict:
    """Add the read's answer (or its TalonError) to the context the section template takes."""
    if isinstance(value, TalonError):
        return {**context, "error": value}
    if value is None:
        return context
    if section == "chart":
        return {**context, "chart": build_chart(value.items, truncated=value.has_more,
                                                 locale=get_locale())}
    if section in ("points", "transactions"):
        return {**context, "rows": value.items, "pages": Pager(context["number"], value.has_more)}
    return {**context, "balances": value}


def read_one(account: LedgerAccount, section: str, args: Mapping) -> dict:
    context, read = prepare(account, section, args)
    if read is None:
        return context
    try:
        value = read()
    except TalonError as error:
        value = error
    return finish(section, context, value)


def read_all(account: LedgerAccount, extra: Mapping[str, Callable[[], Any]] | None = None) -> tuple[dict, dict]:
    """Every section with its default filters, read at once with `extra` reads (the card
    itself...). Returns ({section: context}, {extra name: result or TalonError})."""
    prepared = {name: prepare(account, name, {}) for name in SECTIONS}
    calls = {name: read for name, (_, read) in prepared.items() if read is not None}
    calls.update(extra or {})
    results = talon.fan_out(calls)
    sections = {name: finish(name, context, results.get(name))
                for name, (context, _) in prepared.items()}
    return sections, {name: results[name] for name in (extra or {})}


def _query(filters: TransactionFilter) -> dict:
    """The filters as query arguments, so page links keep them."""
    return {"type": filters.type, "start": filters.start and filters.start.isoformat(),
            "end": filters.end and filters.end.isoformat(), "session": filters.session}


def render_all(parts: dict) -> dict[str, Markup]:
    """Each section's partial, rendered with its own context, for the page to place."""
    return {name: Markup(render_template(f"loyalty/_{name}.html", section=name, **context))
            for name, context in parts.items()}
