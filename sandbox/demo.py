"""Deterministic demo data, made the way production data is made: through the store and engine.

The static records (campaigns, loyalty programs and cards, coupons, audiences, referrals,
giveaways, the catalog, 60 profiles) are inserted directly; the 240 sessions are then played
through `sessions.update`, `returns.return_items` and `sessions.reopen` with the clock pinned to
their moment in the last 90 days, so their effects, coupon counters, ledgers, achievement
progress and events are the real consequences of the rules. Times are relative to today
(UTC midnight), so recent store-card points are still pending whatever the day.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

from sandbox.demo_campaigns import DEMO_ACHIEVEMENTS, DEMO_CAMPAIGNS, DEMO_COUPONS, DEMO_LOYALTY_PROGRAMS
from sandbox.demo_people import CITIES, PRODUCTS, PROFILE_COUNT, STORES, cart, line, person, profile_id
from sandbox.models import attributes, coupons, loyalty, referrals, returns, sessions
from sandbox.models.common import ts
from sandbox.store import Store

SESSION_COUNT = 240
AUDIENCES = {1: "VIP", 2: "Newsletter", 3: "Lapsed customers"}
VIP_MEMBERS = [1] + [n for n in range(2, PROFILE_COUNT + 1) if n % 7 == 0]
LAPSED_MEMBERS = list(range(40, 49))
CARD_COUNT = 40
INACTIVE_CARDS = range(31, 35)
BLOCKED_CARDS = range(35, 38)
# Cards 38-40 are shared by two profiles each: their usersPerCardLimit (2) is reached.
SHARED_CARDS = {38: (41, 42), 39: (43, 44), 40: (45, 46)}
REFERRAL_ADVOCATES = {1: "REF-ALICE", 2: "REF-OLGA", 3: "REF-BRUNO", 4: "REF-IDA", 5: "REF-PAUL", 6: "REF-CLARA"}
# Friends (profiles 50-59) bring an advocate's code to their first order.
FRIEND_REFERRALS = {50: "REF-ALICE", 51: "REF-ALICE", 52: "REF-OLGA", 53: "REF-BRUNO", 54: "REF-IDA",
                    55: "REF-PAUL", 56: "REF-CLARA", 57: "REF-OLGA", 58: "REF-BRUNO", 59: "REF-ALICE"}
GIVEAWAY_CODES = 20
# The custom attributes the demo data uses, declared as in Talon.One's Campaign Manager:
# (entity, name, type, title, description, suggestions). ShoeSize and Interests are declared but
# set on no demo profile, so a new attribute can be added with its declared type; Tier (which
# marketers set on audiences) stays undeclared, as attributes nobody declared do in real accounts.
ATTRIBUTES = [
    ("CustomerProfile", "Name", "string", "Name", "The customer's full name", []),
    ("CustomerProfile", "Email", "string", "Email", "The customer's e-mail address", []),
    ("CustomerProfile", "City", "string", "City", "Where the customer lives", CITIES),
    ("CustomerProfile", "BirthDate", "time", "Birth date", "The customer's date of birth", []),
    ("CustomerProfile", "Newsletter", "boolean", "Newsletter", "Subscribed to the newsletter", []),
    ("CustomerProfile", "ShoeSize", "number", "Shoe size", "EU shoe size", []),
    ("CustomerProfile", "Interests", "(list string)", "Interests", "Product categories the customer likes", []),
    ("CustomerSession", "channel", "string", "Channel", "Where the order was placed", ["store", "web", "app"]),
]
RNG_SEED = 20250106


def card_identifier(number: int) -> str:
    return f"4000-{number:04d}"


def card_of(profile_number: int) -> str | None:
    """The Store Card a profile carries, if any."""
    if profile_number <= 37:
        return card_identifier(profile_number)
    for card, owners in SHARED_CARDS.items():
        if profile_number in owners:
            return card_identifier(card)
    return None


@contextmanager
def at(store: Store, moment: datetime) -> Iterator[None]:
    store.clock.pin(moment)
    try:
        yield
    finally:
        store.clock.pin(None)


def _program_record(program: dict) -> dict:
    """The spec's LoyaltyProgram fields for a program the engine describes."""
    record = {
        "title": program["title"], "name": program["name"],
        "description": f"{program['title']}: demo loyalty program of the sandbox",
        "subscribedApplications": [1], "defaultValidity": program["defaultValidity"],
        "defaultPending": program["defaultPending"], "allowSubledger": False, "sandbox": True,
        "programJoinPolicy": "not_join", "returnPolicy": "within_balance", "accountID": 1,
        "timezone": "Europe/Berlin", "cardBased": program["cardBased"], "tiers": [],
        # Not a spec field: how many decimals the program's points have (as_program hides it).
        "pointsPlaces": program.get("pointsPlaces", 2),
    }
    if program["cardBased"]:
        record["usersPerCardLimit"] = program["usersPerCardLimit"]
        record["cardCodeSettings"] = {"validCharacters": list("0123456789"), "couponPattern": "4000-####"}
    return record


