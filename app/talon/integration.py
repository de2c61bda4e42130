"""Integration API operations: the 31 of the seeds (reopen included) plus unlink.

Each method takes Python names, sends exactly the wire format of talon-openapi.json and returns
a typed result from models.py. Dry runs (``dry=True``) change nothing upstream, so they are sent
as safe calls: retried like GETs, and a timeout is a plain TalonTimeout, not "outcome unknown".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from .cache import ReadCache
from .client import INTEGRATION, Transport
from .management import AUDIENCES, COUPONS, SESSIONS
from .errors import FieldError, TalonBadRequest, TalonNotFound
from .models import (
    Achievement,
    Audience,
    BulkResult,
    CartItem,
    Coupon,
    CustomerProfile,
    IntegrationState,
    Inventory,
    Page,
    Referral,
    Reservation,
    build,
    require,
)
from .integration_loyalty import LoyaltyOperations
from .paging import run_in_chunks
from .wireformat import csv, drop_none, int_list, rfc3339, segment, str_list

# Per-request limits of the bulk endpoints (talon-openapi.json: the endpoint descriptions of
# customer_audiences and customer_profiles, and maxItems of advocateProfileIntegrationIds and of
# CouponReservations.integrationIDs).
AUDIENCE_CHANGES_PER_REQUEST = 1000
PROFILES_PER_REQUEST = 1000
ADVOCATES_PER_REQUEST = 1000
RESERVATIONS_PER_REQUEST = 1000

SESSION_RESPONSE_CONTENT = (
    "customerSession", "customerProfile", "coupons", "triggeredCampaigns", "referral", "loyalty",
    "event", "awardedGiveaways", "ruleFailureReasons", "previousReturns",
)


def _cart_item_json(item: CartItem | Mapping[str, Any]) -> dict:
    return item.to_wire() if isinstance(item, CartItem) else dict(item)


def _with_session(state: IntegrationState) -> IntegrationState:
    """A session read (or an update that asked for the session back) is of no use without the
    session, which the spec's IntegrationCustomerSessionResponse and IntegrationStateV2 leave
    optional: such an answer is refused as unusable rather than shown as an empty session."""
    require(state.session, "customerSession")
    return state


class IntegrationApi(LoyaltyOperations):
    def __init__(self, transport: Transport, reads: ReadCache | None = None) -> None:
        self._t = transport
        self._reads = reads or ReadCache(None, 0)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._t.call(INTEGRATION, method, path, **kwargs).data

    def _change(self, group: str, method: str, path: str, **kwargs: Any) -> Any:
        """A change to something the read cache holds (management.py's groups): it is read
        afresh afterwards, also when the answer was lost (the change may have happened)."""
        try:
            return self._call(method, path, **kwargs)
        finally:
            self._reads.invalidate(group)

    def _session_call(self, dry: bool, method: str, path: str, **kwargs: Any) -> Any:
        """A dry run changes nothing (and is safe to resend); anything else may change the
        session, so what pages keep of sessions (app/handoff.py) is read afresh."""
        if dry:
            return self._call(method, path, safe=True, **kwargs)
        return self._change(SESSIONS, method, path, safe=False, **kwargs)

    # -- customer sessions ----------------------------------------------------------------

    def get_customer_session(self, session_id: str) -> IntegrationState:
        """The session and its effects; TalonNotFound when there is no such session.

        getCustomerSession documents 200, 400 and 401 and no 404 (talon-openapi.json): an
        unknown session is a 400, and a 400 is all this call can get for an ID it sends as is.
        A 404, should Talon.One send one, means the same."""
        try:
            data = self._call("GET", f"/v2/customer_sessions/{segment(session_id)}")
        except TalonBadRequest as error:
            raise TalonNotFound(error.message, status=error.status, request_id=error.request_id,
                                field_errors=error.field_errors, method=error.method,
                                path=error.path) from error
        return _with_session(build(IntegrationState, data))

    def update_customer_session(
        self,
        session_id: str,
        *,
        profile_id: str | None = None,
        store_integration_id: str | None = None,
        state: str | None = None,
        cart_items: Sequence[CartItem | Mapping[str, Any]] | None = None,
        coupon_codes: Sequence[str] | None = None,
        referral_code: str | None = None,
        loyalty_cards: Sequence[str] | None = None,
        attributes: Mapping[str, Any] | None = None,
        additional_costs: Mapping[str, Any] | None = None,
        identifiers: Sequence[str] | None = None,
        evaluable_campaign_ids: Sequence[int] | None = None,
        response_content: Sequence[str] | None = None,
        dry: bool = False,
        now: datetime | str | None = None,
    ) -> IntegrationState:
        """updateCustomerSessionV2: create or update a session (close, cancel, preview).

        ``evaluable_campaign_ids`` and ``now`` only take effect in dry runs (Talon.One's rule)."""
        session = drop_none({
            "profileId": profile_id,
            "storeIntegrationId": store_integration_id,
            "state": state,
            "cartItems": None if cart_items is None else [_cart_item_json(i) for i in cart_items],
            "couponCodes": str_list(coupon_codes),
            "referralCode": referral_code,
            "loyaltyCards": str_list(loyalty_cards),
            "attributes": dict(attributes) if attributes is not None else None,
            "additionalCosts": dict(additional_costs) if additional_costs is not None else None,
            "identifiers": str_list(identifiers),
            "evaluableCampaignIds": (
                int_list(evaluable_campaign_ids)
            ),
        })
        body: dict[str, Any] = {"customerSession": session}
        if response_content:
            body["responseContent"] = list(response_content)
        params = {"dry": True if dry else None, "now": rfc3339(now)}
        data = self._session_call(
            dry, "PUT", f"/v2/customer_sessions/{segment(session_id)}", params=params, json=body
        )
        state = build(IntegrationState, data)
        return _with_session(state) if "customerSession" in (response_content or ()) else state

    def return_cart_items(
        self,
        session_id: str,
        items: Iterable[tuple[int, int] | Mapping[str, Any]],
        *,
        dry: bool = False,
        run_rule_engine: bool | None = None,
        response_content: Sequence[str] | None = None,
        idempotency_key: str | None = None,
    ) -> IntegrationState:
        """returnCartItems: return ``items`` given as (position, quantity) pairs or
        ReturnedCartItem dicts. With an ``idempotency_key`` (one per return form) the call is
        retried safely, because Talon.One answers a repeated key with the stored result."""
        returned = []
        for item in items:
            if isinstance(item, Mapping):
                returned.append(dict(item))
            else:
                position, quantity = item
                returned.append({"position": int(position), "quantity": int(quantity)})
        body: dict[str, Any] = {"return": {"returnedCartItems": returned}}
        if response_content:
            body["responseContent"] = list(response_content)
        params = {"dry": True if dry else None, "runRuleEngine": run_rule_engine}
        data = self._session_call(
            dry, "POST", f"/v2/customer_sessions/{segment(session_id)}/returns", params=params,
            json=body, idempotency_key=idempotency_key,
        )
        return build(IntegrationState, data)

    def reopen_customer_session(self, session_id: str) -> IntegrationState:
        """reopenCustomerSession: closed → open; the answer holds the rollback effects."""
        data = self._change(SESSIONS, "PUT", f"/v2/customer_sessions/{segment(session_id)}/reopen")
        return build(IntegrationState, data)

    # -- customer profiles ----------------------------------------------------------------

    def update_customer_profile(
        self,
        integration_id: str,
        *,
        attributes: Mapping[str, Any] | None = None,
        audiences_add: Sequence[int] | None = None,
        audiences_delete: Sequence[int] | None = None,
        evaluable_campaign_ids: Sequence[int] | None = None,
        response_content: Sequence[str] | None = None,
        run_rule_engine: bool | None = None,
        dry: bool = False,
    ) -> IntegrationState:
        """updateCustomerProfileV2. ``dry`` needs ``run_rule_engine=True`` upstream."""
        body: dict[str, Any] = {}
        if attributes is not None:
            body["attributes"] = dict(attributes)
        if audiences_add or audiences_delete:
            body["audiencesChanges"] = {
                "adds": [int(i) for i in audiences_add or ()],
                "deletes": [int(i) for i in audiences_delete or ()],
            }
        if evaluable_campaign_ids is not None:
            body["evaluableCampaignIds"] = [int(i) for i in evaluable_campaign_ids]
        if response_content:
            body["responseContent"] = list(response_content)
        if dry and run_rule_engine is None:
            run_rule_engine = True  # Talon.One ignores dry unless the rule engine runs
        params = {"runRuleEngine": run_rule_engine, "dry": True if dry else None}
        data = self._call(
            "PUT", f"/v2/customer_profiles/{segment(integration_id)}", params=params, json=body,
            safe=dry,
        )
        return build(IntegrationState, data)

    def delete_customer_data(self, integration_id: str) -> None:
        """deleteCustomerData: erases the profile's personal data. Irreversible."""
        self._call("DELETE", f"/v1/customer_data/{segment(integration_id)}")

    def get_customer_inventory(
        self,
        integration_id: str,
        *,
        profile: bool = True,
        referrals: bool = True,
        coupons: bool = True,
        loyalty: bool = True,
        giveaways: bool = True,
        achievements: bool = True,
    ) -> Inventory:
        params = {
            "profile": profile, "referrals": referrals, "coupons": coupons,
            "loyalty": loyalty, "giveaways": giveaways, "achievements": achievements,
        }
        data = self._call(
            "GET", f"/v1/customer_profiles/{segment(integration_id)}/inventory", params=params
        )
        return build(Inventory, data)

    def get_customer_profile(self, integration_id: str) -> CustomerProfile:
        """The profile alone, read through the inventory (``profile=true``, nothing else): the
        Integration API answers it without spending the Management API's 3 requests per
        second, and an unknown profile is a 404 (TalonNotFound)."""
        inventory = self.get_customer_inventory(
            integration_id, profile=True, referrals=False, coupons=False, loyalty=False,
            giveaways=False, achievements=False)
        if inventory.profile is None:
            raise TalonNotFound(f"No customer profile {integration_id!r}", status=404)
        return inventory.profile

    def track_event(
        self,
        event_type: str,
        *,
        profile_id: str | None = None,
        store_integration_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        loyalty_cards: Sequence[str] | None = None,
        evaluable_campaign_ids: Sequence[int] | None = None,
        response_content: Sequence[str] | None = None,
        silent: bool | None = None,
        dry: bool = False,
        force_complete_evaluation: bool | None = None,
    ) -> IntegrationState:
        """trackEventV2. Talon.One's default is ``silent=yes``, a 204 with no body (an empty
        IntegrationState here); asking for ``response_content`` asks for the body too."""
        if silent is None and response_content:
            silent = False
        body = drop_none({
            "type": event_type,
            "profileId": profile_id,
            "storeIntegrationId": store_integration_id,
            "attributes": dict(attributes) if attributes is not None else None,
            "loyaltyCards": str_list(loyalty_cards),
            "evaluableCampaignIds": (
                int_list(evaluable_campaign_ids)
            ),
            "responseContent": list(response_content) if response_content else None,
        })
        params = {
            "silent": None if silent is None else ("yes" if silent else "no"),
            "dry": True if dry else None,
            "forceCompleteEvaluation": force_complete_evaluation,
        }
        data = self._call("POST", "/v2/events", params=params, json=body, safe=dry)
        return build(IntegrationState, data or {})

    # -- achievements ---------------------------------------------------------------------

    def get_customer_achievements(
        self,
        integration_id: str,
        *,
        campaign_ids: Sequence[int] | None = None,
        achievement_ids: Sequence[int] | None = None,
        achievement_status: Sequence[str] | None = None,
        current_progress_status: Sequence[str] | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[Achievement]:
        params = {
            "campaignIds": csv(campaign_ids),
            "achievementIds": csv(achievement_ids),
            "achievementStatus": csv(achievement_status),
            "currentProgressStatus": csv(current_progress_status),
            "pageSize": page_size, "skip": skip or None,
        }
        data = self._call(
            "GET", f"/v1/customer_profiles/{segment(integration_id)}/achievements", params=params
        )
        return Page.from_response(data, Achievement.from_definition, skip=skip, page_size=page_size)

    # -- audiences ------------------------------------------------------------------------

    def create_audience(
        self,
        name: str,
        *,
        description: str | None = None,
        integration: str | None = None,
        integration_id: str | None = None,
        created_in_third_party: bool | None = None,
        sandbox: bool | None = None,
    ) -> Audience:
        body = drop_none({
            "name": name, "description": description, "integration": integration,
            "integrationId": integration_id, "createdIn3rdParty": created_in_third_party,
            "sandbox": sandbox,
        })
        return build(Audience, self._change(AUDIENCES, "POST", "/v2/audiences", json=body))

    def update_audience(self, audience_id: int, name: str) -> Audience:
        data = self._change(AUDIENCES, "PUT", f"/v2/audiences/{int(audience_id)}", json={"name": name})
        return build(Audience, data)

    def delete_audience(self, audience_id: int) -> None:
        self._change(AUDIENCES, "DELETE", f"/v2/audiences/{int(audience_id)}")

    def delete_audience_memberships(self, audience_id: int) -> None:
        """Remove every member of the audience (the audience itself stays)."""
        self._call("DELETE", f"/v2/audiences/{int(audience_id)}/memberships")

    def update_audience_customers_attributes(
        self, audience_id: int, attributes: Mapping[str, Any]
    ) -> None:
        """Set these profile attributes on every member of the audience."""
        self._call(
            "PUT", f"/v2/audience_customers/{int(audience_id)}/attributes", json=dict(attributes)
        )

    def update_customer_profile_audiences(
        self, changes: Iterable[tuple[str, int, str] | Mapping[str, Any]]
    ) -> BulkResult:
        """updateCustomerProfileAudiences in chunks of 1000 actions. ``changes`` are
        (profile integration ID, audience ID, "add" | "delete") or the wire dicts."""
        actions = []
        for change in changes:
            if isinstance(change, Mapping):
                actions.append(dict(change))
            else:
                profile_id, audience_id, action = change
                actions.append({
                    "profileIntegrationId": str(profile_id),
                    "audienceId": int(audience_id),
                    "action": action,
                })

        def send(chunk):
            return self._call("POST", "/v2/customer_audiences", json={"data": list(chunk)})

        return run_in_chunks(actions, AUDIENCE_CHANGES_PER_REQUEST, send)

    # -- coupons and referrals ------------------------------------------------------------

    def create_coupon_reservation(self, coupon_value: str, integration_ids: Sequence[str]) -> Coupon:
        ids = [str(i) for i in integration_ids]
        _check_limit(ids, RESERVATIONS_PER_REQUEST, "profiles per reservation call")
        data = self._change(
            COUPONS, "POST", f"/v1/coupon_reservations/{segment(coupon_value)}",
            json={"integrationIDs": ids},
        )
        return build(Coupon, data)

    def delete_coupon_reservation(self, coupon_value: str, integration_ids: Sequence[str]) -> None:
        ids = [str(i) for i in integration_ids]
        _check_limit(ids, RESERVATIONS_PER_REQUEST, "profiles per reservation call")
        self._change(
            COUPONS, "DELETE", f"/v1/coupon_reservations/{segment(coupon_value)}",
            json={"integrationIDs": ids},
        )

    def get_reserved_customers(self, coupon_value: str) -> Reservation:
        data = self._call("GET", f"/v1/coupon_reservations/customerprofiles/{segment(coupon_value)}")
        rows = data.get("data") if isinstance(data, dict) else None
        customers = tuple(build(CustomerProfile, row) for row in rows or ())
        total = data.get("totalResultSize") if isinstance(data, dict) else None
        return Reservation(coupon_value, customers, total if isinstance(total, int) else len(customers))

    def create_referral(
        self,
        campaign_id: int,
        advocate_profile_integration_id: str,
        *,
        friend_profile_integration_id: str | None = None,
        start_date: datetime | str | None = None,
        expiry_date: datetime | str | None = None,
        usage_limit: int | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Referral:
        body = drop_none({
            "campaignId": int(campaign_id),
            "advocateProfileIntegrationId": advocate_profile_integration_id,
            "friendProfileIntegrationId": friend_profile_integration_id,
            "startDate": rfc3339(start_date), "expiryDate": rfc3339(expiry_date),
            "usageLimit": usage_limit,
            "attributes": dict(attributes) if attributes is not None else None,
        })
        return build(Referral, self._call("POST", "/v1/referrals", json=body))

    # -- catalogs -------------------------------------------------------------------------

def _check_limit(items: Sequence[Any], limit: int, what: str) -> None:
    """Refuse locally what Talon.One would refuse (its maxItems), with a clear message."""
    if len(items) > limit:
        raise TalonBadRequest(
            f"At most {limit} {what} (got {len(items)})",
            status=None,
            field_errors=[FieldError("Too many items", f"at most {limit}")],
        )
