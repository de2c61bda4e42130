"""Typed results: each Talon.One answer is parsed once into small frozen dataclasses.

Why dataclasses and not pydantic: no extra dependency, frozen values are safe to share between
fan-out threads and templates, and parsing is a single dict walk (several times cheaper per object
than a validating model). Validation is not our job here: the spec contract is checked in tests,
and a newer Talon.One that sends fields we do not know must not break the console, so every
unknown field is kept in ``extra`` rather than rejected.

Field names are the snake_case of the wire names (``cartItems`` → ``cart_items``); the
``@wire`` decorator derives the mapping once per class, so parsing does no string work.

Optional means optional, here and nowhere else: Talon.One may leave out any field its spec does
not require, send null where the spec allows it, and vary both from release to release. A field
that is missing, null, or not of the kind the class declares (a null ``attributes``, a string
where a number was expected) takes the field's default, so a template can read
``profile.attributes.items()`` or ``session.state`` without guarding it. Only an answer that
lacks what the console cannot do without (a session read with no session in it) is refused, with
a TalonMalformedResponse that names the missing part (``require``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Callable, Generic, Iterator, TypeVar

from .errors import TalonMalformedResponse

T = TypeVar("T")


# -- conversions ---------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 → aware datetime; None for anything unreadable (never raises)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _list_of(convert: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    def convert_list(values: Any) -> tuple:
        if not isinstance(values, list):
            return ()
        return tuple(convert(v) for v in values)

    return convert_list


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire(cls=None, *, names: dict[str, str] | None = None, convert: dict[str, Callable] | None = None):
    """Class decorator: derive ``_WIRE = {wire name: (attribute, converter)}`` from the fields.

    ``names`` overrides a wire name (attribute → wire name); ``convert`` maps an attribute to
    a converter applied to non-null values. Attributes ending in a timestamp suffix are parsed
    as datetimes unless a converter is given.
    """

    def decorate(cls):
        mapping: dict[str, tuple[str, Callable | None, tuple[type, ...] | None]] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            wire_name = (names or {}).get(f.name) or _camel(f.name)
            converter = (convert or {}).get(f.name)
            if converter is None and _TIME_FIELD.search(f.name):
                converter = parse_time
            mapping[wire_name] = (f.name, converter, None if converter else _kinds(f.type))
        cls._WIRE = mapping
        return cls

    return decorate(cls) if cls is not None else decorate


# The JSON kinds a declared type accepts (annotations are strings: `from __future__`).
_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "dict": (dict,),
    "list": (list,),
}


def _kinds(annotation: str) -> tuple[type, ...] | None:
    """The kinds of JSON value a field declared as ``annotation`` takes, or None for any.
    A bool is not taken for a number (JSON keeps them apart; Python's bool is an int)."""
    parts = [part.strip() for part in str(annotation).split("|") if part.strip() != "None"]
    if len(parts) != 1 or parts[0] not in _KINDS:
        return None
    return _KINDS[parts[0]]


def _fits(value: Any, kinds: tuple[type, ...] | None) -> bool:
    if kinds is None:
        return True
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


_TIME_FIELD = re.compile(r"(^created$|^updated$|^modified$|_date$|_time$|^last_activity$|^last_update$|^timestamp$|^joined$)")


def build(cls: type[T], data: Any) -> T:
    """Parse one JSON object into ``cls``; unknown keys go to ``extra``."""
    if not isinstance(data, dict):
        raise TalonMalformedResponse(
            f"Expected a JSON object for {cls.__name__}, got {type(data).__name__}"
        )
    mapping = cls._WIRE  # type: ignore[attr-defined]
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        spec = mapping.get(key)
        if spec is None:
            extra[key] = value
            continue
        attr, converter, kinds = spec
        if value is None:
            continue  # null reads as missing: the field's default
        if converter is not None:
            value = converter(value)
        elif not _fits(value, kinds):
            continue  # not what the class declares: the default, never a crash further on
        kwargs[attr] = value
    kwargs["extra"] = extra
    return cls(**kwargs)


def as_wire(obj: Any) -> dict[str, Any]:
    """A parsed object back as Talon.One sent it: the known fields under their wire names
    (those that were present), plus the extras."""
    out: dict[str, Any] = {}
    for wire_name, (attribute, *_rest) in type(obj)._WIRE.items():
        value = getattr(obj, attribute)
        if value is not None:
            out[wire_name] = value
    out.update(obj.extra)
    return out


def require(value: T | None, what: str) -> T:
    """``value``, or the refusal of an answer without the part the console cannot do without."""
    if value is None:
        raise TalonMalformedResponse(f"Talon.One sent no {what} in its answer")
    return value


def builder(cls: type[T]) -> Callable[[Any], T]:
    return lambda data: build(cls, data)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


# -- sessions ------------------------------------------------------------------------------

#: Talon.One's own cap on a session's cart: "Do not exceed 1000 items" (cartItems of
#: NewCustomerSessionV2 in talon-openapi.json). The console edits, previews and returns carts up
#: to this size; a longer cart that Talon.One sends is shown, and the forms say why it cannot
#: be edited rather than cutting it short.
CART_ITEMS_LIMIT = 1000

#: CartItem fields marked readOnly in talon-openapi.json
CART_ITEM_READ_ONLY = frozenset({
    "returnedQuantity", "remainingQuantity", "position", "catalogItemID", "selectedPriceType",
    "adjustmentReferenceId", "adjustmentEffectiveFrom", "adjustmentEffectiveUntil", "prices",
})


@wire
@dataclass(frozen=True, slots=True)
class CartItem:
    sku: str = ""
    name: str | None = None
    quantity: int = 0
    returned_quantity: int | None = None
    remaining_quantity: int | None = None
    price: float | None = None
    category: str | None = None
    position: float | None = None
    attributes: dict = field(default_factory=dict)
    additional_costs: dict | None = None
    extra: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or self.sku

    @property
    def line_total(self) -> float:
        return (self.price or 0.0) * self.quantity

    @property
    def returnable_quantity(self) -> int:
        if self.remaining_quantity is not None:
            return self.remaining_quantity
        return self.quantity - (self.returned_quantity or 0)

    def to_wire(self) -> dict:
        """The CartItem JSON for a session update: what the client may write, plus kept extras.
        Fields Talon.One computes (position, returned/remaining quantity, catalog prices) are
        read-only in the spec, so a cart read from a session can be sent back as is."""
        out: dict[str, Any] = {k: v for k, v in self.extra.items() if k not in CART_ITEM_READ_ONLY}
        out.update({"sku": self.sku, "quantity": self.quantity})
        for attr, key in (("name", "name"), ("price", "price"), ("category", "category"),
                          ("additional_costs", "additionalCosts")):
            value = getattr(self, attr)
            if value is not None:
                out[key] = value
        if self.attributes:
            out["attributes"] = self.attributes
        return out


@wire(names={"evaluation_group_id": "evaluationGroupID"})
@dataclass(frozen=True, slots=True)
class Effect:
    effect_type: str = ""
    campaign_id: int | None = None
    ruleset_id: int | None = None
    rule_index: int | None = None
    rule_name: str = ""
    props: dict = field(default_factory=dict)
    triggered_by_coupon: int | None = None
    triggered_for_catalog_item: int | None = None
    condition_index: int | None = None
    evaluation_group_id: int | None = None
    evaluation_group_mode: str | None = None
    extra: dict = field(default_factory=dict)

    def prop(self, name: str, default: Any = None) -> Any:
        return self.props.get(name, default) if isinstance(self.props, dict) else default


@wire(convert={"cart_items": _list_of(builder(CartItem))})
@dataclass(frozen=True, slots=True)
class Session:
    """A customer session (Integration API CustomerSessionV2, or a Management list row)."""

    integration_id: str = ""
    id: int | None = None
    state: str = ""
    profile_id: str | None = None
    store_integration_id: str | None = None
    created: datetime | None = None
    updated: datetime | None = None
    application_id: int | None = None
    cart_items: tuple[CartItem, ...] = ()
    coupon_codes: list = field(default_factory=list)
    referral_code: str | None = None
    loyalty_cards: list = field(default_factory=list)
    evaluable_campaign_ids: list | None = None
    identifiers: list | None = None
    additional_costs: dict | None = None
    attributes: dict = field(default_factory=dict)
    first_session: bool | None = None
    update_count: int | None = None
    total: float | None = None
    cart_item_total: float | None = None
    additional_cost_total: float | None = None
    #: Management rows only: the applied coupon / referral and the discounts by campaign name
    coupon: str | None = None
    referral: str | None = None
    discounts: dict | None = None
    total_discounts: float | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_management(cls, data: Any) -> "Session":
        """Management's ApplicationSession calls the profile's integration ID
        ``profileintegrationid`` and uses ``profileId`` for the internal number."""
        if not isinstance(data, dict):
            return build(cls, data)
        data = dict(data)
        internal = data.pop("profileId", None)
        if "profileintegrationid" in data:
            data["profileId"] = data.pop("profileintegrationid")
        if internal is not None:
            data["profileInternalId"] = internal
        return build(cls, data)

    @property
    def item_count(self) -> int:
        return sum(item.quantity for item in self.cart_items)


# -- profiles, coupons, referrals ----------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class CustomerProfile:
    integration_id: str = ""
    id: int | None = None
    created: datetime | None = None
    attributes: dict = field(default_factory=dict)
    account_id: int | None = None
    closed_sessions: int | None = None
    total_sales: float | None = None
    loyalty_memberships: list = field(default_factory=list)
    audience_memberships: list = field(default_factory=list)
    last_activity: datetime | None = None
    sandbox: bool | None = None
    advocate_integration_id: str | None = None
    extra: dict = field(default_factory=dict)

    def name_in(self, attribute: str) -> str:
        """The customer's name, kept in the profile attribute ``attribute`` (the console's setting
        CUSTOMER_NAME_ATTRIBUTE), else the integration ID, so a list never shows a blank."""
        value = (self.attributes or {}).get(attribute)
        return str(value) if value not in (None, "") else self.integration_id

    @property
    def display_name(self) -> str:
        """The name under Talon.One's built-in attribute ``Name`` (the console reads its setting,
        app.customer_profiles.customer_name)."""
        return self.name_in("Name")

    @property
    def audience_ids(self) -> tuple[int, ...]:
        return tuple(m.get("id") for m in self.audience_memberships if isinstance(m, dict))


@wire
@dataclass(frozen=True, slots=True)
class Coupon:
    value: str = ""
    id: int | None = None
    created: datetime | None = None
    campaign_id: int | None = None
    usage_limit: int | None = None
    usage_counter: int | None = None
    discount_limit: float | None = None
    discount_counter: float | None = None
    discount_remainder: float | None = None
    reservation_limit: int | None = None
    reservation_counter: float | None = None
    start_date: datetime | None = None
    expiry_date: datetime | None = None
    attributes: dict = field(default_factory=dict)
    referral_id: int | None = None
    recipient_integration_id: str | None = None
    batch_id: str | None = None
    reservation: bool | None = None
    is_reservation_mandatory: bool | None = None
    implicitly_reserved: bool | None = None
    profile_redemption_count: int | None = None
    state: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def uses_left(self) -> int | None:
        """None means unlimited (usageLimit 0)."""
        if not self.usage_limit:
            return None
        return max(0, self.usage_limit - (self.usage_counter or 0))


@dataclass(frozen=True, slots=True)
class Reservation:
    """Who reserved a coupon (getReservedCustomers)."""

    coupon_value: str
    customers: tuple[CustomerProfile, ...]
    total: int

    @property
    def integration_ids(self) -> tuple[str, ...]:
        return tuple(c.integration_id for c in self.customers)


@wire
@dataclass(frozen=True, slots=True)
class Referral:
    code: str = ""
    id: int | None = None
    created: datetime | None = None
    campaign_id: int | None = None
    advocate_profile_integration_id: str | None = None
    friend_profile_integration_id: str | None = None
    usage_limit: int | None = None
    usage_counter: int | None = None
    start_date: datetime | None = None
    expiry_date: datetime | None = None
    referred_customers: list = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@wire
@dataclass(frozen=True, slots=True)
class Giveaway:
    code: str = ""
    id: int | None = None
    pool_id: int | None = None
    created: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    used: bool | None = None
    attributes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@wire
@dataclass(frozen=True, slots=True)
class Achievement:
    """A profile's progress on an achievement (inventory and getCustomerAchievements)."""

    achievement_id: int | None = None
    name: str = ""
    title: str = ""
    description: str = ""
    campaign_id: int | None = None
    status: str | None = None
    progress: float | None = None
    target: float | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    completion_date: datetime | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_definition(cls, data: Any) -> "Achievement":
        """getCustomerAchievements rows nest the progress under ``currentProgress``."""
        if isinstance(data, dict) and "currentProgress" in data:
            data = dict(data)
            current = _dict(data.pop("currentProgress"))
            data.setdefault("achievementId", data.get("id"))
            for key in ("status", "progress", "startDate", "endDate", "completionDate"):
                if key in current:
                    data[key] = current[key]
        return build(cls, data)


# -- audiences -----------------------------------------------------------------------------


@wire(names={"created_in_third_party": "createdIn3rdParty"})
@dataclass(frozen=True, slots=True)
class Audience:
    id: int | None = None
    name: str = ""
    description: str | None = None
    account_id: int | None = None
    created: datetime | None = None
    sandbox: bool | None = None
    integration: str | None = None
    integration_id: str | None = None
    created_in_third_party: bool | None = None
    last_update: datetime | None = None
    extra: dict = field(default_factory=dict)


@wire
@dataclass(frozen=True, slots=True)
class AudienceAnalytics:
    """One audience's member count (getAudiencesAnalytics)."""

    audience_id: int | None = None
    members_count: int | None = None
    extra: dict = field(default_factory=dict)


# -- attributes ----------------------------------------------------------------------------


@wire(convert={"suggestions": _list_of(str)})
@dataclass(frozen=True, slots=True)
class Attribute:
    """A custom attribute's definition (getAttributes): which entity has it, under which
    name, of which type (string, number, boolean, time, (list string), location, ...)."""

    name: str = ""
    entity: str = ""
    type: str = ""
    title: str = ""
    description: str = ""
    id: int | None = None
    created: datetime | None = None
    account_id: int | None = None
    suggestions: tuple[str, ...] = ()
    editable: bool | None = None
    extra: dict = field(default_factory=dict)


# -- loyalty -------------------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class CardProfile:
    integration_id: str = ""
    timestamp: datetime | None = None
    extra: dict = field(default_factory=dict)


@wire(
    names={"program_id": "programID"},
    convert={"profiles": _list_of(builder(CardProfile))},
)
@dataclass(frozen=True, slots=True)
class LoyaltyCard:
    identifier: str = ""
    id: int | None = None
    created: datetime | None = None
    program_id: int | None = None
    program_name: str | None = None
    program_title: str | None = None
    status: str = ""
    block_reason: str | None = None
    users_per_card_limit: int | None = None
    profiles: tuple[CardProfile, ...] = ()
    ledger: dict | None = None
    subledgers: dict | None = None
    modified: datetime | None = None
    old_card_identifier: str | None = None
    new_card_identifier: str | None = None
    batch_id: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def linked_profile_ids(self) -> tuple[str, ...]:
        return tuple(p.integration_id for p in self.profiles)

    @property
    def at_user_limit(self) -> bool:
        return bool(self.users_per_card_limit) and len(self.profiles) >= self.users_per_card_limit


@wire
@dataclass(frozen=True, slots=True)
class LoyaltyProgram:
    id: int | None = None
    name: str = ""
    title: str = ""
    description: str | None = None
    card_based: bool | None = None
    users_per_card_limit: int | None = None
    default_validity: str | None = None
    default_pending: str | None = None
    allow_subledger: bool | None = None
    timezone: str | None = None
    tiers: list | None = None
    sandbox: bool | None = None
    created: datetime | None = None
    extra: dict = field(default_factory=dict)


@wire(convert={"profiles": _list_of(builder(CardProfile))})
@dataclass(frozen=True, slots=True)
class Balances:
    """Point balances of a card or of a profile in a program (the ``balance`` object), with the
    per-subledger balances and, for cards, the linked profiles."""

    active_points: float = 0.0
    pending_points: float = 0.0
    spent_points: float = 0.0
    expired_points: float = 0.0
    negative_points: float = 0.0
    current_tier: dict | None = None
    projected_tier: dict | None = None
    points_to_next_tier: float | None = None
    next_tier_name: str | None = None
    subledgers: dict = field(default_factory=dict)
    profiles: tuple[CardProfile, ...] = ()
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_response(cls, data: Any) -> "Balances":
        if not isinstance(data, dict):
            raise TalonMalformedResponse("Expected a balances object")
        balance = dict(_dict(data.get("balance")))
        subledgers = {
            key: build(cls, _dict(value))
            for key, value in _dict(data.get("subledgerBalances")).items()
        }
        balance["subledgers"] = subledgers
        balance["profiles"] = data.get("profiles") or []
        return build(cls, balance)



@wire(names={"transaction_uuid": "transactionUUID", "customer_profile_id": "customerProfileID"})
@dataclass(frozen=True, slots=True)
class Transaction:
    """A loyalty ledger entry: a transaction, or an unused points entry (which has no type)."""

    id: int | None = None
    transaction_uuid: str | None = None
    created: datetime | None = None
    program_id: int | None = None
    card_identifier: str | None = None
    customer_profile_id: str | None = None
    customer_session_id: str | None = None
    type: str | None = None
    name: str = ""
    start_date: datetime | None = None
    expiry_date: datetime | None = None
    subledger_id: str | None = None
    amount: float = 0.0
    ruleset_id: int | None = None
    rule_name: str | None = None
    validity_duration: str | None = None
    flags: dict | None = None
    extra: dict = field(default_factory=dict)



# -- campaigns and events ------------------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class Campaign:
    id: int | None = None
    name: str = ""
    description: str | None = None
    state: str | None = None
    type: str | None = None
    application_id: int | None = None
    created: datetime | None = None
    updated: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    attributes: dict = field(default_factory=dict)
    active_ruleset_id: int | None = None
    tags: list = field(default_factory=list)
    features: list = field(default_factory=list)
    limits: list = field(default_factory=list)
    budgets: list = field(default_factory=list)
    coupon_redemption_count: int | None = None
    referral_redemption_count: int | None = None
    discount_count: float | None = None
    created_loyalty_points_count: float | None = None
    redeemed_loyalty_points_count: float | None = None
    last_activity: datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_enabled(self) -> bool:
        return self.state == "enabled"


@wire(convert={"effects": _list_of(builder(Effect))})
@dataclass(frozen=True, slots=True)
class Event:
    """An event: the Management ApplicationEvent or the Integration ``event`` of a state."""

    id: int | None = None
    type: str = ""
    created: datetime | None = None
    application_id: int | None = None
    profile_id: Any = None
    store_id: int | None = None
    store_integration_id: str | None = None
    session_id: Any = None
    attributes: dict = field(default_factory=dict)
    effects: tuple[Effect, ...] = ()
    rule_failure_reasons: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@wire(names={"campaign_id": "campaignID", "ruleset_id": "rulesetID", "coupon_id": "couponID",
             "referral_id": "referralID", "evaluation_group_id": "evaluationGroupID"})
@dataclass(frozen=True, slots=True)
class RuleFailure:
    """Why a rule did not fire (the spec's RuleFailureReason, asked for with
    ``responseContent=ruleFailureReasons``): the campaign, ruleset and rule, the condition
    (``condition_index``) or effect (``effect_index``) that failed, and the coupon or referral
    being evaluated at the time."""

    campaign_id: int | None = None
    campaign_name: str = ""
    ruleset_id: int | None = None
    rule_index: int | None = None
    rule_name: str = ""
    condition_index: int | None = None
    effect_index: int | None = None
    details: str = ""
    coupon_id: int | None = None
    coupon_value: str | None = None
    referral_id: int | None = None
    referral_value: str | None = None
    evaluation_group_id: int | None = None
    evaluation_group_mode: str | None = None
    extra: dict = field(default_factory=dict)


# -- composite answers ---------------------------------------------------------------------


@wire(
    convert={
        "profile": builder(CustomerProfile),
        "referrals": _list_of(builder(Referral)),
        "coupons": _list_of(builder(Coupon)),
        "giveaways": _list_of(builder(Giveaway)),
        "achievements": _list_of(builder(Achievement)),
    }
)
@dataclass(frozen=True, slots=True)
class Inventory:
    """What a customer has (getCustomerInventory): profile, coupons, referrals, loyalty,
    giveaways and achievements, as asked for by the inventory flags."""

    profile: CustomerProfile | None = None
    loyalty: dict | None = None
    referrals: tuple[Referral, ...] = ()
    coupons: tuple[Coupon, ...] = ()
    giveaways: tuple[Giveaway, ...] = ()
    achievements: tuple[Achievement, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def loyalty_cards(self) -> tuple[LoyaltyCard, ...]:
        return tuple(build(LoyaltyCard, c) for c in _dict(self.loyalty).get("cards") or ())

    @property
    def loyalty_programs(self) -> dict:
        """Profile-based programs: ``{program id: ledger dict}``."""
        return _dict(_dict(self.loyalty).get("programs"))


@wire(
    names={"session": "customerSession", "return_": "return"},
    convert={
        "session": builder(Session),
        "effects": _list_of(builder(Effect)),
        "customer_profile": builder(CustomerProfile),
        "triggered_campaigns": _list_of(builder(Campaign)),
        "created_coupons": _list_of(builder(Coupon)),
        "created_referrals": _list_of(builder(Referral)),
        "awarded_giveaways": _list_of(builder(Giveaway)),
        "referral": builder(Referral),
        "coupons": _list_of(builder(Coupon)),
        "event": builder(Event),
    },
)
@dataclass(frozen=True, slots=True)
class IntegrationState:
    """The answer of a session update, return, reopen or read: the session and its effects,
    plus whatever ``responseContent`` asked for."""

    session: Session | None = None
    effects: tuple[Effect, ...] = ()
    customer_profile: CustomerProfile | None = None
    loyalty: dict | None = None
    triggered_campaigns: tuple[Campaign, ...] = ()
    rule_failure_reasons: list = field(default_factory=list)
    created_coupons: tuple[Coupon, ...] = ()
    created_referrals: tuple[Referral, ...] = ()
    awarded_giveaways: tuple[Giveaway, ...] = ()
    referral: Referral | None = None
    coupons: tuple[Coupon, ...] = ()
    event: Event | None = None
    return_: dict | None = None
    previous_returns: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def effects_of_type(self, *effect_types: str) -> tuple[Effect, ...]:
        return tuple(e for e in self.effects if e.effect_type in effect_types)

    @property
    def failures(self) -> tuple[RuleFailure, ...]:
        """The rule failure reasons, typed (entries that are not objects are skipped)."""
        return tuple(build(RuleFailure, r) for r in self.rule_failure_reasons if isinstance(r, dict))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list. ``has_more`` comes from the API when it says so; otherwise it is
    inferred from a full page or from ``totalResultSize``."""

    items: tuple[T, ...]
    has_more: bool
    skip: int = 0
    page_size: int = 0
    total: int | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def next_skip(self) -> int:
        return self.skip + len(self.items)

    @classmethod
    def from_response(
        cls, data: Any, parse: Callable[[Any], T], *, skip: int = 0, page_size: int = 0
    ) -> "Page[T]":
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise TalonMalformedResponse("Expected a list answer with a 'data' array")
        items = tuple(parse(row) for row in data["data"])
        total = data.get("totalResultSize")
        if isinstance(data.get("hasMore"), bool):
            has_more = data["hasMore"]
        elif isinstance(total, int):
            has_more = skip + len(items) < total
        else:
            has_more = bool(page_size) and len(items) >= page_size
        return cls(items, has_more, skip, page_size, total if isinstance(total, int) else None)


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What happened to one item of a bulk call."""

    item: Any
    ok: bool
    error: Exception | None = None
    result: Any = None


@dataclass(frozen=True, slots=True)
class BulkResult:
    outcomes: tuple[ItemOutcome, ...]
    chunks: int

    @property
    def succeeded(self) -> tuple[ItemOutcome, ...]:
        return tuple(o for o in self.outcomes if o.ok)

    @property
    def failed(self) -> tuple[ItemOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    @property
    def all_ok(self) -> bool:
        return all(o.ok for o in self.outcomes)


# -- the Application's own settings ---------------------------------------------------------


@wire
@dataclass(frozen=True, slots=True)
class ApplicationSettings:
    """What the console reads from the Application (getApplication) instead of asking the
    operator to repeat it in configuration."""

    id: int | None = None
    name: str = ""
    currency: str | None = None
    timezone: str | None = None
    #: "sensitive", "insensitive-uppercase" or "insensitive-lowercase" (coupon codes)
    case_sensitivity: str | None = None
    extra: dict = field(default_factory=dict)

    def coupon_code(self, typed: str) -> str:
        """A code as the Application keeps it: an insensitive Application stores its codes in
        one case, so a typed ``summer20`` is its ``SUMMER20``."""
        if self.case_sensitivity == "insensitive-uppercase":
            return typed.upper()
        if self.case_sensitivity == "insensitive-lowercase":
            return typed.lower()
        return typed
