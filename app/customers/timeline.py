"""One timeline per customer: sessions, Talon.One events (their effects in words), loyalty
transactions and the console's own audited actions on the customer, newest first.

Sources, and what one page of the timeline costs:
- sessions: the customer's newest SESSIONS_READ sessions, one Management read; it also names the
  sessions the console's actions and Talon.One's events belong to;
- events: one Management read (``getApplicationEventsWithoutTotalCount`` by profile);
- loyalty: the customer's cards and programs from their inventory, then each ledger's
  transactions, all through the Integration API (at most LEDGERS_READ ledgers);
- console: the audit log, for entries on the customer, their cards and their sessions, shown
  to the roles that may read the audit log (as the pages' History is).

Paging is by a cursor (the last entry shown): each source is asked for what lies before it, and
the newest PER_PAGE of all of them make the page. Entries at the same moment are ordered by kind
and ID, so a page boundary never loses or repeats one.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from flask import url_for

from ..extensions import db
from ..formatting import effect_wording, event_title, money, points
from ..models import AuditEntry
from ..talon import talon
from ..talon.effects import words
from ..talon.errors import TalonError, TalonNotFound
from ..talon.models import Event, Session, Transaction
from ..talon_failures import read_message

KINDS = ("sessions", "events", "loyalty", "console")
KIND_TITLES = {"sessions": "Sessions", "events": "Talon.One events",
               "loyalty": "Loyalty transactions", "console": "Console actions"}
PER_PAGE = 25
#: each source is asked for this many more than a page, for entries at the same moment
MARGIN = 5
SESSIONS_READ = 1000  # the Management list's largest page
LEDGERS_READ = 6
EFFECTS_SHOWN = 6


@dataclass(frozen=True)
class Entry:
    when: datetime  # aware, UTC
    kind: str
    ident: str  # unique within the kind
    title: str
    lines: tuple[str, ...] = ()
    url: str | None = None
    badge: str | None = None

    @property
    def order(self) -> tuple:
        """Newest first; at one moment, by kind then ID (the cursor's order)."""
        return (self.when, KINDS.index(self.kind), self.ident)


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: entries after it in the timeline's order come next."""

    when: datetime
    rank: int
    ident: str

    @classmethod
    def of(cls, entry: Entry) -> "Cursor":
        return cls(entry.when, KINDS.index(entry.kind), entry.ident)

    def encode(self) -> str:
        text = f"{self.when.isoformat()}|{self.rank}|{self.ident}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        """The cursor of an ``?older=`` argument; None for anything that is not one."""
        if not text or len(text) > 400:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            moment, rank, ident = raw.split("|", 2)
            when = datetime.fromisoformat(moment)
            rank_number = int(rank)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if when.tzinfo is None or not 0 <= rank_number < len(KINDS):
            return None
        return cls(when, rank_number, ident)

    def before(self, entry: Entry) -> bool:
        """Whether ``entry`` comes after this cursor (it is older)."""
        return entry.order < (self.when, self.rank, self.ident)


@dataclass(frozen=True)
class Window:
    """What the staff member asked for: which kinds, which days (in the console's time zone,
    as the times are shown), from which point."""

    kinds: tuple[str, ...] = KINDS
    first_day: date | None = None
    last_day: date | None = None
    cursor: Cursor | None = None
    zone: tzinfo = timezone.utc

    @property
    def lower(self) -> datetime | None:
        if self.first_day is None:
            return None
        return datetime.combine(self.first_day, time.min, tzinfo=self.zone).astimezone(timezone.utc)

    @property
    def upper(self) -> datetime | None:
        """The latest moment wanted (inclusive)."""
        ends = []
        if self.last_day is not None:
            next_day = datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=self.zone)
            ends.append(next_day.astimezone(timezone.utc) - timedelta(microseconds=1))
        if self.cursor is not None:
            ends.append(self.cursor.when)
        return min(ends) if ends else None

    def holds(self, entry: Entry) -> bool:
        if self.lower is not None and entry.when < self.lower:
            return False
        upper = self.upper
        if upper is not None and entry.when > upper:
            return False
        return self.cursor is None or self.cursor.before(entry)


@dataclass
class Page:
    entries: list[Entry]
    older: Cursor | None
    #: (source title, what went wrong): a source that failed leaves the page incomplete
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the console's actions were left out (the role may not read the audit log)
    console_hidden: bool = False
    #: Talon.One knows no such customer
    unknown_customer: bool = False


def aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# -- the page -----------------------------------------------------------------------------------


def load(integration_id: str, window: Window, *, may_read_audit: bool) -> Page:
    """One page of the customer's timeline."""
    page = Page([], None, console_hidden="console" in window.kinds and not may_read_audit)
    wanted = set(window.kinds) - ({"console"} if not may_read_audit else set())
    reads: dict[str, Callable[[], Any]] = {}
    if wanted & {"sessions", "events", "console"}:
        reads["sessions"] = lambda: talon.management.list_sessions(
            profile=integration_id, sort="-created", page_size=SESSIONS_READ)
    if "events" in wanted:
        reads["events"] = lambda: talon.management.list_events(
            profile=integration_id, sort="-created", page_size=PER_PAGE + MARGIN,
            created_before=_exclusive(window.upper), created_after=_exclusive_after(window.lower))
    if wanted:  # the wallet also tells an unknown customer (the Integration API: no cap)
        reads["wallet"] = lambda: talon.integration.get_customer_inventory(
            integration_id, profile=False, referrals=False, coupons=False, loyalty=True,
            giveaways=False, achievements=False)
    found = talon.fan_out(reads)
    sessions = _ok(found, "sessions", "Sessions", page)
    if sessions is not None and sessions.has_more:
        page.notes.append(f"Only the newest {SESSIONS_READ:,} sessions are in the timeline.")
    session_ids = {s.id: s.integration_id for s in (sessions.items if sessions else ())}
    entries: list[Entry] = []
    if "sessions" in wanted and sessions is not None:
        entries += [_session_entry(s) for s in sessions.items]
    if "events" in wanted:
        events = _ok(found, "events", "Talon.One events", page)
        if events is not None:
            entries += _event_entries(events.items, session_ids)
    if isinstance(found.get("wallet"), TalonNotFound):
        page.unknown_customer = True
        return page
    wallet = _ok(found, "wallet", "Loyalty", page) if "wallet" in found else None
    cards = [(c.program_id, c.identifier) for c in (wallet.loyalty_cards if wallet else ())
             if c.program_id is not None]
    if "loyalty" in wanted and wallet is not None:
        entries += _transactions(integration_id, cards, wallet.loyalty_programs, window, page)
    if "console" in wanted:
        entries += _console_entries(integration_id, cards, list(session_ids.values()), window)
    chosen = sorted((e for e in entries if window.holds(e)), key=lambda e: e.order, reverse=True)
    page.entries = chosen[:PER_PAGE]
    if len(chosen) > PER_PAGE:
        page.older = Cursor.of(page.entries[-1])
    return page


def _ok(found: dict, name: str, title: str, page: Page):
    result = found.get(name)
    if isinstance(result, TalonError):
        page.problems.append((title, read_message(result)))
        return None
    return result


def _exclusive(upper: datetime | None) -> datetime | None:
    # createdBefore is strict: one second later still includes the upper moment
    return upper + timedelta(seconds=1) if upper is not None else None


def _exclusive_after(lower: datetime | None) -> datetime | None:
    return lower - timedelta(seconds=1) if lower is not None else None


# -- entries ------------------------------------------------------------------------------------


def _session_entry(session: Session) -> Entry:
    lines = [f"{session.item_count} item{'s' if session.item_count != 1 else ''}, "
             f"{money(session.total or 0)}"]
    if session.store_integration_id:
        lines.append(f"store {session.store_integration_id}")
    if session.coupon:
        lines.append(f"coupon {session.coupon}")
    return Entry(aware(session.created) or _EPOCH, "sessions", session.integration_id,
                 f"Session {session.integration_id}", tuple(lines),
                 url_for("sessions.show", session_id=session.integration_id),
                 badge=session.state or None)


def _event_entries(events: Iterable[Event], session_ids: dict) -> list[Entry]:
    wording = effect_wording()
    entries = []
    for event in events:
        lines = [line.text for line in wording.describe_all(event.effects)]
        if len(lines) > EFFECTS_SHOWN:
            lines = lines[:EFFECTS_SHOWN] + [f"and {len(lines) - EFFECTS_SHOWN} more effects"]
        if not lines:
            lines = ["no effects"]
        session = session_ids.get(event.session_id) or (
            event.session_id if isinstance(event.session_id, str) else None)
        url = url_for("sessions.show", session_id=session) if session else None
        title = event_title(event.type) + (f" · {session}" if session else "")
        entries.append(Entry(aware(event.created) or _EPOCH, "events", str(event.id), title,
                             tuple(lines), url))
    return entries


def _transactions(integration_id: str, cards: list[tuple[int, str]], programs: dict,
                  window: Window, page: Page) -> list[Entry]:
    """Each ledger's newest transactions in the window (Integration API, in parallel)."""
    ledgers: dict[str, Callable[[], Any]] = {}
    where: dict[str, tuple[str, str]] = {}
    for program_id, identifier in cards:
        name = f"card:{program_id}:{identifier}"
        ledgers[name] = _reader(program_id, identifier, None, window)
        where[name] = (f"card {identifier}",
                       url_for("loyalty.card", program_id=program_id, identifier=identifier))
    for program_key in programs:
        try:
            program_id = int(program_key)
        except (TypeError, ValueError):
            continue
        name = f"profile:{program_id}"
        ledgers[name] = _reader(program_id, None, integration_id, window)
        where[name] = ("", url_for("loyalty.profile_balances", program_id=program_id,
                                   integration_id=integration_id))
    if len(ledgers) > LEDGERS_READ:
        page.notes.append(f"Transactions of the first {LEDGERS_READ} of the customer's "
                          f"{len(ledgers)} cards and programs are shown.")
        ledgers = dict(list(ledgers.items())[:LEDGERS_READ])
    titles = _program_titles()
    entries = []
    for name, result in talon.fan_out(ledgers).items():
        if isinstance(result, TalonError):
            page.problems.append((f"Loyalty ({where[name][0] or 'profile points'})",
                                  read_message(result)))
            continue
        entries += [_transaction_entry(name, t, where[name], titles) for t in result.items]
    return entries


def _reader(program_id: int, identifier: str | None, integration_id: str | None,
            window: Window) -> Callable[[], Any]:
    filters = dict(start_date=window.lower, end_date=window.upper, page_size=PER_PAGE + MARGIN)
    if identifier is not None:
        return lambda: talon.integration.get_loyalty_card_transactions(program_id, identifier, **filters)
    return lambda: talon.integration.get_loyalty_program_profile_transactions(
        program_id, integration_id, **filters)


def _program_titles() -> dict[int, str]:
    try:
        return {p.id: p.title or p.name for p in talon.management.list_loyalty_programs()}
    except TalonError:
        return {}


def _transaction_entry(ledger: str, transaction: Transaction, where: tuple[str, str],
                       titles: dict[int, str]) -> Entry:
    sign = "−" if transaction.type == "subtraction" else "+"
    program = titles.get(transaction.program_id) or f"program {transaction.program_id}"
    place = f" on {where[0]}" if where[0] else ""
    lines = [transaction.name] if transaction.name else []
    if transaction.subledger_id:
        lines.append(f"subledger {transaction.subledger_id}")
    if transaction.customer_session_id:
        lines.append(f"session {transaction.customer_session_id}")
    ident = transaction.transaction_uuid or str(transaction.id)
    return Entry(aware(transaction.created) or _EPOCH, "loyalty", f"{ledger}:{ident}",
                 f"{sign}{points(abs(transaction.amount))} points, {program}{place}", tuple(lines),
                 where[1])


def _console_entries(integration_id: str, cards: list[tuple[int, str]], session_ids: list[str],
                     window: Window) -> list[Entry]:
    targets = [sa.and_(AuditEntry.target_type == "customer", AuditEntry.target_id == integration_id)]
    if cards:
        targets.append(sa.and_(AuditEntry.target_type == "loyalty_card",
                               AuditEntry.target_id.in_([f"{p}/{i}" for p, i in cards])))
    if session_ids:
        targets.append(sa.and_(AuditEntry.target_type == "session",
                               AuditEntry.target_id.in_(session_ids)))
    query = sa.select(AuditEntry).where(sa.or_(*targets)).where(
        AuditEntry.action != "permission.refused")
    if window.lower is not None:
        query = query.where(AuditEntry.created_at >= window.lower.replace(tzinfo=None))
    if window.upper is not None:
        query = query.where(AuditEntry.created_at <= window.upper.replace(tzinfo=None))
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(PER_PAGE + MARGIN)
    return [_console_entry(entry) for entry in db.session.scalars(query)]


def _console_entry(entry: AuditEntry) -> Entry:
    lines = [f"by {entry.actor or 'the console'}{f' ({entry.actor_role})' if entry.actor_role else ''}"]
    if entry.dry_run:
        lines.append("a dry run: nothing changed in Talon.One")
    summary = entry.summary if isinstance(entry.summary, dict) else {}
    for key in ("reason", "note", "points", "account"):
        if summary.get(key) not in (None, ""):
            value = points(summary[key]) if key == "points" else summary[key]
            lines.append(f"{key}: {value}")
    return Entry(aware(entry.created_at) or _EPOCH, "console", f"{entry.id:012d}",
                 action_title(entry.action), tuple(lines), _target_url(entry),
                 badge=entry.outcome if entry.outcome != "success" else None)


def action_title(action: str) -> str:
    """``loyalty_card.link`` → ``Loyalty card: link``."""
    area, _dot, what = (action or "").partition(".")
    area_words = words(area).capitalize() or "Console"
    return f"{area_words}: {words(what.replace('.', ' '))}" if what else area_words


def _target_url(entry: AuditEntry) -> str | None:
    target = entry.target_id or ""
    if entry.target_type == "session":
        return url_for("sessions.show", session_id=target)
    if entry.target_type == "customer":
        return url_for("customers.show", integration_id=target)
    if entry.target_type == "loyalty_card" and "/" in target:
        program, identifier = target.split("/", 1)
        if program.isdigit():
            return url_for("loyalty.card", program_id=int(program), identifier=identifier)
    return None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
