""""Why not?" against the sandbox over HTTP: the session, customer and coupon pages explain in
words, find what would change the outcome by extra dry runs within the budget, save nothing and
audit the explanation as a dry run."""

from __future__ import annotations

import pytest

from tests.conftest import SandboxHTTP, console_config
from tests.web.test_sessions_support import agent, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import audit_rows, field_error, text

THRESHOLD_SESSION = "sess-first-order"
NEW_CUSTOMER = "cust-9001"  # no closed session: the Welcome discount's first order


@pytest.fixture
def app_config(talon_sandbox, tmp_path):
    return console_config(talon_sandbox, tmp_path / "console.db", TALON_RETRIES=0)


@pytest.fixture
def threshold_session(talon_sandbox):
    """An open first order of 18.50: the Welcome discount needs 20.00."""
    response = SandboxHTTP(talon_sandbox).put(
        f"/v2/customer_sessions/{THRESHOLD_SESSION}",
        json={"customerSession": {"profileId": NEW_CUSTOMER, "storeIntegrationId": "store-berlin",
                                  "cartItems": [{"sku": "SOCK-001", "name": "Socks", "quantity": 2,
                                                 "price": 9.25, "category": "socks"}]}})
    response.raise_for_status()
    return THRESHOLD_SESSION


def dry_runs(upstream) -> list[dict]:
    return [e for e in upstream.log("PUT", r"^/v2/customer_sessions/whynot-")]


def explain_session(client, session_id: str, **headers):
    return client.post(f"/sessions/{session_id}/why-not", data={"csrf_token": client.csrf},
                       headers=headers)


def test_the_session_page_offers_why_not(agent):
    page = agent.get("/sessions/sess-00006")
    html = page.get_data(as_text=True)
    assert 'hx-post="/sessions/sess-00006/why-not"' in html
    assert "Why not? Explain this session" in html


def test_a_threshold_missed_by_a_little_says_how_much_more(agent, upstream, app, threshold_session):
    before = upstream.session(threshold_session)
    changes_before = upstream.changes("PUT", r"^/v2/customer_sessions/")
    response = explain_session(agent, threshold_session, **{"HX-Request": "true"})
    assert response.status_code == 200
    words = text(response)
    assert "<html" not in response.get_data(as_text=True), "htmx gets the box alone"
    assert "Welcome discount" in words
    assert "cart subtotal 18.50 is not >= 20.00" in words
    assert "Add €1.50 to the cart, to reach €20.00" in words
    assert ("Found by dry run 1 with €20.00 in the cart reached it; dry run 2 with €19.99 did not"
            in words)
    assert "Welcome 10% (-€2.00)" in words, "what the change would give"
    assert "Add an item of category shoes" in words

    # nothing saved: every request was a dry run on a throwaway session, the session is as it was
    sent = dry_runs(upstream)
    assert sent and all("dry=true" in e["query"] for e in sent)
    assert upstream.changes("PUT", r"^/v2/customer_sessions/") == changes_before
    assert upstream.session(threshold_session) == before
    (entry,) = audit_rows(app, action="session.why_not")
    assert entry.dry_run and entry.outcome == "success" and entry.target_id == threshold_session
    assert entry.summary["dry_runs"] == len(sent)
    assert entry.summary["search_budget"] == 8
    assert "Add €1.50 to the cart, to reach €20.00" in entry.summary["findings"]


def test_the_budget_stops_the_search_and_the_page_says_so(login_as, app, upstream, threshold_session):
    app.config["WHY_NOT_DRY_RUNS"] = 1
    agent = login_as("agent")
    words = text(explain_session(agent, threshold_session))
    assert len(dry_runs(upstream)) == 2, "the explanation's own dry run and one extra"
    assert "The budget stopped the search after 1 dry runs" in words
    assert "Not tried: add €1.49 to the cart (€19.99 in all)" in words
    assert "Add at most €1.50 to the cart" in words
    assert "the budget stopped the search before trying one cent less" in words
    (entry,) = audit_rows(app, action="session.why_not")
    assert entry.summary["stopped_by_budget"] is True and entry.summary["dry_runs"] == 2


def test_no_budget_no_search(login_as, app, upstream, threshold_session):
    app.config["WHY_NOT_DRY_RUNS"] = 0
    words = text(explain_session(login_as("agent"), threshold_session))
    assert len(dry_runs(upstream)) == 1
    assert "switched off" in words and "Welcome discount" in words


def test_a_code_reserved_for_someone_else_works_for_who_reserved_it(agent, upstream, app):
    response = agent.post("/customers/cust-0001/why-not", data={
        "csrf_token": agent.csrf, "code": "VIPONLY-003", "kind": "coupon"})
    words = text(response)
    assert response.status_code == 200
    assert "VIPONLY-003 ✗ rejected" in words
    assert "This code is reserved for another customer: only the customers who reserved it can use it." in words
    assert "This code works for cust-0007, who reserved it" in words
    assert "dry run 1 evaluated the same cart for cust-0007 and accepted the code" in words
    assert "the customer's newest open session" in words and "sess-00006" in words
    assert 'href="/campaigns/2"' in response.get_data(as_text=True), "linked to its campaign"
    (entry,) = audit_rows(app, action="customer.why_not")
    assert entry.dry_run and entry.target_id == "cust-0001"
    assert entry.summary["rejected"] == {"VIPONLY-003": "CouponReservationRequired"}


