"""Management API reads the console needs, with the spec's paging and filters."""
from __future__ import annotations

import re

from werkzeug.wrappers import Request

from sandbox.api.context import Context, application, path_int
from sandbox.api.params import Query, json_body
from sandbox.api.routing import MANAGEMENT, Routes
from sandbox.clock import parse_rfc3339
from sandbox.db import load
from sandbox.engine import campaign_frontend_state
from sandbox.errors import InvalidRequest, NotFound
from sandbox.models import (attributes, audiences, campaigns, coupons, events, loyalty, manual_points,
                            profiles, sessions)
from sandbox.models.common import page, ts

routes = Routes()
APP = "/v1/applications/<applicationId>"
SESSION_STATES = ("open", "closed", "partially_returned", "cancelled")
PARTIAL_MATCH_MINIMUM = 3
CAMPAIGN_STATES = ("enabled", "disabled", "archived", "scheduled", "running", "expired", "staged")


def _like(value: str) -> str:
    """A LIKE pattern for a substring, with the wildcards in it escaped."""
    return "%" + re.sub(r"([%_\\])", r"\\\1", value) + "%"


def _sort(query: Query, columns: dict[str, str], default: str = "id", tie: str = "id") -> str:
    """ORDER BY for the spec's `sort` (talon-openapi.json, e.g. getApplicationSessions,
    getAudienceMemberships: "The field by which results should be sorted. By default, results are
    sorted in ascending order. To sort them in descending order, prefix the field name with `-`.
    **Note:** You may not be able to use all fields for sorting."): the fields in `columns`
    sort, any other is a 400 naming the parameter. Ties keep the ID order, in the same direction,
    so pages never overlap."""
    wanted = query.text("sort") or default
    descending = wanted.startswith("-")
    column = columns.get(wanted.lstrip("-"))
    if column is None:
        raise InvalidRequest(f"Cannot sort by {wanted.lstrip('-')!r}; sortable: {', '.join(columns)}",
                             parameter="sort")
    return f"{column} {'DESC' if descending else 'ASC'}, {tie} {'DESC' if descending else 'ASC'}"


def _window(query: Query, rows: list, *, total: bool = False) -> dict:
    paging = query.paging()
    answer = page(rows, paging["skip"], paging["pageSize"])
    if total:
        answer["totalResultSize"] = len(rows)
    return answer


def _sql_page(tx, sql: str, args: list, paging: dict, show) -> dict:
    """{hasMore, data} for a SELECT, fetching one row more than the page to know if more follow."""
    rows = tx.all(f"{sql} LIMIT ? OFFSET ?", *args, paging["pageSize"] + 1, paging["skip"])
    return {"hasMore": len(rows) > paging["pageSize"], "data": [show(tx, row) for row in rows[:paging["pageSize"]]]}


def _by_internal_id(tx, table: str, row_id: int, what: str):
    row = tx.one(f"SELECT * FROM {table} WHERE id = ?", row_id)
    if row is None:
        raise NotFound(f"{what.capitalize()} {row_id} does not exist", resource=what)
    return row


def _text_filter(where: list[str], args: list, query: Query, name: str, column: str, partial: bool) -> None:
    value = query.text(name)
    if value is None:
        return
    # The spec (getApplicationSessions, partialMatch): "Minimum 3 characters required for partial
    # matches; shorter inputs automatically fall back to exact match." Never a 400.
    if partial and len(value) >= PARTIAL_MATCH_MINIMUM:
        where.append(f"{column} LIKE ? ESCAPE '\\'")
        args.append(_like(value))
    else:
        where.append(f"{column} = ?")
        args.append(value)


# --- sessions ------------------------------------------------------------------------------------


