"""Integration API handlers: parse the request, call the model, answer. Nothing else."""
from __future__ import annotations

from werkzeug.wrappers import Request

from sandbox.api.context import Context, path_int
from sandbox.api.params import Query, json_body
from sandbox.api.routing import INTEGRATION, Routes
from sandbox.models import (achievements, audiences, catalogs, coupons, customers, loyalty, loyalty_views, profiles,
                            referrals, returns, sessions)

routes = Routes()
NO_CONTENT = (204, None)

# --- customer sessions ----------------------------------------------------------------------


@routes.add("GET", "/v2/customer_sessions/<customerSessionId>", INTEGRATION)
def getCustomerSession(ctx: Context, request: Request, customerSessionId: str):
    with ctx.store.read() as tx:
        return 200, sessions.get(tx, customerSessionId)


@routes.add("PUT", "/v2/customer_sessions/<customerSessionId>", INTEGRATION)
def updateCustomerSessionV2(ctx: Context, request: Request, customerSessionId: str):
    query = Query(request)
    dry = query.flag("dry")
    now = query.moment("now")
    body = json_body(request, "updateCustomerSessionV2")
    return 200, sessions.update(ctx.store, customerSessionId, body, dry=dry, now=now)


@routes.add("POST", "/v2/customer_sessions/<customerSessionId>/returns", INTEGRATION)
def returnCartItems(ctx: Context, request: Request, customerSessionId: str):
    query = Query(request)
    dry, run_rule_engine = query.flag("dry"), query.flag("runRuleEngine")
    body = json_body(request, "returnCartItems")
    key = request.headers.get("Idempotency-Key")
    return 200, returns.return_items(ctx.store, customerSessionId, body, dry=dry, run_rule_engine=run_rule_engine,
                                     idempotency_key=key)


@routes.add("PUT", "/v2/customer_sessions/<customerSessionId>/reopen", INTEGRATION)
def reopenCustomerSession(ctx: Context, request: Request, customerSessionId: str):
    return 200, sessions.reopen(ctx.store, customerSessionId)


# --- customer profiles ------------------------------------------------------------------------


@routes.add("PUT", "/v2/customer_profiles/<integrationId>", INTEGRATION)
def updateCustomerProfileV2(ctx: Context, request: Request, integrationId: str):
    query = Query(request)
    run_rule_engine, dry = query.flag("runRuleEngine"), query.flag("dry")
    body = json_body(request, "updateCustomerProfileV2")
    return 200, customers.update_profile(ctx.store, integrationId, body, run_rule_engine=run_rule_engine, dry=dry)


def _silent(query: Query) -> bool:
    """The spec's `silent` (updateCustomerProfilesV2, trackEventV2; default `yes`): "`yes`:
    Increases the performance of the API call by returning a 204 response. `no`: Returns a 200
    response". The work is done either way; only the answer differs."""
    return query.text("silent", "yes") == "yes"


@routes.add("PUT", "/v2/customer_profiles", INTEGRATION)
def updateCustomerProfilesV2(ctx: Context, request: Request):
    silent = _silent(Query(request))
    body = json_body(request, "updateCustomerProfilesV2")
    answer = customers.update_profiles(ctx.store, body)
    return NO_CONTENT if silent else (200, answer)


@routes.add("GET", "/v1/customer_profiles/<integrationId>/inventory", INTEGRATION)
def getCustomerInventory(ctx: Context, request: Request, integrationId: str):
    query = Query(request)
    flags = {name: query.flag(name) for name in
             ("profile", "referrals", "coupons", "loyalty", "giveaways", "achievements")}
    with ctx.store.read() as tx:
        return 200, customers.inventory(tx, ctx.store.campaigns(tx), integrationId, flags)


@routes.add("DELETE", "/v1/customer_data/<integrationId>", INTEGRATION)
def deleteCustomerData(ctx: Context, request: Request, integrationId: str):
    customers.delete_data(ctx.store, integrationId)
    return NO_CONTENT


@routes.add("POST", "/v2/events", INTEGRATION)
def trackEventV2(ctx: Context, request: Request):
    query = Query(request)
    dry = query.flag("dry")
    query.flag("forceCompleteEvaluation")
    silent = _silent(query)
    body = json_body(request, "trackEventV2")
    answer = customers.track_event(ctx.store, body, dry=dry)
    return NO_CONTENT if silent else (200, answer)


# --- achievements ----------------------------------------------------------------------------


@routes.add("GET", "/v1/customer_profiles/<integrationId>/achievements", INTEGRATION)
def getCustomerAchievements(ctx: Context, request: Request, integrationId: str):
    query = Query(request)
    filters = {
        "campaignIds": query.many("campaignIds"),
        "achievementIds": query.many("achievementIds"),
        "achievementStatus": query.many("achievementStatus", choices=("active", "scheduled")),
        "currentProgressStatus": query.many("currentProgressStatus", choices=("inprogress", "completed", "not_started")),
        **query.paging(default_size=50),
    }
    with ctx.store.read() as tx:
        profiles.require(tx, integrationId)
        return 200, achievements.list_for_profile(tx, integrationId, filters)


