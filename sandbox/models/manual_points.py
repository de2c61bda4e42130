"""Points added or deducted by hand, as the Management API does it (addLoyaltyPoints and
removeLoyaltyPoints for a profile in a profile-based program, addLoyaltyCardPoints and
deductLoyaltyCardPoints for a card): one ledger row each, of source "manual", so the
transactions list them as Talon.One's loyaltyTransactionType=manual and the balances replay
them like any other.

What the spec's AddLoyaltyPoints and DeductLoyaltyPoints schemas and the operations say, and
the sandbox follows:
- `points` is the amount; the sandbox refuses 0 or less (an addition of nothing is no change);
- `validityDuration` / `validUntil` and `pendingDuration` / `pendingUntil`: "If passed,
  `validUntil` should be omitted" (and likewise), so both at once is a 400; a duration is
  `unlimited` (validity) or `immediate` (pending), or an integer and one of s m h D W M Y,
  optionally rounded with `_D` (to the start of the day, days only) or `_U` (to the end of the
  day, week, month or year). Left out, the program's defaultValidity / defaultPending apply;
  `on_action` (points that wait for an activation call) is not emulated and is refused;
- `subledgerId`: "If there is no existing subledger with this ID, the subledger is created
  automatically";
- removeLoyaltyPoints: "Only active points can be deducted", so deducting more than the
  account's active points in that subledger is a 400;
- a card that is inactive (blocked cards are inactive too) earns and spends nothing, as in a
  session (sandbox/rules_conditions.card_problem): refused with a 400 rather than accepted.
"""
from __future__ import annotations

import calendar
import re
import uuid
from datetime import datetime, timedelta

from sandbox.clock import parse_rfc3339
from sandbox.db import Tx
from sandbox.errors import InvalidRequest
from sandbox.models import ledger, loyalty, profiles
from sandbox.models.common import ts

DURATION = re.compile(r"^(\d{1,6})([smhDWMY])(?:_([DU]))?$")
UNITS = {"s": timedelta(seconds=1), "m": timedelta(minutes=1), "h": timedelta(hours=1),
         "D": timedelta(days=1), "W": timedelta(weeks=1)}