@routes.add("GET", f"{APP}/sessions", MANAGEMENT)
def getApplicationSessions(ctx: Context, request: Request, applicationId: str):
    application(applicationId)
    query = Query(request)
    partial = query.flag("partialMatch")
    where, args = ["1 = 1"], []
    for name, column in (("profile", "profile_integration_id"), ("integrationId", "integration_id"),
                         ("storeIntegrationId", "store_integration_id"), ("referral", "referral")):
        _text_filter(where, args, query, name, column, partial)
    coupon = query.text("coupon")
    if coupon is not None:
        # A session may hold several codes; match any of them.
        where.append("(',' || coupon || ',') LIKE ? ESCAPE '\\'")
        args.append(_like(coupon) if partial and len(coupon) >= PARTIAL_MATCH_MINIMUM else _like(f",{coupon},"))
    state = query.text("state", choices=SESSION_STATES)
    if state:
        where.append("state = ?")
        args.append(state)
    for name, op in (("createdBefore", "<"), ("createdAfter", ">")):
        moment = query.moment(name)
        if moment is not None:
            where.append(f"created {op} ?")
            args.append(ts(moment))
    order = _sort(query, {"id": "id", "created": "created", "integrationId": "integration_id", "state": "state",
                          "storeIntegrationId": "store_integration_id", "total": "total", "updated": "updated"})
    paging = query.paging()
    with ctx.store.read() as tx:
        return 200, _sql_page(tx, f"SELECT * FROM sessions WHERE {' AND '.join(where)} ORDER BY {order}", args,
                              paging, sessions.as_application_session)


@routes.add("GET", f"{APP}/sessions/<sessionId>", MANAGEMENT)
def getApplicationSession(ctx: Context, request: Request, applicationId: str, sessionId: str):
    application(applicationId)
    session_id = path_int(sessionId, "sessionId")
    with ctx.store.read() as tx:
        return 200, sessions.as_application_session(tx, _by_internal_id(tx, "sessions", session_id, "session"))


# --- customers -----------------------------------------------------------------------------------


@routes.add("GET", f"{APP}/customers", MANAGEMENT)
def getApplicationCustomers(ctx: Context, request: Request, applicationId: str):
    application(applicationId)
    query = Query(request)
    integration_id = query.text("integrationId")
    with_total = query.flag("withTotalResultSize")
    paging = query.paging()
    with ctx.store.read() as tx:
        # Profiles an audience change created stay out of the Application (profiles.ensure).
        where, args = ("in_application = 1 AND integration_id = ?", [integration_id]) \
            if integration_id is not None else ("in_application = 1", [])
        answer = _sql_page(tx, f"SELECT * FROM profiles WHERE {where} ORDER BY id", args, paging,
                           profiles.as_application_customer)
        if with_total:
            answer["totalResultSize"] = tx.scalar(f"SELECT count(*) FROM profiles WHERE {where}", *args)
    return 200, answer


@routes.add("POST", f"{APP}/customer_search", MANAGEMENT)
def getApplicationCustomersByAttributes(ctx: Context, request: Request, applicationId: str):
    """talon-openapi.json, getApplicationCustomersByAttributes: "The match is successful if all the
    attributes of the request are found in a profile"; the attributes "will be exactly matched
    against profile attributes" (CustomerProfileSearchQuery), so no case folding, no partial
    match. integrationIDs and profileIDs narrow the same way."""
    application(applicationId)
    query = Query(request)
    with_total = query.flag("withTotalResultSize")
    body = json_body(request, "getApplicationCustomersByAttributes")
    wanted = body.get("attributes") or {}
    ids, internal = set(body.get("integrationIDs") or []), set(body.get("profileIDs") or [])
    with ctx.store.read() as tx:
        rows = [row for row in tx.all("SELECT * FROM profiles ORDER BY id")
                if all(load(row["attributes"], {}).get(k) == v for k, v in wanted.items())
                and (not ids or row["integration_id"] in ids) and (not internal or row["id"] in internal)]
        return 200, _window(query, [profiles.as_application_customer(tx, r) for r in rows], total=with_total)


@routes.add("GET", f"{APP}/stores", MANAGEMENT)
def listStores(ctx: Context, request: Request, applicationId: str):
    """The Application's stores (talon-openapi.json, listStores; Store: id, integrationId, name,
    description, created, updated, applicationId). The sandbox keeps no stores of their own: its
    stores are those its sessions name (the demo's store-berlin, store-munich, store-hamburg), in
    the order first seen. ``integrationId`` filters exactly, ``name`` and ``query`` by part."""
    application_id = application(applicationId)
    query = Query(request)
    wanted, name, text = query.text("integrationId"), query.text("name"), query.text("query")
    with ctx.store.read() as tx:
        rows = tx.all("SELECT store_integration_id AS store, MIN(created) AS created FROM sessions "
                      "WHERE store_integration_id IS NOT NULL GROUP BY store_integration_id ORDER BY MIN(id)")
    stores = [{"id": n, "integrationId": r["store"], "name": r["store"], "description": "",
               "created": r["created"], "updated": r["created"], "applicationId": application_id}
              for n, r in enumerate(rows, start=1)]
    stores = [s for s in stores if (wanted is None or s["integrationId"] == wanted)
              and (name is None or name.lower() in s["name"].lower())
              and (text is None or text.lower() in s["integrationId"].lower())]
    return 200, _window(query, stores, total=query.flag("withTotalResultSize"))