@routes.add("GET", "/v1/customer_profiles/<integrationId>/achievements/<achievementId>", INTEGRATION)
def getCustomerAchievementHistory(ctx: Context, request: Request, integrationId: str, achievementId: str):
    achievement_id = path_int(achievementId, "achievementId")
    query = Query(request)
    filters = {
        "progressStatus": query.many("progressStatus", choices=("inprogress", "completed", "expired")),
        "startDate": query.moment("startDate"),
        "endDate": query.moment("endDate"),
        **query.paging(default_size=50),
    }
    with ctx.store.read() as tx:
        profiles.require(tx, integrationId)
        return 200, achievements.history(tx, integrationId, achievement_id, filters)


# --- audiences -------------------------------------------------------------------------------


@routes.add("POST", "/v2/audiences", INTEGRATION)
def createAudienceV2(ctx: Context, request: Request):
    body = json_body(request, "createAudienceV2")
    with ctx.store.write() as tx:
        return 201, audiences.create(tx, body)


@routes.add("PUT", "/v2/audiences/<audienceId>", INTEGRATION)
def updateAudienceV2(ctx: Context, request: Request, audienceId: str):
    audience_id = path_int(audienceId, "audienceId")
    body = json_body(request, "updateAudienceV2")
    with ctx.store.write() as tx:
        return 200, audiences.rename(tx, audience_id, body["name"])


@routes.add("DELETE", "/v2/audiences/<audienceId>", INTEGRATION)
def deleteAudienceV2(ctx: Context, request: Request, audienceId: str):
    audience_id = path_int(audienceId, "audienceId")
    with ctx.store.write() as tx:
        audiences.delete(tx, audience_id)
    return NO_CONTENT


@routes.add("DELETE", "/v2/audiences/<audienceId>/memberships", INTEGRATION)
def deleteAudienceMembershipsV2(ctx: Context, request: Request, audienceId: str):
    audience_id = path_int(audienceId, "audienceId")
    with ctx.store.write() as tx:
        audiences.clear_memberships(tx, audience_id)
    return NO_CONTENT


@routes.add("POST", "/v2/customer_audiences", INTEGRATION)
def updateCustomerProfileAudiences(ctx: Context, request: Request):
    body = json_body(request, "updateCustomerProfileAudiences")
    with ctx.store.write() as tx:
        audiences.change_memberships(tx, body.get("data") or [])
    return NO_CONTENT


@routes.add("PUT", "/v2/audience_customers/<audienceId>/attributes", INTEGRATION)
def updateAudienceCustomersAttributes(ctx: Context, request: Request, audienceId: str):
    audience_id = path_int(audienceId, "audienceId")
    body = json_body(request, "updateAudienceCustomersAttributes")
    with ctx.store.write() as tx:
        audiences.update_member_attributes(tx, audience_id, body)
    return NO_CONTENT


# --- coupons and referrals ---------------------------------------------------------------------


@routes.add("POST", "/v1/coupon_reservations/<path:couponValue>", INTEGRATION)
def createCouponReservation(ctx: Context, request: Request, couponValue: str):
    body = json_body(request, "createCouponReservation")
    with ctx.store.write() as tx:
        return 201, coupons.create_reservations(tx, couponValue, body["integrationIDs"])


@routes.add("DELETE", "/v1/coupon_reservations/<path:couponValue>", INTEGRATION)
def deleteCouponReservation(ctx: Context, request: Request, couponValue: str):
    body = json_body(request, "deleteCouponReservation")
    with ctx.store.write() as tx:
        coupons.delete_reservations(tx, couponValue, body["integrationIDs"])
    return NO_CONTENT


@routes.add("GET", "/v1/coupon_reservations/customerprofiles/<path:couponValue>", INTEGRATION)
def getReservedCustomers(ctx: Context, request: Request, couponValue: str):
    with ctx.store.read() as tx:
        return 200, coupons.reserved_customers(tx, couponValue)


@routes.add("POST", "/v1/referrals", INTEGRATION)
def createReferral(ctx: Context, request: Request):
    body = json_body(request, "createReferral")
    with ctx.store.write() as tx:
        return 201, referrals.create_for_advocate(tx, body)


@routes.add("POST", "/v1/referrals_for_multiple_advocates", INTEGRATION)
def createReferralsForMultipleAdvocates(ctx: Context, request: Request):
    silent = _silent(Query(request))
    body = json_body(request, "createReferralsForMultipleAdvocates")
    with ctx.store.write() as tx:
        created = referrals.create_for_advocates(tx, body)
    # The spec documents both answers here: 204 when silent, 201 with the codes otherwise.
    return NO_CONTENT if silent else (201, created)