def _static_records(store: Store, start: datetime) -> None:
    with at(store, start), store.write() as tx:
        for campaign in DEMO_CAMPAIGNS:
            tx.insert("campaigns", id=campaign["id"], created=campaign.get("created", ts(start)),
                      definition=campaign, counters={})
        for program in DEMO_LOYALTY_PROGRAMS:
            tx.insert("loyalty_programs", id=program["id"], created=ts(start), definition=_program_record(program))
        for coupon in DEMO_COUPONS:
            coupons.create(tx, coupon["campaignId"], coupon["value"], usage_limit=coupon["usageLimit"],
                           is_reservation_mandatory=coupon["isReservationMandatory"],
                           start_date=coupon.get("startDate"), expiry_date=coupon.get("expiryDate"))
        for achievement in DEMO_ACHIEVEMENTS:
            definition = {k: v for k, v in achievement.items() if k not in ("id", "campaignId")}
            tx.insert("achievements", id=achievement["id"], campaign_id=achievement["campaignId"],
                      created=ts(start), definition=definition)
        for entity, name, kind, title, description, suggestions in ATTRIBUTES:
            attributes.create(tx, entity, name, kind, title, description, suggestions)
        for audience_id, name in AUDIENCES.items():
            tx.insert("audiences", id=audience_id, name=name, created=ts(start), last_update=ts(start))
        tx.insert("catalogs", id=1, name="main", description="Everything the demo shops sell", version=1,
                  created=ts(start), modified=ts(start))
        for sku, (name, category, price) in PRODUCTS.items():
            tx.insert("catalog_items", catalog_id=1, sku=sku, price=price,
                      attributes={"category": category}, product={"name": name})
        for number in range(1, PROFILE_COUNT + 1):
            tx.insert("profiles", id=number, integration_id=profile_id(number), created=ts(start),
                      last_activity=ts(start), attributes=person(number))
        members = {1: VIP_MEMBERS, 2: [n for n in range(1, PROFILE_COUNT + 1) if person(n)["Newsletter"]],
                   3: LAPSED_MEMBERS}
        for audience_id, numbers in members.items():
            for number in numbers:
                tx.insert("audience_members", audience_id=audience_id, profile_id=number, created=ts(start))
        _cards(tx)
        for number, code in REFERRAL_ADVOCATES.items():
            referrals.create(tx, 6, profile_id(number), code=code, usage_limit=5)
        tx.insert("giveaway_pools", id=1, name="Welcome gifts", created=ts(start))
        for index in range(1, GIVEAWAY_CODES + 1):
            tx.insert("giveaways", pool_id=1, code=f"GIFT-{index:04d}", created=ts(start),
                      profile_integration_id=profile_id(index) if index <= 10 else None,
                      used=int(index <= 3), attributes={"gift": "Canvas tote"})
        _reservations(tx)