@routes.add("GET", f"{APP}", MANAGEMENT)
def getApplication(ctx: Context, request: Request, applicationId: str):
    """The Application's own settings (talon-openapi.json, Application: timezone, currency,
    caseSensitivity "to check coupon codes in the campaigns of this Application"). The sandbox's
    rule engine compares coupon codes exactly, so it says "sensitive", as a Talon.One
    Application set so would."""
    application_id = application(applicationId)
    with ctx.store.read() as tx:
        programs = [loyalty.as_program(tx, row) for row in tx.all("SELECT * FROM loyalty_programs ORDER BY id")]
    return 200, {"id": application_id, "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
                 "accountId": 1, "name": "Talon Desk sandbox", **ctx.application,
                 "caseSensitivity": "sensitive", "loyaltyPrograms": programs, "sandbox": True}


@routes.add("GET", f"{APP}/customers/<customerId>", MANAGEMENT)
def getApplicationCustomer(ctx: Context, request: Request, applicationId: str, customerId: str):
    application(applicationId)
    customer_id = path_int(customerId, "customerId")
    with ctx.store.read() as tx:
        return 200, profiles.as_application_customer(tx, _by_internal_id(tx, "profiles", customer_id, "customer"))


# --- campaigns and coupons -------------------------------------------------------------------------


def _campaign_in_state(definition: dict, state: str | None, now) -> bool:
    if state is None:
        return True
    frontend = campaign_frontend_state(definition, now)
    if state == "enabled":
        return definition.get("state") == "enabled"
    return frontend == state or (state in ("disabled", "archived") and definition.get("state") == state)


@routes.add("GET", f"{APP}/campaigns", MANAGEMENT)
def getCampaigns(ctx: Context, request: Request, applicationId: str):
    application(applicationId)
    query = Query(request)
    state = query.text("campaignState", choices=CAMPAIGN_STATES)
    name, tags = query.text("name"), query.text("tags")
    created_before, created_after = query.moment("createdBefore"), query.moment("createdAfter")
    paging = query.paging()
    with ctx.store.read() as tx:
        shown = []
        for row in tx.all("SELECT * FROM campaigns ORDER BY id"):
            definition = load(row["definition"])
            if not _campaign_in_state(definition, state, tx.now):
                continue
            name_hit = name is None or name.lower() in definition["name"].lower()
            tag_hit = tags is None or any(tags.lower() in t.lower() for t in definition.get("tags", []))
            # The spec: name and tags together match either (a logical OR).
            if name is not None and tags is not None:
                if not (name_hit or tag_hit):
                    continue
            elif not (name_hit and tag_hit):
                continue
            created = parse_rfc3339(row["created"], field="created")
            if (created_before and created >= created_before) or (created_after and created <= created_after):
                continue
            shown.append(campaigns.as_campaign(tx, row))
    skip, size = paging["skip"], paging["pageSize"]
    return 200, {"totalResultSize": len(shown), "data": shown[skip:skip + size]}


@routes.add("GET", f"{APP}/campaigns/<campaignId>", MANAGEMENT)
def getCampaign(ctx: Context, request: Request, applicationId: str, campaignId: str):
    application(applicationId)
    campaign_id = path_int(campaignId, "campaignId")
    with ctx.store.read() as tx:
        return 200, campaigns.as_campaign(tx, campaigns.require_row(tx, campaign_id))


