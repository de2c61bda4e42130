-- The sandbox's state: one Talon.One application (ID 1) and one account (ID 1).
-- Nested, read-mostly structures (cart items, effects, campaign definitions) are JSON text;
-- everything the API filters or counts on is a column.

CREATE TABLE profiles (
    id INTEGER PRIMARY KEY,
    integration_id TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    last_activity TEXT NOT NULL,
    closed_sessions INTEGER NOT NULL DEFAULT 0,
    total_sales REAL NOT NULL DEFAULT 0,
    advocate_integration_id TEXT,
    -- 0 for a profile an audience change created: no Application shows it until a session or
    -- profile update names it (CustomerProfileAudienceRequestItem.action).
    in_application INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE audiences (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    integration TEXT,
    integration_id TEXT UNIQUE,
    created TEXT NOT NULL,
    last_update TEXT,
    created_in_3rd_party INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audience_members (
    audience_id INTEGER NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    PRIMARY KEY (audience_id, profile_id)
);
CREATE INDEX audience_members_profile ON audience_members(profile_id);

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    definition TEXT NOT NULL,          -- the engine's campaign dict (state, schedule, rules)
    counters TEXT NOT NULL DEFAULT '{}'  -- couponRedemptionCount, discountCount, ... per the spec
);

CREATE TABLE coupons (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL,
    value TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created TEXT NOT NULL,
    usage_limit INTEGER NOT NULL DEFAULT 1,
    usage_counter INTEGER NOT NULL DEFAULT 0,
    discount_limit REAL,
    discount_counter REAL NOT NULL DEFAULT 0,
    reservation_limit INTEGER,
    start_date TEXT,
    expiry_date TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    referral_id INTEGER,
    recipient_integration_id TEXT,
    batch_id TEXT,
    is_reservation_mandatory INTEGER NOT NULL DEFAULT 0,
    implicitly_reserved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX coupons_campaign ON coupons(campaign_id);

CREATE TABLE coupon_reservations (
    coupon_id INTEGER NOT NULL REFERENCES coupons(id) ON DELETE CASCADE,
    profile_integration_id TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (coupon_id, profile_integration_id)
);
CREATE INDEX coupon_reservations_profile ON coupon_reservations(profile_integration_id);

CREATE TABLE coupon_redemptions (
    id INTEGER PRIMARY KEY,
    coupon_id INTEGER NOT NULL,
    profile_integration_id TEXT,
    session_integration_id TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX coupon_redemptions_coupon ON coupon_redemptions(coupon_id, profile_integration_id);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created TEXT NOT NULL,
    start_date TEXT,
    expiry_date TEXT,
    usage_limit INTEGER NOT NULL DEFAULT 1,
    usage_counter INTEGER NOT NULL DEFAULT 0,
    advocate_integration_id TEXT NOT NULL,
    friend_integration_id TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    batch_id TEXT
);
CREATE INDEX referrals_advocate ON referrals(advocate_integration_id);

CREATE TABLE referral_redemptions (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL,
    friend_integration_id TEXT,
    session_integration_id TEXT NOT NULL,
    created TEXT NOT NULL
);

CREATE TABLE loyalty_programs (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    definition TEXT NOT NULL           -- the spec's LoyaltyProgram fields
);

CREATE TABLE loyalty_cards (
    id INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL,
    identifier TEXT NOT NULL,
    status TEXT NOT NULL,              -- active | inactive (a blocked card is inactive)
    blocked INTEGER NOT NULL DEFAULT 0, -- 1 once transferred: never active again
    block_reason TEXT,
    new_card_identifier TEXT,          -- the card its data was transferred to
    old_card_identifier TEXT,          -- the card whose data was transferred to this one
    users_per_card_limit INTEGER NOT NULL,
    created TEXT NOT NULL,
    modified TEXT,
    batch_id TEXT,
    UNIQUE (program_id, identifier)
);

CREATE TABLE card_profiles (
    card_id INTEGER NOT NULL REFERENCES loyalty_cards(id) ON DELETE CASCADE,
    profile_integration_id TEXT NOT NULL,
    linked TEXT NOT NULL,
    PRIMARY KEY (card_id, profile_integration_id)
);
CREATE INDEX card_profiles_profile ON card_profiles(profile_integration_id);

CREATE TABLE loyalty_members (
    program_id INTEGER NOT NULL,
    profile_integration_id TEXT NOT NULL,
    joined TEXT NOT NULL,
    PRIMARY KEY (program_id, profile_integration_id)
);

-- One row per loyalty transaction. Balances are computed by replaying an account's rows
-- (sandbox/models/ledger.py), so they can never drift from the transaction list.
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY,
    transaction_uuid TEXT NOT NULL,
    program_id INTEGER NOT NULL,
    card_id INTEGER,                   -- card-based programs
    profile_integration_id TEXT,       -- profile-based programs (and who earned, on cards)
    session_integration_id TEXT,
    kind TEXT NOT NULL,                -- addition | subtraction
    name TEXT NOT NULL,
    amount REAL NOT NULL,
    subledger_id TEXT NOT NULL DEFAULT '',
    start_date TEXT,                   -- NULL: active at once
    expiry_date TEXT,                  -- NULL: never expires
    created TEXT NOT NULL,
    ruleset_id INTEGER,
    rule_name TEXT,
    source TEXT NOT NULL,              -- session | manual | import
    reverses TEXT                      -- transaction UUID of the addition this rolls back
);
CREATE INDEX ledger_card ON ledger(card_id);
CREATE INDEX ledger_profile ON ledger(program_id, profile_integration_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    integration_id TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    profile_integration_id TEXT NOT NULL DEFAULT '',
    store_integration_id TEXT,
    state TEXT NOT NULL,
    first_session INTEGER NOT NULL DEFAULT 0,
    update_count INTEGER NOT NULL DEFAULT 0,
    coupon TEXT NOT NULL DEFAULT '',   -- the coupon codes, comma-joined (ApplicationSession.coupon)
    referral TEXT NOT NULL DEFAULT '',
    total REAL NOT NULL DEFAULT 0,
    cart_item_total REAL NOT NULL DEFAULT 0,
    additional_cost_total REAL NOT NULL DEFAULT 0,
    total_discounts REAL NOT NULL DEFAULT 0,
    data TEXT NOT NULL,                -- couponCodes, referralCode, loyaltyCards, cartItems, ...
    effects TEXT NOT NULL DEFAULT '[]',    -- the effects of the last evaluation
    committed TEXT NOT NULL DEFAULT '[]',  -- effects applied when it closed, not yet rolled back
    closed TEXT                        -- when it last closed
);
CREATE INDEX sessions_profile ON sessions(profile_integration_id);
CREATE INDEX sessions_state ON sessions(state);

CREATE TABLE returns (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL,
    created TEXT NOT NULL,
    returned_items TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    profile_integration_id TEXT,
    effects TEXT NOT NULL DEFAULT '[]'  -- the rollback effects this return applied
);
CREATE INDEX returns_session ON returns(session_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    type TEXT NOT NULL,
    profile_integration_id TEXT,
    store_integration_id TEXT,
    session_integration_id TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    effects TEXT NOT NULL DEFAULT '[]',
    rule_failure_reasons TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX events_session ON events(session_integration_id);
CREATE INDEX events_profile ON events(profile_integration_id);

CREATE TABLE idempotency (
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (key, operation)
);

CREATE TABLE achievements (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL,
    created TEXT NOT NULL,
    definition TEXT NOT NULL           -- name, title, description, target, period, policies
);

CREATE TABLE achievement_progress (
    id INTEGER PRIMARY KEY,
    achievement_id INTEGER NOT NULL,
    profile_integration_id TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL,              -- inprogress | completed | expired
    start_date TEXT NOT NULL,
    completion_date TEXT,
    end_date TEXT
);
CREATE INDEX achievement_progress_profile ON achievement_progress(profile_integration_id, achievement_id);

CREATE TABLE giveaway_pools (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL
);

CREATE TABLE giveaways (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    created TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    used INTEGER NOT NULL DEFAULT 0,
    profile_integration_id TEXT
);
CREATE INDEX giveaways_profile ON giveaways(profile_integration_id);

CREATE TABLE catalogs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);

CREATE TABLE catalog_items (
    catalog_id INTEGER NOT NULL,
    sku TEXT NOT NULL,
    price REAL,
    attributes TEXT NOT NULL DEFAULT '{}',
    product TEXT,
    PRIMARY KEY (catalog_id, sku)
);

-- Custom attribute definitions (the Management API's Attribute): account-wide, per entity.
CREATE TABLE attributes (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,              -- CustomerProfile | CustomerSession | CartItem | ...
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    type TEXT NOT NULL,                -- string | number | boolean | time | (list string) | ...
    description TEXT NOT NULL,
    suggestions TEXT NOT NULL DEFAULT '[]',
    editable INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL,
    UNIQUE (entity, name)
);
