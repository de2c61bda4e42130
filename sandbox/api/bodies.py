"""Request-body schemas of the implemented operations, transcribed from talon-openapi.json.

Only what a handler relies on is checked (types, required fields, enums, limits); unknown
properties pass, as they do in Talon.One.
"""
from __future__ import annotations

# The sandbox's bound on a money amount (the spec bounds discountLimit the same way); it keeps
# totals finite and storable.
AMOUNT = {"type": "number", "minimum": 0, "maximum": 1e15}
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
OBJECT = {"type": "object"}
DATE_TIME = {"type": "string", "minLength": 1}
STRINGS = {"type": "array", "items": STRING}
INTEGERS = {"type": "array", "items": INTEGER}

ADDITIONAL_COSTS = {"type": "object", "additionalProperties": {
    "type": "object", "required": ["price"], "properties": {"price": AMOUNT}}}

CART_ITEM = {
    "type": "object",
    "required": ["sku", "quantity"],
    "properties": {
        "name": STRING,
        "sku": {"type": "string", "minLength": 1},
        "quantity": {"type": "integer", "minimum": 1},
        "price": AMOUNT,
        "category": STRING,
        "weight": NUMBER, "height": NUMBER, "width": NUMBER, "length": NUMBER,
        "position": NUMBER,
        "attributes": OBJECT,
        "additionalCosts": ADDITIONAL_COSTS,
        "catalogItemID": INTEGER,
        "product": {"type": "object", "required": ["name"], "properties": {"name": STRING}},
    },
}

SESSION_RESPONSE_CONTENT = ["customerSession", "customerProfile", "coupons", "triggeredCampaigns", "referral",
                            "loyalty", "event", "awardedGiveaways", "ruleFailureReasons", "previousReturns"]
RETURN_RESPONSE_CONTENT = ["customerSession", "customerProfile", "coupons", "triggeredCampaigns", "referral",
                           "loyalty", "event", "previousReturns"]
PROFILE_RESPONSE_CONTENT = ["customerProfile", "triggeredCampaigns", "loyalty", "event", "awardedGiveaways",
                            "ruleFailureReasons"]

INTEGRATION_REQUEST = {
    "type": "object",
    "required": ["customerSession"],
    "properties": {
        "customerSession": {
            "type": "object",
            "properties": {
                "profileId": STRING,
                "storeIntegrationId": {"type": "string", "minLength": 1, "maxLength": 1000},
                "evaluableCampaignIds": INTEGERS,
                "couponCodes": {"type": "array", "items": {"type": "string", "maxLength": 100}},
                "referralCode": {"type": "string", "maxLength": 100},
                "loyaltyCards": {"type": "array", "maxItems": 1, "items": STRING},
                "state": {"type": "string", "enum": ["open", "closed", "partially_returned", "cancelled"]},
                "cartItems": {"type": "array", "items": CART_ITEM},
                "additionalCosts": ADDITIONAL_COSTS,
                "identifiers": {"type": "array", "maxItems": 5, "items": STRING},
                "attributes": OBJECT,
            },
        },
        "responseContent": {"type": "array", "items": {"type": "string", "enum": SESSION_RESPONSE_CONTENT}},
    },
}

RETURN_REQUEST = {
    "type": "object",
    "required": ["return"],
    "properties": {
        "return": {
            "type": "object",
            "required": ["returnedCartItems"],
            "properties": {"returnedCartItems": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "properties": {"position": INTEGER, "quantity": {"type": "integer", "minimum": 1},
                               "sku": {"type": "string", "minLength": 1}},
            }}},
        },
        "responseContent": {"type": "array", "items": {"type": "string", "enum": RETURN_RESPONSE_CONTENT}},
    },
}

PROFILE_AUDIENCES_CHANGES = {"type": "object", "required": ["adds", "deletes"],
                             "properties": {"adds": INTEGERS, "deletes": INTEGERS}}

PROFILE_REQUEST = {
    "type": "object",
    "properties": {
        "attributes": OBJECT,
        "evaluableCampaignIds": INTEGERS,
        "responseContent": {"type": "array", "items": {"type": "string", "enum": PROFILE_RESPONSE_CONTENT}},
        "audiencesChanges": PROFILE_AUDIENCES_CHANGES,
    },
}