@routes.add("PUT", f"{APP}/campaigns/<campaignId>", MANAGEMENT)
def updateCampaign(ctx: Context, request: Request, applicationId: str, campaignId: str):
    """Update the given campaign (spec, updateCampaign: an UpdateCampaign body, the Campaign
    answered). Its ``updated`` moves to now; the sandbox never uses campaign staging, under
    which Talon.One refuses this endpoint."""
    application(applicationId)
    campaign_id = path_int(campaignId, "campaignId")
    body = json_body(request, "updateCampaign")
    for key in ("startTime", "endTime"):
        if body.get(key) is not None:
            parse_rfc3339(body[key], field=key)
    with ctx.store.locks.hold(("campaign", campaign_id)), ctx.store.write() as tx:
        answer = campaigns.update(tx, campaign_id, body)
    ctx.store.forget_campaigns()
    return 200, answer


def _fold(code: str) -> str:
    """The spec's coupon value matching: case-insensitive, non-alphanumerics removed."""
    return re.sub(r"[^0-9a-z]", "", code.lower())


def _coupon_filters(query: Query) -> dict:
    return {
        "value": query.text("value"),
        "exactMatch": query.flag("exactMatch"),
        "usable": query.text("usable", choices=("true", "false")),
        "redeemed": query.text("redeemed", choices=("true", "false")),
        "valid": query.text("valid", choices=("expired", "validNow", "validFuture")),
        "recipientIntegrationId": query.text("recipientIntegrationId"),
        "batchId": query.text("batchId"),
        "referralId": query.integer("referralId"),
        "createdBefore": query.moment("createdBefore"), "createdAfter": query.moment("createdAfter"),
        "expiresBefore": query.moment("expiresBefore"), "expiresAfter": query.moment("expiresAfter"),
        "startsBefore": query.moment("startsBefore"), "startsAfter": query.moment("startsAfter"),
    }


def _moment_or_none(text: str | None):
    return parse_rfc3339(text, field="date") if text else None


def _coupon_matches(row, filters: dict, now, attributes: dict | None = None) -> bool:
    value = filters["value"]
    if value is not None:
        if filters["exactMatch"]:
            if row["value"].lower() != value.lower():
                return False
        elif _fold(value) not in _fold(row["value"]):
            return False
    limit_left = row["usage_limit"] == 0 or row["usage_counter"] < row["usage_limit"]
    if filters["usable"] is not None and limit_left != (filters["usable"] == "true"):
        return False
    if filters["redeemed"] is not None and (row["usage_counter"] > 0) != (filters["redeemed"] == "true"):
        return False
    if filters["recipientIntegrationId"] is not None and row["recipient_integration_id"] != filters["recipientIntegrationId"]:
        return False
    if filters["batchId"] is not None and row["batch_id"] != filters["batchId"]:
        return False
    if filters["referralId"] is not None and row["referral_id"] != filters["referralId"]:
        return False
    start, expiry, created = (_moment_or_none(row["start_date"]), _moment_or_none(row["expiry_date"]),
                              parse_rfc3339(row["created"], field="created"))
    validity = "expired" if expiry and expiry <= now else "validFuture" if start and start > now else "validNow"
    if filters["valid"] is not None and validity != filters["valid"]:
        return False
    for name, moment, op in (("createdBefore", created, "before"), ("createdAfter", created, "after"),
                             ("expiresBefore", expiry, "before"), ("expiresAfter", expiry, "after"),
                             ("startsBefore", start, "before"), ("startsAfter", start, "after")):
        bound = filters[name]
        if bound is not None and (moment is None or (moment >= bound if op == "before" else moment <= bound)):
            return False
    if attributes:
        own = load(row["attributes"], {})
        if any(own.get(key) != wanted for key, wanted in attributes.items()):
            return False
    return True


def _coupon_page(tx, query: Query, rows, filters: dict, attributes: dict | None = None) -> dict:
    # valuesOnly would answer bare codes, which the spec's Coupon schema does not allow; the
    # sandbox answers whole coupons either way.
    query.flag("valuesOnly")
    matched = [row for row in rows if _coupon_matches(row, filters, tx.now, attributes)]
    window = _window(query, matched)
    return {**window, "data": [coupons.as_coupon(tx, row) for row in window["data"]]}


