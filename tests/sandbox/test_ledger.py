"""The ledger replay behind every balance: which points are active, pending, spent, expired, owed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sandbox.models.ledger import replay

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
_ids = iter(range(1, 10_000))


def at(days: float) -> str:
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def row(kind: str, amount: float, created: float, *, start: float | None = None, expiry: float | None = None,
        uuid: str | None = None, reverses: str | None = None) -> dict:
    """A ledger row as sqlite3.Row would give it (the replay only reads it by key)."""
    row_id = next(_ids)
    return {"id": row_id, "kind": kind, "amount": amount, "created": at(created),
            "start_date": at(start) if start is not None else None,
            "expiry_date": at(expiry) if expiry is not None else None,
            "transaction_uuid": uuid or f"tx-{row_id}", "reverses": reverses}


def balance_of(*rows, at_moment=NOW) -> tuple:
    b = replay(list(rows), at_moment)
    return (round(b.active, 2), round(b.pending, 2), round(b.spent, 2), round(b.expired, 2), round(b.negative, 2))


def test_active_and_pending():
    assert balance_of(row("addition", 50, -10), row("addition", 30, -1, start=13)) == (50, 30, 0, 0, 0)
    # Pending points become active on their start date.
    assert balance_of(row("addition", 30, -1, start=13), at_moment=NOW + timedelta(days=14)) == (30, 0, 0, 0, 0)


def test_deductions_take_the_points_that_expire_first():
    rows = [row("addition", 100, -20), row("addition", 40, -10, expiry=5), row("subtraction", 60, -5)]
    assert balance_of(*rows) == (80, 0, 60, 0, 0)
    # The 40 expiring points were spent first, so nothing is left to expire.
    assert balance_of(*rows, at_moment=NOW + timedelta(days=6)) == (80, 0, 60, 0, 0)


def test_unspent_points_expire():
    assert balance_of(row("addition", 40, -10, expiry=-1), row("addition", 10, -10)) == (10, 0, 0, 40, 0)
    # Spending after the expiry cannot touch expired points.
    assert balance_of(row("addition", 40, -10, expiry=-5), row("subtraction", 10, -2)) == (0, 0, 0, 40, 10)


def test_pending_points_cannot_be_spent():
    assert balance_of(row("addition", 50, -1, start=10), row("subtraction", 20, -0.5)) == (0, 50, 0, 0, 20)


def test_rolling_back_an_addition_takes_its_own_points_even_when_pending():
    earned = row("addition", 80, -2, start=12, uuid="earn")
    assert balance_of(row("addition", 100, -30), earned, row("subtraction", 30, -1, reverses="earn")) == \
        (100, 50, 0, 0, 0)


def test_rolling_back_spent_points_makes_the_balance_negative_and_new_points_repay_it():
    earned = row("addition", 50, -10, uuid="earn")
    spend = row("subtraction", 50, -5)
    rollback = row("subtraction", 50, -1, reverses="earn")
    assert balance_of(earned, spend, rollback) == (0, 0, 50, 0, 50)
    assert balance_of(earned, spend, rollback, row("addition", 70, -0.5)) == (20, 0, 50, 0, 0)


def test_a_refunded_deduction_is_no_longer_spent():
    spend = row("subtraction", 30, -5, uuid="spend")
    refund = row("addition", 30, -1, reverses="spend")
    assert balance_of(row("addition", 100, -10), spend, refund) == (100, 0, 0, 0, 0)


def test_transactions_after_the_moment_are_ignored():
    assert balance_of(row("addition", 10, -1), row("addition", 99, 1)) == (10, 0, 0, 0, 0)