def test_a_used_up_code_says_how_often_it_was_used(agent):
    words = text(agent.post("/customers/cust-0001/why-not", data={
        "csrf_token": agent.csrf, "code": "VIPONLY-002", "kind": "coupon"}))
    assert "Used 1 of 1 times: the code has no uses left." in words
    assert "Nothing to try: no change to the session undoes this reason" in words


def test_an_unknown_code_and_a_referral_code(agent):
    words = text(agent.post("/customers/cust-0002/why-not", data={
        "csrf_token": agent.csrf, "code": "NOSUCHCODE", "kind": "coupon"}))
    assert "No code “NOSUCHCODE” exists in Talon.One" in words
    words = text(agent.post("/customers/cust-0001/why-not", data={
        "csrf_token": agent.csrf, "code": "REF-ALICE", "kind": "referral"}))
    assert ("This is the customer's own referral code: an advocate cannot use their own code."
            in words)


def test_a_disabled_campaign_is_tried_for_marketers_only(login_as, app):
    marketer = login_as("marketer")
    words = text(marketer.post("/coupons/BF30/why-not", data={
        "csrf_token": marketer.csrf, "profile_id": "cust-0001"}))
    assert "The campaign “Black Friday preview” is switched off (disabled) in Talon.One" in words
    assert "It would work if “Black Friday preview” were enabled" in words
    agent = login_as("agent")
    words = text(agent.post("/coupons/BF30/why-not", data={
        "csrf_token": agent.csrf, "profile_id": "cust-0001"}))
    assert "switched off" in words and "It would work if" not in words
    assert "for marketers and admins only" in words
    assert [e.actor for e in audit_rows(app, action="coupon.why_not")] == ["marketer", "agent"]


def test_the_given_session_is_the_cart(agent, threshold_session):
    words = text(agent.post("/customers/cust-0001/why-not", data={
        "csrf_token": agent.csrf, "code": "SUMMER20", "kind": "coupon",
        "session_id": threshold_session}))
    assert "SUMMER20 ✓ accepted" in words and "Summer 20% (-€3.70)" in words
    assert "the session given" in words


@pytest.mark.parametrize("data,field_id,message", [
    ({"code": ""}, "code", "Enter the code the customer typed."),
    ({"code": "<b>X</b>"}, "code", "cannot contain markup"),
    ({"code": "X" * 101}, "code", "at most 100 characters"),
    ({"code": "SUMMER20", "session_id": "a b"}, "session_id", "cannot contain spaces"),
    ({"code": "SUMMER20", "kind": "gift"}, "kind", "Not a valid choice"),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_sent(agent, upstream, app, data,
                                                                    field_id, message):
    response = agent.post("/customers/cust-0001/why-not", data={"csrf_token": agent.csrf, **data})
    assert response.status_code == 422
    assert message in field_error(response, field_id)
    assert dry_runs(upstream) == [] and audit_rows(app, action="customer.why_not") == []


def test_an_unknown_session_given_is_said_next_to_its_field(agent, upstream):
    response = agent.post("/customers/cust-0001/why-not", data={
        "csrf_token": agent.csrf, "code": "SUMMER20", "session_id": "sess-nope"})
    assert response.status_code == 422
    assert "Talon.One has no session “sess-nope”." in field_error(response, "session_id")
    assert dry_runs(upstream) == []


def test_an_unknown_session_is_a_404(agent):
    assert explain_session(agent, "sess-nope").status_code == 404
    assert agent.get("/sessions/a%20b/why-not").status_code == 404


def test_talon_one_failing_is_a_clear_message_audited_as_a_failed_dry_run(agent, upstream, app):
    upstream.fault(r"^/v2/customer_sessions/whynot-", "PUT", status=503)
    response = explain_session(agent, "sess-00006")
    assert response.status_code == 502
    assert "Talon.One is unavailable (HTTP 503)" in text(response)
    (entry,) = audit_rows(app, action="session.why_not")
    assert entry.outcome == "failure" and entry.dry_run and entry.upstream_status == 503


def test_the_campaign_page(agent):
    words = text(agent.get("/campaigns/1"))
    assert "Welcome discount" in words and "10% off a customer's first order" in words
    assert agent.get("/campaigns/999").status_code == 404


def test_an_expired_code_says_when_it_expired(agent):
    words = text(agent.post("/customers/cust-0002/why-not", data={
        "csrf_token": agent.csrf, "code": "EASTER25", "kind": "coupon"}))
    assert "EASTER25 ✗ rejected : The code expired on 22 April 2025." in words
    assert "Talon.One's reason: CouponExpired" in words