@routes.add("GET", f"{APP}/campaigns/<campaignId>/coupons/no_total", MANAGEMENT)
def getCouponsWithoutTotalCount(ctx: Context, request: Request, applicationId: str, campaignId: str):
    application(applicationId)
    campaign_id = path_int(campaignId, "campaignId")
    query = Query(request)
    filters = _coupon_filters(query)
    order = _sort(query, {"id": "id", "created": "created", "value": "value", "usageCounter": "usage_counter"})
    with ctx.store.read() as tx:
        campaigns.require_row(tx, campaign_id)
        rows = tx.all(f"SELECT * FROM coupons WHERE campaign_id = ? ORDER BY {order}", campaign_id)
        return 200, _coupon_page(tx, query, rows, filters)


@routes.add("POST", f"{APP}/coupons_search_advanced/no_total", MANAGEMENT)
def searchCouponsAdvancedApplicationWideWithoutTotalCount(ctx: Context, request: Request, applicationId: str):
    """Find coupons by code across every campaign (the console's coupon look-up)."""
    application(applicationId)
    query = Query(request)
    filters = _coupon_filters(query)
    state = query.text("campaignState", choices=CAMPAIGN_STATES)
    order = _sort(query, {"id": "id", "created": "created", "value": "value", "usageCounter": "usage_counter"})
    attributes = json_body(request, "searchCouponsAdvancedApplicationWideWithoutTotalCount")
    with ctx.store.read() as tx:
        in_state = {c["id"] for c in ctx.store.campaigns(tx) if _campaign_in_state(c, state, tx.now)}
        rows = [row for row in tx.all(f"SELECT * FROM coupons ORDER BY {order}") if row["campaign_id"] in in_state]
        return 200, _coupon_page(tx, query, rows, filters, attributes)


# --- audiences -------------------------------------------------------------------------------------


@routes.add("GET", "/v1/audiences", MANAGEMENT)
def getAudiences(ctx: Context, request: Request):
    query = Query(request)
    with_total = query.flag("withTotalResultSize")
    order = _sort(query, {"id": "id", "name": "name", "created": "created"})
    with ctx.store.read() as tx:
        rows = [audiences.as_audience(row) for row in tx.all(f"SELECT * FROM audiences ORDER BY {order}")]
    return 200, _window(query, rows, total=with_total)


def _ids(query: Query, name: str) -> list[int]:
    """A required comma-separated list of integer IDs (the spec types it as one string)."""
    values = query.many(name)
    if not values:
        raise InvalidRequest(f"{name} is required: one or more IDs separated by commas", parameter=name)
    return [path_int(value, name) for value in values]


@routes.add("GET", "/v1/audiences/analytics", MANAGEMENT)
def getAudiencesAnalytics(ctx: Context, request: Request):
    """Member counts of the listed audiences; IDs of audiences that do not exist are left out."""
    query = Query(request)
    audience_ids = _ids(query, "audienceIds")
    wanted = query.text("sort") or "audienceId"
    field = wanted.lstrip("-")
    if field not in ("audienceId", "membersCount"):
        raise InvalidRequest(f"Cannot sort by {field!r}; sortable: audienceId, membersCount", parameter="sort")
    with ctx.store.read() as tx:
        counts = audiences.member_counts(tx, audience_ids)
    rows = [{"audienceId": audience_id, "membersCount": members} for audience_id, members in counts.items()]
    rows.sort(key=lambda row: (row[field], row["audienceId"]), reverse=wanted.startswith("-"))
    return 200, {"hasMore": False, "data": rows}


@routes.add("GET", "/v1/audiences/<audienceId>/memberships", MANAGEMENT)
def getAudienceMemberships(ctx: Context, request: Request, audienceId: str):
    audience_id = path_int(audienceId, "audienceId")
    query = Query(request)
    profile_query = query.text("profileQuery")
    # CustomerProfile's own fields sort (the spec's `sort`, see _sort); attributes do not
    order = _sort(query, {"id": "p.id", "integrationId": "p.integration_id", "created": "p.created",
                          "lastActivity": "p.last_activity"}, tie="p.id")
    with ctx.store.read() as tx:
        rows = [profiles.as_customer_profile(tx, row)
                for row in audiences.members(tx, audience_id, profile_query, order=order)]
    return 200, _window(query, rows)


# --- loyalty -----------------------------------------------------------------------------------------


