"""A loyalty account: a card in a card-based program, or a customer profile in a profile-based
one. Both have the same balances, unused points and transactions, read through different
Talon.One endpoints; the card page and the profile-program page share every section through this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from flask import url_for

from ..talon import talon
from ..talon.models import Balances, Page, Transaction

PAGE_SIZE = 20
CHART_LIMIT = 1000  # transactions drawn at most (one Talon.One page)
CARD, PROFILE = "cards", "customers"


@dataclass(frozen=True)
class TransactionFilter:
    """The transaction list's filters, as Talon.One's query parameters take them."""

    type: str | None = None  # manual, session, import
    start: date | None = None
    end: date | None = None
    session: str | None = None

    def as_query(self) -> dict:
        return {
            "transaction_type": self.type or None,
            "start_date": datetime.combine(self.start, time.min, timezone.utc) if self.start else None,
            # inclusive: up to the end of the chosen day
            "end_date": (datetime.combine(self.end + timedelta(days=1), time.min, timezone.utc)
                         - timedelta(microseconds=1)) if self.end else None,
            "customer_session_ids": [self.session] if self.session else None,
        }

    @property
    def active(self) -> bool:
        return any((self.type, self.start, self.end, self.session))


@dataclass(frozen=True)
class LedgerAccount:
    program_id: int
    kind: str  # CARD or PROFILE
    key: str   # the card identifier or the profile integration ID

    @classmethod
    def card(cls, program_id: int, identifier: str) -> "LedgerAccount":
        return cls(program_id, CARD, identifier)

    @classmethod
    def profile(cls, program_id: int, integration_id: str) -> "LedgerAccount":
        return cls(program_id, PROFILE, integration_id)

    @property
    def is_card(self) -> bool:
        return self.kind == CARD

    @property
    def label(self) -> str:
        return f"card {self.key}" if self.is_card else f"customer {self.key}"

    def section_url(self, section: str, **args) -> str:
        """The URL of one section of this account (loyalty.card_points_section, ...)."""
        query = {k: v for k, v in args.items() if v not in (None, "")}
        if self.is_card:
            return url_for(f"loyalty.card_{section}_section", program_id=self.program_id,
                           identifier=self.key, **query)
        return url_for(f"loyalty.profile_{section}_section", program_id=self.program_id,
                       integration_id=self.key, **query)

    # -- reads ----------------------------------------------------------------------------

    def balances(self) -> Balances:
        if self.is_card:
            return talon.integration.get_loyalty_card_balances(self.program_id, self.key)
        return talon.integration.get_loyalty_balances(self.program_id, self.key)

    def points(self, status: str, page: int) -> Page[Transaction]:
        skip = (page - 1) * PAGE_SIZE
        if self.is_card:
            return talon.integration.get_loyalty_card_points(
                self.program_id, self.key, status=status, sort="expiryDate",
                page_size=PAGE_SIZE, skip=skip)
        return talon.integration.get_loyalty_program_profile_points(
            self.program_id, self.key, status=status, sort="expiryDate",
            page_size=PAGE_SIZE, skip=skip)

    def transactions(self, filters: TransactionFilter, page: int,
                     page_size: int = PAGE_SIZE) -> Page[Transaction]:
        skip = (page - 1) * page_size
        query = filters.as_query()
        if self.is_card:
            return talon.integration.get_loyalty_card_transactions(
                self.program_id, self.key, page_size=page_size, skip=skip, **query)
        return talon.integration.get_loyalty_program_profile_transactions(
            self.program_id, self.key, page_size=page_size, skip=skip, **query)

    def latest_transactions(self) -> Page[Transaction]:
        """Up to CHART_LIMIT transactions, newest first, for the chart."""
        return self.transactions(TransactionFilter(), 1, page_size=CHART_LIMIT)


@dataclass(frozen=True)
class Pager:
    """Page links for a list that knows only whether more follows (Talon.One's hasMore)."""

    page: int
    has_more: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    def numbers(self) -> Iterator[int]:
        return iter(range(1, self.page + (2 if self.has_more else 1)))