PROFILES_REQUEST = {
    "type": "object",
    "properties": {"customerProfiles": {"type": "array", "maxItems": 1000, "items": {
        "type": "object", "required": ["integrationId"],
        "properties": {"integrationId": {"type": "string", "minLength": 1, "maxLength": 1000},
                       "attributes": OBJECT}}}},
}

NEW_AUDIENCE = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "sandbox": BOOLEAN,
        "description": STRING,
        "integration": STRING,
        "integrationId": {"type": "string", "minLength": 1, "maxLength": 1000},
        "createdIn3rdParty": BOOLEAN,
        "lastUpdate": DATE_TIME,
    },
}

UPDATE_AUDIENCE = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}

AUDIENCE_CHANGES = {
    "type": "object",
    "properties": {"data": {"type": "array", "maxItems": 1000, "items": {
        "type": "object", "required": ["action", "profileIntegrationId", "audienceId"],
        "properties": {"action": {"type": "string", "enum": ["add", "delete"]},
                       "profileIntegrationId": {"type": "string", "maxLength": 1000},
                       "audienceId": INTEGER}}}},
}

CARD_REGISTRATION = {"type": "object", "required": ["integrationId"],
                     "properties": {"integrationId": {"type": "string", "minLength": 1, "maxLength": 1000}}}

GENERATE_CARD = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["active", "inactive"]},
        "customerProfileIds": STRINGS,
        "cardIdentifier": {"type": "string", "minLength": 4, "maxLength": 108},
    },
}

TRACK_EVENT = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "profileId": STRING,
        "storeIntegrationId": {"type": "string", "minLength": 1, "maxLength": 1000},
        "evaluableCampaignIds": INTEGERS,
        "type": {"type": "string", "minLength": 1},
        "attributes": OBJECT,
        "responseContent": {"type": "array", "items": {"type": "string", "enum": PROFILE_RESPONSE_CONTENT}},
        "loyaltyCards": {"type": "array", "maxItems": 1, "items": STRING},
    },
}

NEW_REFERRAL = {
    "type": "object",
    "required": ["campaignId", "advocateProfileIntegrationId"],
    "properties": {
        "startDate": DATE_TIME,
        "expiryDate": DATE_TIME,
        "usageLimit": {"type": "integer", "minimum": 0, "maximum": 999999},
        "campaignId": INTEGER,
        "advocateProfileIntegrationId": {"type": "string", "minLength": 1, "maxLength": 1000},
        "friendProfileIntegrationId": STRING,
        "attributes": OBJECT,
    },
}

NEW_REFERRALS_FOR_ADVOCATES = {
    "type": "object",
    "required": ["usageLimit", "campaignId", "advocateProfileIntegrationIds"],
    "properties": {
        "startDate": DATE_TIME,
        "expiryDate": DATE_TIME,
        "usageLimit": {"type": "integer", "minimum": 0, "maximum": 999999},
        "campaignId": INTEGER,
        "advocateProfileIntegrationIds": {"type": "array", "minItems": 1, "maxItems": 1000,
                                          "items": {"type": "string", "minLength": 1}},
        "attributes": OBJECT,
        "validCharacters": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        "referralPattern": {"type": "string", "minLength": 3, "maxLength": 100},
    },
}

COUPON_RESERVATIONS = {
    "type": "object",
    "required": ["integrationIDs"],
    "properties": {"integrationIDs": {"type": "array", "maxItems": 1000,
                                      "items": {"type": "string", "minLength": 1}}},
}

CATALOG_SYNC = {
    "type": "object",
    "required": ["actions"],
    "properties": {
        "actions": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
            "type": "object", "required": ["type", "payload"],
            "properties": {"type": {"type": "string", "enum": [
                "ADD", "PATCH", "PATCH_MANY", "REMOVE", "REMOVE_MANY", "ADD_PRICE_ADJUSTMENT"]},
                "payload": OBJECT}}},
        "version": {"type": "integer", "minimum": 1},
    },
}

ATTRIBUTES = {"type": "object"}
