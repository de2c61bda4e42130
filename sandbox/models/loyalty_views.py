"""The Integration API's loyalty reads: balances, unused points and transactions, with paging."""
from __future__ import annotations

import sqlite3
from datetime import datetime

from sandbox.db import Tx
from sandbox.errors import InvalidRequest
from sandbox.models import ledger, loyalty, profiles
from sandbox.models.common import money, page


def _subledger_filter(balances: dict[str, ledger.Balance], wanted: list[str] | None) -> dict[str, ledger.Balance]:
    return {name: b for name, b in balances.items() if name and (not wanted or name in wanted)}


def card_balances(tx: Tx, program_id: int, identifier: str, end_date: datetime | None,
                  subledgers: list[str] | None) -> dict:
    """getLoyaltyCardBalances: LoyaltyCardBalances."""
    card = loyalty.require_card(tx, program_id, identifier)
    balances = loyalty.card_balances(tx, card, end_date)
    return {
        "balance": balances[""].as_loyalty_balance(),
        "subledgerBalances": {n: b.as_loyalty_balance() for n, b in _subledger_filter(balances, subledgers).items()},
        "profiles": loyalty.linked_profiles(tx, card["id"]),
    }


def _require_profile_program(tx: Tx, program_id: int, integration_id: str) -> None:
    loyalty.require_program(tx, program_id, card_based=False)
    profiles.require(tx, integration_id)


def profile_balances(tx: Tx, program_id: int, integration_id: str, end_date: datetime | None,
                     subledger: str | None) -> dict:
    """getLoyaltyBalances: LoyaltyBalancesWithTiers (the sandbox's programs have no tiers)."""
    _require_profile_program(tx, program_id, integration_id)
    balances = loyalty.profile_balances(tx, program_id, integration_id, end_date)
    wanted = [subledger] if subledger else None
    return {
        "balance": balances[""].as_loyalty_balance(),
        "subledgerBalances": {n: b.as_loyalty_balance() for n, b in _subledger_filter(balances, wanted).items()},
    }


def _entry_dates(row: sqlite3.Row) -> dict:
    return {"startDate": row["start_date"] or "immediate", "expiryDate": row["expiry_date"] or "unlimited"}


def _transaction(row: sqlite3.Row, card_identifier: str | None) -> dict:
    shown = {
        "transactionUUID": row["transaction_uuid"],
        "created": row["created"],
        "programId": row["program_id"],
        "type": row["kind"],
        "name": row["name"],
        **_entry_dates(row),
        "subledgerId": row["subledger_id"],
        "amount": money(row["amount"]),
        "id": row["id"],
    }
    if row["session_integration_id"]:
        shown["customerSessionId"] = row["session_integration_id"]
    if row["ruleset_id"] is not None:
        shown["rulesetId"] = row["ruleset_id"]
    if row["rule_name"]:
        shown["ruleName"] = row["rule_name"]
    if card_identifier is not None:
        shown["cardIdentifier"] = card_identifier
    return shown


def transactions(tx: Tx, rows: list[sqlite3.Row], filters: dict, card_identifier: str | None) -> dict:
    """Card or profile transactions, newest first, filtered as the spec's query parameters say."""
    if filters.get("awaitsActivation") is False:
        raise InvalidRequest("awaitsActivation=false is not supported; omit it or pass true",
                             parameter="awaitsActivation")
    if filters.get("awaitsActivation"):
        rows = []  # the sandbox has no action-based point activation
    subledgers = filters.get("subledgerId")
    kind = filters.get("loyaltyTransactionType")
    sessions = set(filters.get("customerSessionIDs") or [])
    uuids = set(filters.get("transactionUUIDs") or [])
    start, end = filters.get("startDate"), filters.get("endDate")
    chosen = []
    for row in sorted(rows, key=lambda r: (r["created"], r["id"]), reverse=True):
        created = ledger.parse_rfc3339(row["created"], field="created")
        if subledgers and row["subledger_id"] not in subledgers:
            continue
        if kind and row["source"] != kind:
            continue
        if sessions and row["session_integration_id"] not in sessions:
            continue
        if uuids and row["transaction_uuid"] not in uuids:
            continue
        if (start and created < start) or (end and created > end):
            continue
        chosen.append(_transaction(row, card_identifier))
    return page(chosen, filters["skip"], filters["pageSize"])


def card_transactions(tx: Tx, program_id: int, identifier: str, filters: dict) -> dict:
    card = loyalty.require_card(tx, program_id, identifier)
    rows = ledger.account_rows(tx, program_id, card_id=card["id"], subledger=None)
    return transactions(tx, rows, filters, card["identifier"])


def profile_transactions(tx: Tx, program_id: int, integration_id: str, filters: dict) -> dict:
    _require_profile_program(tx, program_id, integration_id)
    rows = ledger.account_rows(tx, program_id, profile=integration_id, subledger=None)
    return transactions(tx, rows, filters, None)


POINT_SORTS = {
    "startDate": lambda lot: lot.start.isoformat() if lot.start else "",
    "expiryDate": lambda lot: lot.expiry.isoformat() if lot.expiry else "9999",
}


def points(tx: Tx, balances: dict[str, ledger.Balance], filters: dict, profile_key: str | None) -> dict:
    """Unused points per addition: active (default), pending or expired."""
    status = filters.get("status") or "active"
    wanted = filters.get("subledgerId")
    sessions = set(filters.get("customerSessionIDs") or [])
    uuids = set(filters.get("transactionUUIDs") or [])
    lots = []
    for name, balance in balances.items():
        if wanted and name not in wanted:
            continue
        for lot in balance.lots:
            lapsed, started = lot.lapsed(tx.now), lot.started(tx.now)
            amount = lot.expired if status == "expired" else lot.remaining
            in_status = {"expired": lapsed, "active": started and not lapsed,
                         "pending": not started and not lapsed}[status]
            row = lot.row
            if not in_status or amount <= 0:
                continue
            if sessions and row["session_integration_id"] not in sessions:
                continue
            if uuids and row["transaction_uuid"] not in uuids:
                continue
            lots.append((lot, amount))
    lots.sort(key=lambda pair: POINT_SORTS.get(filters.get("sort") or "", lambda lot: lot.row["id"])(pair[0]))
    shown = []
    for lot, amount in lots:
        row = lot.row
        entry = {
            "id": row["id"],
            "transactionUUID": row["transaction_uuid"],
            "created": row["created"],
            "programId": row["program_id"],
            "name": row["name"],
            **_entry_dates(row),
            "subledgerId": row["subledger_id"],
            "amount": money(amount),
        }
        if row["session_integration_id"]:
            entry["customerSessionId"] = row["session_integration_id"]
        if profile_key and row["profile_integration_id"]:
            entry[profile_key] = row["profile_integration_id"]
        shown.append(entry)
    return page(shown, filters["skip"], filters["pageSize"])


def card_points(tx: Tx, program_id: int, identifier: str, filters: dict) -> dict:
    card = loyalty.require_card(tx, program_id, identifier)
    return points(tx, loyalty.card_balances(tx, card), filters, "customerProfileID")


def profile_points(tx: Tx, program_id: int, integration_id: str, filters: dict) -> dict:
    _require_profile_program(tx, program_id, integration_id)
    subledger = filters.get("subledgerId")
    filters = {**filters, "subledgerId": [subledger] if subledger else None}
    return points(tx, loyalty.profile_balances(tx, program_id, integration_id), filters, None)