# --- loyalty ------------------------------------------------------------------------------------


@routes.add("POST", "/v1/loyalty_programs/<loyaltyProgramId>/cards", INTEGRATION)
def generateLoyaltyCard(ctx: Context, request: Request, loyaltyProgramId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "generateLoyaltyCard")
    with ctx.store.write() as tx:
        return 200, loyalty.generate(tx, program_id, body)


@routes.add("POST", "/v2/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/link_profile", INTEGRATION)
def linkLoyaltyCardToProfile(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "linkLoyaltyCardToProfile")
    with ctx.store.locks.hold(("card", loyaltyCardId)), ctx.store.write() as tx:
        return 200, loyalty.link(tx, program_id, loyaltyCardId, body["integrationId"])


@routes.add("POST", "/v2/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/unlink_profile", INTEGRATION)
def unlinkLoyaltyCardFromProfile(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "unlinkLoyaltyCardFromProfile")
    with ctx.store.locks.hold(("card", loyaltyCardId)), ctx.store.write() as tx:
        return 200, loyalty.unlink(tx, program_id, loyaltyCardId, body["integrationId"])


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/balances", INTEGRATION)
def getLoyaltyCardBalances(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    query = Query(request)
    end_date, subledgers = query.moment("endDate"), query.many("subledgerId")
    with ctx.store.read() as tx:
        return 200, loyalty_views.card_balances(tx, program_id, loyaltyCardId, end_date, subledgers)


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/profile/<integrationId>/balances", INTEGRATION)
def getLoyaltyBalances(ctx: Context, request: Request, loyaltyProgramId: str, integrationId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    query = Query(request)
    end_date, subledger = query.moment("endDate"), query.text("subledgerId")
    query.flag("includeTiers")
    query.flag("includeProjectedTier")
    with ctx.store.read() as tx:
        return 200, loyalty_views.profile_balances(tx, program_id, integrationId, end_date, subledger)


def _transaction_filters(query: Query, *, many_subledgers: bool) -> dict:
    return {
        "subledgerId": query.many("subledgerId") if many_subledgers else
        ([query.text("subledgerId")] if query.text("subledgerId") else None),
        "loyaltyTransactionType": query.text("loyaltyTransactionType", choices=("manual", "session", "import")),
        "startDate": query.moment("startDate"),
        "endDate": query.moment("endDate"),
        "customerSessionIDs": query.many("customerSessionIDs"),
        "transactionUUIDs": query.many("transactionUUIDs"),
        "awaitsActivation": query.flag("awaitsActivation", None),
        **query.paging(default_size=50),
    }


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/transactions", INTEGRATION)
def getLoyaltyCardTransactions(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    filters = _transaction_filters(Query(request), many_subledgers=True)
    with ctx.store.read() as tx:
        return 200, loyalty_views.card_transactions(tx, program_id, loyaltyCardId, filters)


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/profile/<integrationId>/transactions", INTEGRATION)
def getLoyaltyProgramProfileTransactions(ctx: Context, request: Request, loyaltyProgramId: str, integrationId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    filters = _transaction_filters(Query(request), many_subledgers=False)
    with ctx.store.read() as tx:
        return 200, loyalty_views.profile_transactions(tx, program_id, integrationId, filters)


def _point_filters(query: Query, *, many_subledgers: bool) -> dict:
    return {
        "status": query.text("status", "active", choices=("active", "pending", "expired")),
        "subledgerId": query.many("subledgerId") if many_subledgers else query.text("subledgerId"),
        "customerSessionIDs": query.many("customerSessionIDs"),
        "transactionUUIDs": query.many("transactionUUIDs"),
        "sort": query.text("sort", choices=("startDate", "expiryDate")),
        **query.paging(default_size=50),
    }


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/points", INTEGRATION)
def getLoyaltyCardPoints(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    filters = _point_filters(Query(request), many_subledgers=True)
    with ctx.store.read() as tx:
        return 200, loyalty_views.card_points(tx, program_id, loyaltyCardId, filters)


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/profile/<integrationId>/points", INTEGRATION)
def getLoyaltyProgramProfilePoints(ctx: Context, request: Request, loyaltyProgramId: str, integrationId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    filters = _point_filters(Query(request), many_subledgers=False)
    with ctx.store.read() as tx:
        return 200, loyalty_views.profile_points(tx, program_id, integrationId, filters)


# --- catalogs ------------------------------------------------------------------------------------


@routes.add("PUT", "/v1/catalogs/<catalogId>/sync", INTEGRATION)
def syncCatalog(ctx: Context, request: Request, catalogId: str):
    catalog_id = path_int(catalogId, "catalogId")
    body = json_body(request, "syncCatalog")
    with ctx.store.write() as tx:
        return 200, catalogs.sync(tx, catalog_id, body)
