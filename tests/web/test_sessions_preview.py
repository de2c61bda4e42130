"""The dry-run preview: bad input never reaches Talon.One, a preview shows before and after side
by side, and it saves nothing (the session is compared before and after)."""

from __future__ import annotations

import pytest

from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import SLOW_ANSWER, audit_rows, field_error, text

SESSION = "sess-00001"  # closed: RUN-100 × 1 (shoes, 89.90), TEE-010 × 2 (shirts, 19.90), card 4000-0001
PUT = rf"^/v2/customer_sessions/{SESSION}$"


def preview_form(client, **changes) -> dict:
    """The preview form as GET renders it for SESSION, with ``changes`` applied."""
    data = {
        "csrf_token": client.csrf,
        "items-0-origin": "0", "items-0-sku": "RUN-100", "items-0-name": "Trail runner",
        "items-0-quantity": "1", "items-0-price": "89.90", "items-0-category": "shoes",
        "items-1-origin": "1", "items-1-sku": "TEE-010", "items-1-name": "Organic T-shirt",
        "items-1-quantity": "2", "items-1-price": "19.90", "items-1-category": "shirts",
        "coupon_codes": "", "referral_code": "", "loyalty_cards": "4000-0001",
        "attributes": "channel = store", "target_state": "closed", "run": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_starts_from_the_session_as_it_is(agent):
    page = agent.get(f"/sessions/{SESSION}/preview")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="RUN-100"' in html and 'value="TEE-010"' in html and "4000-0001" in html
    assert "channel = store" in html
    assert '<option selected value="closed">' in html
    assert "Nothing is saved." in text(page)


@pytest.mark.parametrize("changes,field_id,message", [
    ({"items-1-quantity": "0"}, "items-1-quantity", "At least 1; tick Remove"),
    ({"items-1-quantity": "-2"}, "items-1-quantity", "At least 1"),
    ({"items-1-quantity": "many"}, "items-1-quantity", "Enter a whole number"),
    ({"items-1-quantity": "10001"}, "items-1-quantity", "At most 10000"),
    ({"items-1-price": "cheap"}, "items-1-price", "Not a valid decimal value"),
    ({"items-1-price": "-1"}, "items-1-price", "Between 0 and"),
    ({"items-1-sku": ""}, "items-1-sku", "Every item needs a SKU"),
    ({"items-1-name": "<img src=x onerror=alert(1)>"}, "items-1-name", "plain text"),
    ({"items-1-origin": "9"}, "items-1-sku", "no item at position 9"),
    ({"coupon_codes": "<b>SUMMER20</b>"}, "coupon_codes", "not a valid coupon code"),
    ({"coupon_codes": "SUMMER20\nSUMMER20"}, "coupon_codes", "listed twice"),
    ({"coupon_codes": "\n".join(f"C{n}" for n in range(21))}, "coupon_codes", "At most 20"),
    ({"coupon_codes": "X" * 101}, "coupon_codes", "longer than 100"),
    ({"loyalty_cards": "card with spaces"}, "loyalty_cards", "not a valid card identifier"),
    ({"referral_code": "REF ALICE"}, "referral_code", "not a valid referral code"),
    ({"attributes": "no equals sign"}, "attributes", "write name = value"),
    ({"attributes": "9lives = yes"}, "attributes", "is not an attribute name"),
    ({"attributes": "note = <script>x</script>"}, "attributes", "plain text"),
    ({"target_state": "partially_returned"}, "target_state", "Not a valid choice"),
])
def test_bad_input_gets_a_field_error_and_is_not_sent(agent, upstream, app, changes, field_id, message):
    response = agent.post(f"/sessions/{SESSION}/preview", data=preview_form(agent, **changes))
    assert response.status_code == 422
    assert message in field_error(response, field_id)
    assert "<script>x" not in response.get_data(as_text=True)
    assert upstream.log("PUT", PUT) == []
    assert audit_rows(app, action="session.preview") == []


def test_adding_a_line_sends_nothing(agent, upstream):
    data = preview_form(agent, run=None, add_item="1")
    response = agent.post(f"/sessions/{SESSION}/preview", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="items-2-sku"' in html and "<html" not in html
    assert upstream.log("PUT", PUT) == []


def test_a_preview_adding_a_coupon_shows_its_effect_and_saves_nothing(agent, upstream, app):
    before = upstream.session(SESSION)
    response = agent.post(f"/sessions/{SESSION}/preview", data=preview_form(agent, coupon_codes="SUMMER20"))
    assert response.status_code == 200
    body = text(response)
    assert "+ Added — Coupon SUMMER20 accepted" in body
    assert "+ Added — Summer 20% (-€25.94)" in body
    assert "Discounts €26.46 €39.43 ~ Changed +€12.97" in body
    assert "− Removed Welcome 10% (-€12.97)" in body
    assert "Nothing was saved." in body
    assert upstream.session(SESSION) == before
    sent = upstream.log("PUT", PUT)
    assert len(sent) == 1 and "dry=true" in sent[0]["query"]
    [entry] = audit_rows(app, action="session.preview")
    assert entry.dry_run and entry.outcome == "success" and entry.summary["coupon_codes"] == ["SUMMER20"]


def test_a_rejected_coupon_is_explained(agent):
    body = text(agent.post(f"/sessions/{SESSION}/preview", data=preview_form(agent, coupon_codes="VIPONLY-005")))
    assert "Rejected" in body
    assert "Coupon VIPONLY-005 rejected: reservation required" in body


def test_removing_an_item_changes_the_totals(agent):
    body = text(agent.post(f"/sessions/{SESSION}/preview", data=preview_form(agent, **{"items-0-remove": "y"})))
    assert "Items 3 2 ~ Changed -1" in body
    assert "Cart value €129.70 €39.80 ~ Changed -€89.90" in body
    assert "− Removed Shoe week 15% on Trail runner" in body


def test_what_a_cancellation_would_roll_back(agent, upstream):
    body = text(agent.post(f"/sessions/{SESSION}/preview", data=preview_form(agent, target_state="cancelled")))
    assert "Evaluated as cancelled" in body
    # Talon.One evaluates the payload alone: the order as sent now, rolled back
    assert "+ Added — Discount Shoe week 15% on Trail runner taken back (+€13.49)" in body
    assert "+ Added — 259 earned points taken back from cust-0001's balance" in body
    assert upstream.state(SESSION) == "closed"


def test_every_role_may_preview(login_as):
    marketer = login_as("marketer")
    assert marketer.get(f"/sessions/{SESSION}/preview").status_code == 200
    assert marketer.post(f"/sessions/{SESSION}/preview", data=preview_form(marketer)).status_code == 200


@pytest.mark.parametrize("rule,status,words", [
    ({"status": 500}, 502, "Talon.One is unavailable (HTTP 500)"),
    ({"status": 409}, 409, "Talon.One reported a conflict (HTTP 409)"),
    (SLOW_ANSWER, 504, "Nothing is saved by a preview"),
])
def test_a_failed_preview_is_explained_and_audited(agent, upstream, app, rule, status, words):
    upstream.fault(PUT, "PUT", **rule)
    response = agent.post(f"/sessions/{SESSION}/preview", data=preview_form(agent, coupon_codes="SUMMER20"))
    assert response.status_code == status
    assert words in text(response)
    assert 'value="SUMMER20"' in response.get_data(as_text=True) or "SUMMER20</textarea>" in response.get_data(as_text=True)
    [entry] = audit_rows(app, action="session.preview")
    assert entry.dry_run and entry.outcome == "failure"
    upstream.wait_for("PUT", PUT, dry_runs=True)
    assert upstream.state(SESSION) == "closed"