@routes.add("GET", "/v1/loyalty_programs", MANAGEMENT)
def getLoyaltyPrograms(ctx: Context, request: Request):
    with ctx.store.read() as tx:
        rows = [loyalty.as_program(tx, row) for row in tx.all("SELECT * FROM loyalty_programs ORDER BY id")]
    return 200, {"totalResultSize": len(rows), "data": rows}


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>", MANAGEMENT)
def getLoyaltyProgram(ctx: Context, request: Request, loyaltyProgramId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    with ctx.store.read() as tx:
        return 200, loyalty.as_program(tx, loyalty.require_program(tx, program_id))


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/cards", MANAGEMENT)
def getLoyaltyCards(ctx: Context, request: Request, loyaltyProgramId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    query = Query(request)
    identifier = query.text("identifier", min_length=4)
    profile_id = query.integer("profileId", minimum=1)
    batch_id = query.text("batchId")
    order = _sort(query, {"id": "id", "created": "created", "identifier": "identifier"})
    with ctx.store.read() as tx:
        loyalty.require_program(tx, program_id, card_based=True)
        where, args = ["program_id = ?"], [program_id]
        if identifier is not None:
            where.append("identifier LIKE ? ESCAPE '\\'")
            args.append(_like(identifier))
        if batch_id is not None:
            where.append("batch_id = ?")
            args.append(batch_id)
        if profile_id is not None:
            where.append("id IN (SELECT l.card_id FROM card_profiles l JOIN profiles p "
                         "ON p.integration_id = l.profile_integration_id WHERE p.id = ?)")
            args.append(profile_id)
        rows = tx.all(f"SELECT * FROM loyalty_cards WHERE {' AND '.join(where)} ORDER BY {order}", *args)
        return 200, _window(query, [loyalty.as_card(tx, row) for row in rows])


@routes.add("GET", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>", MANAGEMENT)
def getLoyaltyCard(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    with ctx.store.read() as tx:
        return 200, loyalty.as_card(tx, loyalty.require_card(tx, program_id, loyaltyCardId))


@routes.add("PUT", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>", MANAGEMENT)
def updateLoyaltyCard(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "updateLoyaltyCard")
    with ctx.store.locks.hold(("card", loyaltyCardId)), ctx.store.write() as tx:
        return 200, loyalty.update_card(tx, program_id, loyaltyCardId, body.get("status"))


@routes.add("PUT", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/transfer", MANAGEMENT)
def transferLoyaltyCard(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "transferLoyaltyCard")
    with ctx.store.locks.hold(("card", loyaltyCardId)), ctx.store.write() as tx:
        loyalty.transfer(tx, program_id, loyaltyCardId, body["newCardIdentifier"], body.get("blockReason"))
    return 204, None


# Points added and deducted by hand (sandbox/models/manual_points.py says what the spec and the
# operations' descriptions fix); each answers 204 with no body, as the spec's responses say.


@routes.add("PUT", "/v1/loyalty_programs/<loyaltyProgramId>/profile/<integrationId>/add_points", MANAGEMENT)
def addLoyaltyPoints(ctx: Context, request: Request, loyaltyProgramId: str, integrationId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "addLoyaltyPoints")
    with ctx.store.locks.hold(("profile", integrationId)), ctx.store.write() as tx:
        manual_points.add(tx, program_id, body, profile=integrationId)
    return 204, None


@routes.add("PUT", "/v1/loyalty_programs/<loyaltyProgramId>/profile/<integrationId>/deduct_points", MANAGEMENT)
def removeLoyaltyPoints(ctx: Context, request: Request, loyaltyProgramId: str, integrationId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "removeLoyaltyPoints")
    with ctx.store.locks.hold(("profile", integrationId)), ctx.store.write() as tx:
        manual_points.deduct(tx, program_id, body, profile=integrationId)
    return 204, None


@routes.add("PUT", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/add_points", MANAGEMENT)
def addLoyaltyCardPoints(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "addLoyaltyCardPoints")
    with ctx.store.locks.hold(("card", loyaltyCardId)), ctx.store.write() as tx:
        manual_points.add(tx, program_id, body, identifier=loyaltyCardId)
    return 204, None


@routes.add("PUT", "/v1/loyalty_programs/<loyaltyProgramId>/cards/<loyaltyCardId>/deduct_points", MANAGEMENT)
def deductLoyaltyCardPoints(ctx: Context, request: Request, loyaltyProgramId: str, loyaltyCardId: str):
    program_id = path_int(loyaltyProgramId, "loyaltyProgramId")
    body = json_body(request, "deductLoyaltyCardPoints")
    with ctx.store.locks.hold(("card", loyaltyCardId)), ctx.store.write() as tx:
        manual_points.deduct(tx, program_id, body, identifier=loyaltyCardId)
    return 204, None


# --- attributes ------------------------------------------------------------------------------------


@routes.add("GET", "/v1/attributes", MANAGEMENT)
def getAttributes(ctx: Context, request: Request):
    query = Query(request)
    application_ids = query.many("applicationIds")
    filters = {
        "entity": query.text("entity"), "type": query.text("type"),
        "kind": query.text("kind", choices=("builtin", "custom")), "search": query.text("search"),
        "application_ids": None if application_ids is None else
        [path_int(value, "applicationIds") for value in application_ids],
    }
    order = _sort(query, {"id": "id", "name": "name", "entity": "entity", "type": "type", "created": "created"})
    paging = query.paging()
    with ctx.store.read() as tx:
        rows = attributes.listing(tx, order=order, **filters)
    # The spec's answer has totalResultSize and no hasMore.
    return 200, {"totalResultSize": len(rows), "data": rows[paging["skip"]:paging["skip"] + paging["pageSize"]]}


# --- events ----------------------------------------------------------------------------------------


def _event_search_filters(query: Query, where: list[str], args: list) -> None:
    """The free-text filters of the events list, over the event's session, profile and effects."""
    coupon, referral = query.text("couponCode"), query.text("referralCode")
    if coupon is not None:
        where.append("session_integration_id IN (SELECT integration_id FROM sessions "
                     "WHERE (',' || coupon || ',') LIKE ? ESCAPE '\\')")
        args.append(_like("," + coupon + ","))
    if referral is not None:
        where.append("session_integration_id IN (SELECT integration_id FROM sessions WHERE referral = ?)")
        args.append(referral)
    for name, attribute in (("customerName", "Name"), ("customerEmail", "Email")):
        value = query.text(name, min_length=2)
        if value is not None:
            where.append("profile_integration_id IN (SELECT integration_id FROM profiles "
                         f"WHERE json_extract(attributes, '$.{attribute}') LIKE ? ESCAPE '\\')")
            args.append(_like(value))
    rule = query.text("ruleQuery")
    if rule is not None:
        where.append("EXISTS (SELECT 1 FROM json_each(events.effects) e WHERE "
                     "json_extract(e.value, '$.ruleName') LIKE ? ESCAPE '\\')")
        args.append(_like(rule))
    campaign = query.text("campaignQuery")
    if campaign is not None:
        where.append("EXISTS (SELECT 1 FROM campaigns c, json_each(events.effects) e WHERE "
                      "json_extract(e.value, '$.campaignId') = c.id AND json_extract(c.definition, '$.name') "
                      "LIKE ? ESCAPE '\\')")
        args.append(_like(campaign))


@routes.add("GET", f"{APP}/events/no_total", MANAGEMENT)
def getApplicationEventsWithoutTotalCount(ctx: Context, request: Request, applicationId: str):
    application(applicationId)
    query = Query(request)
    where, args = ["1 = 1"], []
    for name, column in (("session", "session_integration_id"), ("profile", "profile_integration_id")):
        value = query.text(name)
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    types = query.many("type")
    if types:
        where.append(f"type IN ({', '.join('?' for _ in types)})")
        args.extend(types)
    for name, op in (("createdBefore", "<"), ("createdAfter", ">")):
        moment = query.moment(name)
        if moment is not None:
            where.append(f"created {op} ?")
            args.append(ts(moment))
    effect_type = query.text("effectType")
    if effect_type:
        where.append("effects LIKE ?")
        args.append(f'%"effectType":"{effect_type}"%')
    _event_search_filters(query, where, args)
    order = _sort(query, {"id": "id", "created": "created", "type": "type"})
    paging = query.paging()
    with ctx.store.read() as tx:
        return 200, _sql_page(tx, f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY {order}", args,
                              paging, events.as_application_event)
