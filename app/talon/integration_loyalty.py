"""Integration API loyalty operations: cards (generate, link, unlink) and the ledgers of cards
and of profiles (balances, transactions, unused points). Part of IntegrationApi."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Sequence

from .models import Balances, LoyaltyCard, Page, Transaction, build, builder
from .wireformat import drop_none, rfc3339, segment, str_list


def card_path(program_id: int, card_id: str, tail: str = "", version: str = "v1") -> str:
    return f"/{version}/loyalty_programs/{int(program_id)}/cards/{segment(card_id)}{tail}"


def profile_path(program_id: int, integration_id: str, tail: str) -> str:
    return f"/v1/loyalty_programs/{int(program_id)}/profile/{segment(integration_id)}{tail}"


class LoyaltyOperations:
    """Mixed into IntegrationApi, which provides ``_call``."""

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    # -- cards ----------------------------------------------------------------------------

    def generate_loyalty_card(
        self,
        loyalty_program_id: int,
        *,
        status: str = "active",
        customer_profile_ids: Sequence[str] | None = None,
        card_identifier: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> LoyaltyCard:
        body = drop_none({
            "status": status,
            "customerProfileIds": str_list(customer_profile_ids),
            "cardIdentifier": card_identifier,
            "attributes": dict(attributes) if attributes is not None else None,
        })
        data = self._call("POST", f"/v1/loyalty_programs/{int(loyalty_program_id)}/cards", json=body)
        return build(LoyaltyCard, data)

    def link_loyalty_card_to_profile(
        self, loyalty_program_id: int, loyalty_card_id: str, integration_id: str
    ) -> LoyaltyCard:
        return self._registration(loyalty_program_id, loyalty_card_id, integration_id, "link")

    def unlink_loyalty_card_from_profile(
        self, loyalty_program_id: int, loyalty_card_id: str, integration_id: str
    ) -> LoyaltyCard:
        return self._registration(loyalty_program_id, loyalty_card_id, integration_id, "unlink")

    def _registration(self, program_id, card_id, integration_id, action: str) -> LoyaltyCard:
        path = card_path(program_id, card_id, f"/{action}_profile", version="v2")
        return build(LoyaltyCard, self._call("POST", path, json={"integrationId": integration_id}))

    # -- balances -------------------------------------------------------------------------

    def get_loyalty_card_balances(
        self,
        loyalty_program_id: int,
        loyalty_card_id: str,
        *,
        end_date: datetime | str | None = None,
        subledger_ids: Sequence[str] | None = None,
    ) -> Balances:
        params = {"endDate": rfc3339(end_date), "subledgerId": str_list(subledger_ids)}
        path = card_path(loyalty_program_id, loyalty_card_id, "/balances")
        return Balances.from_response(self._call("GET", path, params=params))

    def get_loyalty_balances(
        self,
        loyalty_program_id: int,
        integration_id: str,
        *,
        end_date: datetime | str | None = None,
        subledger_id: str | None = None,
        include_tiers: bool | None = None,
        include_projected_tier: bool | None = None,
    ) -> Balances:
        """A profile's balances in a profile-based program."""
        params = {
            "endDate": rfc3339(end_date), "subledgerId": subledger_id,
            "includeTiers": include_tiers, "includeProjectedTier": include_projected_tier,
        }
        path = profile_path(loyalty_program_id, integration_id, "/balances")
        return Balances.from_response(self._call("GET", path, params=params))

    # -- ledgers: the card and profile variants differ only in path and subledger type --------

    def get_loyalty_card_transactions(
        self, loyalty_program_id: int, loyalty_card_id: str, *,
        subledger_ids: Sequence[str] | None = None, **filters: Any,
    ) -> Page[Transaction]:
        """Filters: transaction_type, start_date, end_date, customer_session_ids,
        transaction_uuids, awaits_activation, page_size (50), skip."""
        path = card_path(loyalty_program_id, loyalty_card_id, "/transactions")
        return self._transactions(path, str_list(subledger_ids), **filters)

    def get_loyalty_program_profile_transactions(
        self, loyalty_program_id: int, integration_id: str, *,
        subledger_id: str | None = None, **filters: Any,
    ) -> Page[Transaction]:
        """Filters as for get_loyalty_card_transactions."""
        path = profile_path(loyalty_program_id, integration_id, "/transactions")
        return self._transactions(path, subledger_id, **filters)

    def get_loyalty_card_points(
        self, loyalty_program_id: int, loyalty_card_id: str, *,
        subledger_ids: Sequence[str] | None = None, **filters: Any,
    ) -> Page[Transaction]:
        """Unused points by status (active, pending, expired). Filters: status,
        customer_session_ids, transaction_uuids, sort, page_size (50), skip."""
        path = card_path(loyalty_program_id, loyalty_card_id, "/points")
        return self._points(path, str_list(subledger_ids), **filters)

    def get_loyalty_program_profile_points(
        self, loyalty_program_id: int, integration_id: str, *,
        subledger_id: str | None = None, **filters: Any,
    ) -> Page[Transaction]:
        """Filters as for get_loyalty_card_points."""
        path = profile_path(loyalty_program_id, integration_id, "/points")
        return self._points(path, subledger_id, **filters)

    def _transactions(
        self,
        path: str,
        subledger: Any,
        *,
        transaction_type: str | None = None,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        customer_session_ids: Sequence[str] | None = None,
        transaction_uuids: Sequence[str] | None = None,
        awaits_activation: bool | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[Transaction]:
        params = {
            "subledgerId": subledger, "loyaltyTransactionType": transaction_type,
            "startDate": rfc3339(start_date), "endDate": rfc3339(end_date),
            "awaitsActivation": awaits_activation,
        }
        return self._ledger_page(path, params, customer_session_ids, transaction_uuids,
                                 page_size, skip)

    def _points(
        self,
        path: str,
        subledger: Any,
        *,
        status: str | None = None,
        customer_session_ids: Sequence[str] | None = None,
        transaction_uuids: Sequence[str] | None = None,
        sort: str | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[Transaction]:
        params = {"subledgerId": subledger, "status": status, "sort": sort}
        return self._ledger_page(path, params, customer_session_ids, transaction_uuids,
                                 page_size, skip)

    def _ledger_page(self, path, params, session_ids, transaction_uuids, page_size, skip):
        params = {
            **params,
            "customerSessionIDs": str_list(session_ids),
            "transactionUUIDs": str_list(transaction_uuids),
            "pageSize": page_size, "skip": skip or None,
        }
        data = self._call("GET", path, params=params)
        return Page.from_response(data, builder(Transaction), skip=skip, page_size=page_size)