def _cards(tx) -> None:
    for number in range(1, CARD_COUNT + 1):
        blocked = number in BLOCKED_CARDS
        card = loyalty.create_card(
            tx, 1, card_identifier(number), status="inactive" if number in INACTIVE_CARDS or blocked else "active",
            limit=2, block_reason="Reported lost by the customer" if blocked else None)
        owners = SHARED_CARDS.get(number, (number,) if number <= 37 else ())
        for owner in owners:
            tx.run("INSERT INTO card_profiles (card_id, profile_integration_id, linked) VALUES (?, ?, ?)",
                   card["id"], profile_id(owner), ts(tx.now))


def _reservations(tx) -> None:
    """VIPONLY codes are hard-reserved for VIP members (VIPONLY-010 for nobody); GOODWILL-001..005
    are soft-reserved goodwill gestures."""
    for index, number in enumerate([1] + VIP_MEMBERS[:8], start=1):
        coupons.reserve(tx, coupons.find(tx, f"VIPONLY-{index:03d}")["id"], profile_id(number))
    for index in range(1, 6):
        coupons.reserve(tx, coupons.find(tx, f"GOODWILL-{index:03d}")["id"], profile_id(index))


def _put(store: Store, session_id: str, moment: datetime, **payload) -> None:
    with at(store, moment):
        sessions.update(store, session_id, {"customerSession": payload}, dry=False, now=None)


def _return(store: Store, session_id: str, moment: datetime, items: list[dict]) -> None:
    with at(store, moment):
        returns.return_items(store, session_id, {"return": {"returnedCartItems": items}}, dry=False,
                             run_rule_engine=False, idempotency_key=None)


def _reopen(store: Store, session_id: str, moment: datetime) -> None:
    with at(store, moment):
        sessions.reopen(store, session_id)


def _alice(store: Store, today: datetime) -> None:
    """cust-0001's history: five orders (one partly returned), one open cart."""
    me, card = profile_id(1), card_identifier(1)
    orders = [
        ("sess-00001", 80, "store-berlin", [line("RUN-100"), line("TEE-010", 2)], []),
        ("sess-00002", 60, "store-berlin", [line("HOOD-020"), line("SOCK-001", 2)], ["SUMMER20"]),
        ("sess-00003", 40, "store-munich", [line("JEANS-030"), line("CAP-002")], ["VIPONLY-002"]),
        ("sess-00004", 20, "store-berlin", [line("CITY-200", 2), line("TEE-010", 3), line("BAG-003")], []),
        ("sess-00005", 5, "store-hamburg", [line("BOOT-300"), line("SOCK-001")], []),
    ]
    for session_id, days_ago, store_id, items, codes in orders:
        opened = today - timedelta(days=days_ago, hours=-10)
        _put(store, session_id, opened, profileId=me, storeIntegrationId=store_id, cartItems=items,
             couponCodes=codes, loyaltyCards=[card], attributes={"channel": "store"})
        _put(store, session_id, opened + timedelta(minutes=12), state="closed")
    _return(store, "sess-00004", today - timedelta(days=18), [{"position": 0, "quantity": 1}])
    _put(store, "sess-00006", today - timedelta(days=1, hours=-15), profileId=me, storeIntegrationId="store-berlin",
         cartItems=[line("HOOD-020"), line("CAP-002")], couponCodes=["GOODWILL-001"], loyaltyCards=[card],
         attributes={"channel": "web"})


class CodeSupply:
    """Hands out the demo's single-use codes in order, so every run uses the same ones."""

    def __init__(self) -> None:
        self.summer = 0
        self.goodwill = 5

    def next_summer(self) -> str | None:
        if self.summer >= 50:
            return None
        self.summer += 1
        return f"SUMMER-{self.summer:04d}"

    def next_goodwill(self) -> str | None:
        if self.goodwill >= 20:
            return None
        self.goodwill += 1
        return f"GOODWILL-{self.goodwill:03d}"