def _months_later(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _round_up(moment: datetime, unit: str) -> datetime:
    """The last second of the moment's day, week (Sunday), month or year."""
    day_end = moment.replace(hour=23, minute=59, second=59, microsecond=0)
    if unit == "W":
        return day_end + timedelta(days=6 - moment.weekday())
    if unit == "M":
        return day_end.replace(day=calendar.monthrange(moment.year, moment.month)[1])
    if unit == "Y":
        return day_end.replace(month=12, day=31)
    return day_end


def after(start: datetime, duration: str, pointer: str) -> datetime:
    """``start`` plus a duration of the spec's format (not `unlimited` or `immediate`)."""
    match = DURATION.match(duration)
    if not match:
        raise InvalidRequest(f"{duration!r} is not a duration: an integer and one of s m h D W M Y, "
                             "optionally with _D or _U", pointer=pointer)
    count, unit, rounding = int(match.group(1)), match.group(2), match.group(3)
    if rounding == "D" and unit != "D":
        raise InvalidRequest("_D rounds days only", pointer=pointer)
    if rounding == "U" and unit in ("s", "m", "h"):
        raise InvalidRequest("_U rounds days, weeks, months and years only", pointer=pointer)
    if unit in UNITS:
        end = start + UNITS[unit] * count
    else:
        end = _months_later(start, count * (12 if unit == "Y" else 1))
    if rounding == "D":
        return end.replace(hour=0, minute=0, second=0, microsecond=0)
    if rounding == "U":
        return _round_up(end, unit)
    return end


def _moment(body: dict, until: str, duration: str, default: str, none_word: str,
            start: datetime) -> datetime | None:
    """When the points start (pending) or expire (validity); None: at once / never."""
    if until in body and duration in body:
        raise InvalidRequest(f"Give {duration} or {until}, not both", pointer=f"/{until}")
    if until in body:
        moment = parse_rfc3339(body[until], field=until)
        if moment <= start:
            raise InvalidRequest(f"{until} must be later than now", pointer=f"/{until}")
        return moment
    text = body.get(duration, default) or none_word
    if text == none_word:
        return None
    if text == "on_action":
        raise InvalidRequest("pendingDuration on_action (points activated later by an API call) is "
                             "not emulated by the sandbox", pointer=f"/{duration}")
    return after(start, text, f"/{duration}")


def _points(body: dict) -> float:
    points = float(body["points"])
    if points <= 0:
        raise InvalidRequest("points must be more than 0", pointer="/points")
    return points


def _check_application(body: dict) -> None:
    if "applicationId" in body and body["applicationId"] != 1:
        raise InvalidRequest(f"Application {body['applicationId']} is not connected to this loyalty "
                             "program", pointer="/applicationId")


def _account(tx: Tx, program_id: int, *, identifier: str | None, profile: str | None):
    """(card row or None, profile integration ID or None) after the operation's checks."""
    if identifier is not None:
        loyalty.require_program(tx, program_id, card_based=True)
        card = loyalty.require_card(tx, program_id, identifier)
        if loyalty.is_blocked(card) or card["status"] != "active":
            raise InvalidRequest(f"Loyalty card {identifier} is inactive: its points cannot change",
                                 resource="loyaltyCard")
        return card, None
    loyalty.require_program(tx, program_id, card_based=False)
    profiles.require(tx, profile)
    return None, profile


def add(tx: Tx, program_id: int, body: dict, *, identifier: str | None = None,
        profile: str | None = None) -> None:
    """addLoyaltyPoints / addLoyaltyCardPoints (the body is the spec's AddLoyaltyPoints)."""
    _check_application(body)
    card, owner = _account(tx, program_id, identifier=identifier, profile=profile)
    definition = loyalty.program_definition(loyalty.find_program(tx, program_id))
    points = _points(body)
    start = _moment(body, "pendingUntil", "pendingDuration", definition.get("defaultPending"),
                    "immediate", tx.now)
    expiry = _moment(body, "validUntil", "validityDuration", definition.get("defaultValidity"),
                     "unlimited", start or tx.now)
    if owner is not None:
        loyalty.join(tx, program_id, owner)
    tx.insert("ledger", transaction_uuid=str(uuid.uuid4()), program_id=program_id,
              card_id=card["id"] if card is not None else None, profile_integration_id=owner,
              kind="addition", name=body.get("name") or "", amount=points,
              subledger_id=body.get("subledgerId") or "",
              start_date=ts(start) if start else None, expiry_date=ts(expiry) if expiry else None,
              created=ts(tx.now), source="manual")


def deduct(tx: Tx, program_id: int, body: dict, *, identifier: str | None = None,
           profile: str | None = None) -> None:
    """removeLoyaltyPoints / deductLoyaltyCardPoints (the body is the spec's
    DeductLoyaltyPoints): only active points, so never beyond the active balance."""
    _check_application(body)
    card, owner = _account(tx, program_id, identifier=identifier, profile=profile)
    points = _points(body)
    subledger = body.get("subledgerId") or ""
    rows = ledger.account_rows(tx, program_id, card_id=card["id"] if card is not None else None,
                               profile=owner, subledger=subledger)
    active = ledger.replay(rows, tx.now).active
    if points > active + 1e-9:
        where = f"subledger {subledger}" if subledger else "the main ledger"
        raise InvalidRequest(f"Only active points can be deducted: {ledger_number(active)} are active "
                             f"in {where}, {ledger_number(points)} were asked for", pointer="/points")
    tx.insert("ledger", transaction_uuid=str(uuid.uuid4()), program_id=program_id,
              card_id=card["id"] if card is not None else None, profile_integration_id=owner,
              kind="subtraction", name=body.get("name") or "", amount=points,
              subledger_id=subledger, created=ts(tx.now), source="manual")


def ledger_number(value: float) -> str:
    return f"{value:g}"
