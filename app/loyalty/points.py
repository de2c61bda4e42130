"""Points added or deducted by hand on a card or a profile (goodwill points, issue 17): the
form's choices, the caps (app/points_caps.py), and the one submission through app.changes.

    addLoyaltyCardPoints / deductLoyaltyCardPoints   a card in a card-based program
    addLoyaltyPoints / removeLoyaltyPoints           a profile in a profile-based program

Order of a POST: the form's checks; the caps (per change, then the day's sum from the console's
own ledger, with this form reserved in it); then app.changes.submit, once per form. A second
submission of the same form (double click, refresh) is answered by app.changes from its record
and is neither counted nor checked against the caps again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask_login import current_user
from wtforms import SelectChoice

from .. import points_caps
from ..changes import DONE, FAILED, UNKNOWN, Result, audit_refusal, earlier, submit
from ..talon import talon
from ..talon.models import Balances, LoyaltyProgram
from .durations import duration_words
from .forms import PointsForm
from .ledger import LedgerAccount

MAIN_LEDGER = ""


@dataclass(frozen=True)
class PointsTarget:
    """The account whose points change, and how the audit log and the pages name it."""

    account: LedgerAccount
    program: LoyaltyProgram
    audit_target: tuple[str, str]  # ("loyalty_card", "1/4000-0001") or ("customer", "cust-0001")
    label: str  # "card 4000-0001", "cust-0001 in Members Points"

    @property
    def scope(self) -> str:
        return f"loyalty_points:{self.account.kind}:{self.account.program_id}:{self.account.key}"

    @property
    def ledger_account(self) -> str:
        kind = "card" if self.account.is_card else "profile"
        return f"{kind}:{self.account.program_id}/{self.account.key}"


def subledger_choices(program: LoyaltyProgram, balances: Balances | None) -> list[SelectChoice]:
    """The main ledger, and where the program has subledgers (allowSubledger), those the account
    holds points in."""
    choices = [SelectChoice(MAIN_LEDGER, "Main ledger")]
    if program.allow_subledger and balances is not None:
        choices += [SelectChoice(name, name) for name in sorted(balances.subledgers or {}) if name]
    return choices


def defaults(program: LoyaltyProgram) -> dict[str, str]:
    """The program's defaults in words, for the fields' hints."""
    return {"validity": duration_words(program.default_validity or "unlimited"),
            "pending": duration_words(program.default_pending or "immediate")}


def cap_words() -> dict[str, Any]:
    """The current user's caps and what they used today, for the form's hint."""
    cap = points_caps.cap_for(current_user.role)
    return {"cap": cap, "used": points_caps.used_today(current_user.username)}


def _payload(form: PointsForm) -> dict:
    return {"direction": form.direction.data, "points": str(form.amount),
            "reason": form.reason.data, "note": form.note.data,
            "subledger": form.subledger.data or MAIN_LEDGER,
            "validity": form.validity.data or None, "pending": form.pending.data or None}


def _call(target: PointsTarget, form: PointsForm) -> Callable[[], Any]:
    account, management = target.account, talon.management
    common = {"points": float(form.amount),
              "name": points_caps.transaction_name(form.reason.data, form.note.data),
              "subledger_id": form.subledger.data or None}
    if form.direction.data == points_caps.ADD:
        common.update(validity_duration=form.validity.data or None,
                      pending_duration=form.pending.data or None)
        send = management.add_loyalty_card_points if account.is_card else management.add_loyalty_points
    else:
        send = management.deduct_loyalty_card_points if account.is_card \
            else management.remove_loyalty_points
    return lambda: send(account.program_id, account.key, **common)


def send(target: PointsTarget, form: PointsForm) -> tuple[Result | None, str | None]:
    """(the Result, None) once sent or answered from the form's record; (None, why) when a cap
    refuses it (audited as refused; nothing sent)."""
    user = current_user
    payload = _payload(form)
    amount = float(form.amount)
    action = f"loyalty_points.{form.direction.data}"
    summary = {**{k: v for k, v in payload.items() if v is not None}, "points": amount,
               "account": target.label, "program": target.program.id}
    key = form.submission.data
    row = None
    if earlier(target.scope, key) is None:
        refusal = points_caps.per_change_refusal(user.role, amount)
        if refusal is None:
            row = points_caps.reserve(key, user.username, user.role, form.direction.data, amount,
                                      target.ledger_account)
            if row is not None:
                used = points_caps.used_today(user.username, up_to=row.id) - amount
                refusal = points_caps.daily_refusal(user.role, used, amount)
                if refusal is not None:
                    points_caps.release(row)
        if refusal is not None:
            # audit_refusal's "reason" is the refusal's: the chosen reason is kept beside it
            audit_refusal(action, *target.audit_target, refusal,
                          {**summary, "points_reason": form.reason.data, "cap": True})
            return None, refusal
    result = submit(_call(target, form), action=action, target=target.audit_target,
                    scope=target.scope, key=key, payload=payload, what="The points change",
                    summary=summary, success_status=204,
                    kept=lambda _answer: {"points": amount, "direction": form.direction.data})
    if row is not None:
        if result.state == DONE:
            points_caps.settle(row, "done")
        elif result.state == UNKNOWN:
            points_caps.settle(row, "unknown")
        elif result.state == FAILED:
            points_caps.release(row)
    return result, None


def done_message(target: PointsTarget, form: PointsForm, result: Result) -> str:
    amount = form.amount
    shown = f"{amount:,.2f}".rstrip("0").rstrip(".")
    if result.earlier:
        return f"This form was sent already: {shown} points, once."
    if form.direction.data == points_caps.ADD:
        return f"Added {shown} points to {target.label} ({points_caps.REASON_LABELS[form.reason.data]})."
    return f"Deducted {shown} points from {target.label} ({points_caps.REASON_LABELS[form.reason.data]})."