def _codes(rng: random.Random, supply: CodeSupply) -> list[str]:
    draw = rng.random()
    if draw < 0.15:
        return ["SUMMER20"]
    if draw < 0.25:
        return [code] if (code := supply.next_summer()) else []
    if draw < 0.28:
        return ["BF30"]          # campaign 8 is disabled: rejected
    if draw < 0.31:
        return ["VIPONLY-010"]   # reserved for nobody: CouponReservationRequired
    if draw < 0.35:
        return [code] if (code := supply.next_goodwill()) else []
    return []


def _other_sessions(store: Store, today: datetime) -> None:
    rng = random.Random(RNG_SEED)
    supply = CodeSupply()
    seen: set[int] = set()
    first, last = 7, SESSION_COUNT
    span = timedelta(days=89)
    for number in range(first, last + 1):
        session_id = f"sess-{number:05d}"
        opened = today - timedelta(days=90) + span * (number - first) / (last - first) + timedelta(hours=9)
        anonymous = number % 23 == 0
        person_number = 2 + (number - first) % (PROFILE_COUNT - 1)
        payload = {"profileId": "" if anonymous else profile_id(person_number),
                   "storeIntegrationId": STORES[number % len(STORES)], "cartItems": cart(rng),
                   "attributes": {"channel": rng.choice(["store", "web", "app"])}}
        card = None if anonymous else card_of(person_number)
        if card and rng.random() < 0.7:
            payload["loyaltyCards"] = [card]
        if not anonymous and person_number not in seen and person_number in FRIEND_REFERRALS:
            payload["referralCode"] = FRIEND_REFERRALS[person_number]
        if not anonymous:
            seen.add(person_number)
        _put(store, session_id, opened, **payload)
        codes = _codes(rng, supply)
        if codes:
            _put(store, session_id, opened + timedelta(minutes=3), couponCodes=codes)
        _play_outcome(store, session_id, rng.random(), opened, today)


def _play_outcome(store: Store, session_id: str, draw: float, opened: datetime, today: datetime) -> None:
    """Take the session to one of the states, the way a shop would."""
    closed = opened + timedelta(minutes=10)
    later = closed + min(timedelta(days=2), (today - closed) / 2)
    if draw < 0.10:
        return                                            # still open
    if draw < 0.13:
        _put(store, session_id, closed, state="cancelled")  # abandoned cart
        return
    _put(store, session_id, closed, state="closed")
    if draw < 0.62:
        return
    items = sessions_cart(store, session_id)
    if draw < 0.70:
        _put(store, session_id, later, state="cancelled")   # order cancelled after checkout
    elif draw < 0.84:
        _return(store, session_id, later, [{"position": 0, "quantity": 1}])
    elif draw < 0.92:
        _reopen(store, session_id, later)
    else:
        _return(store, session_id, later, [{"position": len(items) - 1}])
        _put(store, session_id, later + timedelta(hours=1), state="cancelled")


def sessions_cart(store: Store, session_id: str) -> list[dict]:
    with store.read() as tx:
        return sessions.get(tx, session_id)["customerSession"]["cartItems"]


def _manual_points(store: Store, today: datetime) -> None:
    """Hand-made transactions, so the demo shows expired, spent and negative balances too."""
    with at(store, today - timedelta(days=95)), store.write() as tx:
        loyalty.record_manual(tx, 2, "addition", 100, "Birthday bonus", profile=profile_id(1),
                              expiry=ts(today - timedelta(days=50)))
    with at(store, today - timedelta(days=30)), store.write() as tx:
        loyalty.record_manual(tx, 2, "subtraction", 150, "Redeemed: 10.00 voucher", profile=profile_id(1))
    with at(store, today - timedelta(days=2)), store.write() as tx:
        card = loyalty.find_card(tx, 1, card_identifier(2))
        loyalty.record_manual(tx, 1, "subtraction", 300, "Correction: duplicate purchase scanned",
                              profile=profile_id(2), card_id=card["id"])


def seed(store: Store) -> None:
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    _static_records(store, today - timedelta(days=100))
    _alice(store, today)
    _other_sessions(store, today)
    _manual_points(store, today)
