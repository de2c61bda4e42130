"""Loyalty ledgers: balances and unused points, computed by replaying the transaction rows.

A ledger is the rows of one account (a card, or a profile in a profile-based program) in one
subledger ('' is the main ledger). Replaying them in time order gives, at any moment:
  active   - unspent points of additions that have started and not expired,
  pending  - unspent points of additions that start later,
  expired  - points that expired unspent,
  spent    - points taken by deductions,
  negative - what deductions took beyond the balance (the account owes it).
A deduction takes the points that expire first. A rollback of an addition (`reverses`) takes
back that addition's own points first, pending or active, then anything else.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from sandbox.clock import parse_rfc3339
from sandbox.models.common import money

def _moment(text: str | None) -> datetime | None:
    return None if not text else parse_rfc3339(text, field="ledger")


@dataclass
class Lot:
    """The points of one addition, and what became of them."""

    row: sqlite3.Row
    start: datetime | None
    expiry: datetime | None
    remaining: float
    expired: float = 0.0

    def started(self, moment: datetime) -> bool:
        return self.start is None or self.start <= moment

    def lapsed(self, moment: datetime) -> bool:
        return self.expiry is not None and self.expiry <= moment


@dataclass
class Balance:
    active: float = 0.0
    pending: float = 0.0
    expired: float = 0.0
    spent: float = 0.0
    negative: float = 0.0
    lots: list[Lot] = field(default_factory=list)

    def as_loyalty_balance(self) -> dict:
        """The spec's LoyaltyBalance."""
        return {
            "activePoints": money(self.active),
            "pendingPoints": money(self.pending),
            "spentPoints": money(self.spent),
            "expiredPoints": money(self.expired),
            "negativePoints": money(self.negative),
        }

    def as_ledger_info(self) -> dict:
        """The spec's LedgerInfo; the sandbox has no open-session (tentative) points in flight."""
        return {
            "currentBalance": money(self.active),
            "pendingBalance": money(self.pending),
            "negativeBalance": money(self.negative),
            "expiredBalance": money(self.expired),
            "spentBalance": money(self.spent),
            "tentativeCurrentBalance": money(self.active),
            "tentativePendingBalance": money(self.pending),
            "tentativeNegativeBalance": money(self.negative),
        }


def replay(rows: list[sqlite3.Row], at: datetime) -> Balance:
    """The balance at `at` of one ledger's rows (transactions created after `at` are ignored)."""
    balance = Balance()
    lots: list[Lot] = []
    by_uuid: dict[str, Lot] = {}
    deductions: set[str] = set()
    ordered = sorted((r for r in rows if _moment(r["created"]) <= at), key=lambda r: (r["created"], r["id"]))
    for row in ordered:
        when = _moment(row["created"])
        _expire(lots, when, balance)
        if row["kind"] == "addition":
            lot = Lot(row, _moment(row["start_date"]), _moment(row["expiry_date"]), float(row["amount"]))
            if lot.started(when) and balance.negative > 0:
                # New active points first pay back what the account owes.
                repaid = min(balance.negative, lot.remaining)
                balance.negative -= repaid
                lot.remaining -= repaid
            if row["reverses"] in deductions:
                # A refund of a deduction (rollbackDeductedLoyaltyPoints) un-spends the points.
                balance.spent = max(balance.spent - lot.remaining, 0.0)
            lots.append(lot)
            by_uuid.setdefault(row["transaction_uuid"], lot)
        else:
            deductions.add(row["transaction_uuid"])
            _subtract(row, when, lots, by_uuid, balance)
    _expire(lots, at, balance)
    for lot in lots:
        if lot.lapsed(at):
            continue
        if lot.started(at):
            balance.active += lot.remaining
        else:
            balance.pending += lot.remaining
    balance.lots = lots
    return balance


def _expire(lots: list[Lot], moment: datetime, balance: Balance) -> None:
    for lot in lots:
        if lot.lapsed(moment) and lot.remaining > 0:
            lot.expired += lot.remaining
            balance.expired += lot.remaining
            lot.remaining = 0.0


def _subtract(row: sqlite3.Row, when: datetime, lots: list[Lot], by_uuid: dict[str, Lot], balance: Balance) -> None:
    amount = float(row["amount"])
    reversed_lot = by_uuid.get(row["reverses"]) if row["reverses"] else None
    if reversed_lot is not None:
        taken = min(reversed_lot.remaining, amount)
        reversed_lot.remaining -= taken
        amount -= taken
    spendable = sorted((lot for lot in lots if lot.remaining > 0 and lot.started(when) and not lot.lapsed(when)),
                       key=lambda lot: (lot.expiry or datetime.max.replace(tzinfo=when.tzinfo), lot.row["id"]))
    for lot in spendable:
        if amount <= 0:
            break
        taken = min(lot.remaining, amount)
        lot.remaining -= taken
        amount -= taken
        if reversed_lot is None:
            balance.spent += taken
    if amount > 1e-9:
        balance.negative += amount


def account_rows(tx, program_id: int, *, card_id: int | None = None, profile: str | None = None,
                 subledger: str | None = "") -> list[sqlite3.Row]:
    """The rows of one account; `subledger=None` gives every subledger."""
    where, args = ["program_id = ?"], [program_id]
    if card_id is not None:
        where.append("card_id = ?")
        args.append(card_id)
    else:
        where.append("profile_integration_id = ? AND card_id IS NULL")
        args.append(profile)
    if subledger is not None:
        where.append("subledger_id = ?")
        args.append(subledger)
    return tx.all(f"SELECT * FROM ledger WHERE {' AND '.join(where)} ORDER BY created, id", *args)


def balances_by_subledger(rows: list[sqlite3.Row], at: datetime) -> dict[str, Balance]:
    grouped: dict[str, list[sqlite3.Row]] = {"": []}
    for row in rows:
        grouped.setdefault(row["subledger_id"], []).append(row)
    return {name: replay(group, at) for name, group in grouped.items()}
