"""Coupon pages against the sandbox: find, show (hard or soft reservation), reserve and remove
for one profile or a list, and the customer page's goodwill widget."""

from __future__ import annotations

import io
import re

import pytest

from tests.web.helpers import audit_rows
from tests.web.test_bulk_helpers import quick_timeout_config as app_config  # noqa: F401
from tests.web.test_bulk_helpers import (  # noqa: F401  (marketer: fixture)
    faults,
    hx_post,
    let_slow_requests_finish,
    marketer,
    reserved_ids,
    run_job,
    sent,
)


def test_find_redirects_to_the_coupon(marketer):
    response = marketer.get("/coupons?code=VIPONLY-001")
    assert response.status_code == 303 and response.headers["Location"] == "/coupons/VIPONLY-001"


@pytest.mark.parametrize("code, status, message", [
    ("NO-SUCH-CODE", 404, "No coupon has the code"),
    ("%3Cscript%3E", 400, "markup"),
    ("a" * 300, 400, "at most 255"),
])
def test_unknown_or_malformed_codes_are_explained_next_to_the_field(marketer, code, status, message):
    response = marketer.get(f"/coupons/{code}")
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in body and 'id="code-errors"' in body
    assert "<script>" not in body


def test_find_form_refuses_bad_input(marketer):
    response = marketer.get("/coupons?code=two+words")
    assert response.status_code == 422 and "spaces" in response.get_data(as_text=True)


def test_hard_reservation_coupon_page(marketer):
    body = marketer.get("/coupons/VIPONLY-001").get_data(as_text=True)
    assert "mandatory (hard)" in body and "Hard reservation." in body
    assert "CouponReservationRequired" in body
    assert "Summer coupons" in body and "0 of 1" in body
    assert 'href="/customers/cust-0001"' in body  # the demo reservation


def test_soft_reservation_and_disabled_campaign(marketer):
    soft = marketer.get("/coupons/SUMMER20").get_data(as_text=True)
    assert "optional (soft)" in soft and "Soft reservation." in soft and "unlimited" in soft
    disabled = marketer.get("/coupons/BF30").get_data(as_text=True)
    assert "refused: its campaign is disabled" in disabled


def test_reserve_and_remove_one_profile(app, marketer, talon_sandbox):
    reserved = hx_post(marketer, "/coupons/VIPONLY-002/reservations",
                       {"reservations-action": "reserve", "reservations-profile_id": "cust-0005"})
    assert reserved.status_code == 200 and "1 reserved" in reserved.get_data(as_text=True)
    assert "cust-0005" in reserved_ids(talon_sandbox, "VIPONLY-002")
    removed = hx_post(marketer, "/coupons/VIPONLY-002/reservations",
                      {"reservations-action": "remove", "reservations-profile_id": "cust-0005"})
    assert "1 removed" in removed.get_data(as_text=True)
    assert "cust-0005" not in reserved_ids(talon_sandbox, "VIPONLY-002")
    final = [(e.action, e.outcome, e.target_id) for e in audit_rows(app, target_type="coupon")
             if not e.action.endswith(".chunk")]
    assert final == [("coupon.reserve", "success", "VIPONLY-002"),
                     ("coupon.unreserve", "success", "VIPONLY-002")]


def test_a_list_reserves_the_valid_ids_and_lists_the_others(app, marketer, talon_sandbox):
    pasted = "cust-0010\ncust-0011, cust-0010\nno such profile\nghost-0001\n<x>\ncust-0012"
    body = hx_post(marketer, "/coupons/SUMMER-0007/reservations",
                   {"reservations-action": "reserve", "reservations-pasted": pasted}).get_data(as_text=True)
    body = run_job(marketer, body)
    assert "3 reserved" in body
    rows = dict(re.findall(r'<code>([^<]*)</code></td>\s*<td>([^<]*)', body))
    assert rows["cust-0010"].startswith("not sent: duplicate")
    assert "space" in rows["no such profile"]
    assert rows["ghost-0001"].startswith("refused:") and "404" in rows["ghost-0001"]
    assert "markup" in rows["&lt;x&gt;"]
    assert sorted(reserved_ids(talon_sandbox, "SUMMER-0007")) == ["cust-0010", "cust-0011", "cust-0012"]
    final = audit_rows(app, action="coupon.reserve")[-1]
    assert final.summary["reserved"] == 3 and final.summary["failed"] == 1
    assert final.summary["refused_before_sending"] == 3


def test_a_csv_of_reservations(marketer, talon_sandbox):
    csv = b"profileId,note\ncust-0020,a\ncust-0021,b\n\ncust-0022,c\n"
    body = hx_post(marketer, "/coupons/SUMMER-0008/reservations",
                   {"reservations-action": "reserve",
                    "reservations-upload": (io.BytesIO(csv), "ids.csv")}).get_data(as_text=True)
    assert "3 reserved" in run_job(marketer, body)
    assert sorted(reserved_ids(talon_sandbox, "SUMMER-0008")) == ["cust-0020", "cust-0021", "cust-0022"]


def test_a_timed_out_reservation_is_unknown_not_failed(app, marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "coupon_reservations/SUMMER-0009", "method": "POST",
                           "timeout": True, "count": 1})
    body = hx_post(marketer, "/coupons/SUMMER-0009/reservations",
                   {"reservations-action": "reserve", "reservations-profile_id": "cust-0030"}).get_data(as_text=True)
    assert 'data-job-status="paused"' in body and "may have happened" in body
    assert [e.outcome for e in audit_rows(app, action="coupon.reserve.chunk")] == ["unknown"]
    let_slow_requests_finish(talon_sandbox)
    assert len(sent(talon_sandbox, "POST", "/v1/coupon_reservations/SUMMER-0009")) == 1


def test_rate_limited_reservation_pauses_and_says_when_to_retry(app, marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "coupon_reservations/SUMMER-0010", "method": "POST",
                           "status": 429, "retryAfter": 30})
    body = hx_post(marketer, "/coupons/SUMMER-0010/reservations",
                   {"reservations-action": "reserve", "reservations-profile_id": "cust-0031"}).get_data(as_text=True)
    assert 'data-job-status="paused"' in body and "Wait 30 s" in body
    assert reserved_ids(talon_sandbox, "SUMMER-0010") == []
    [chunk] = audit_rows(app, action="coupon.reserve.chunk")
    assert (chunk.outcome, chunk.upstream_status) == ("failure", 429)


def test_goodwill_widget_reserves_the_next_free_code(app, login_as, talon_sandbox):
    agent = login_as("agent")
    widget = agent.get("/customers/cust-0003/goodwill-coupon", headers={"HX-Request": "true"})
    free = re.search(r"<strong>(GOODWILL-\d+)</strong>", widget.get_data(as_text=True)).group(1)
    done = hx_post(agent, "/customers/cust-0003/goodwill-coupon", {"goodwill-choice": "next"})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and f"{free} is now reserved for cust-0003" in body
    assert "soft reservation" in body
    assert reserved_ids(talon_sandbox, free) == ["cust-0003"]
    # the widget now offers another code
    assert f"<strong>{free}</strong>" not in body
    [entry] = audit_rows(app, action="coupon.reserve")
    assert (entry.target_id, entry.outcome, entry.actor) == (free, "success", "agent")


def test_goodwill_widget_typed_code(login_as, talon_sandbox):
    agent = login_as("agent")
    unknown = hx_post(agent, "/customers/cust-0003/goodwill-coupon",
                      {"goodwill-choice": "typed", "goodwill-code": "GOODWILL-999"})
    assert unknown.status_code == 404 and "No coupon has the code" in unknown.get_data(as_text=True)
    bad = hx_post(agent, "/customers/cust-0003/goodwill-coupon",
                  {"goodwill-choice": "typed", "goodwill-code": "<b>"})
    assert bad.status_code == 422 and "markup" in bad.get_data(as_text=True)
    ok = hx_post(agent, "/customers/cust-0003/goodwill-coupon",
                 {"goodwill-choice": "typed", "goodwill-code": "GOODWILL-020"})
    assert "GOODWILL-020 is now reserved" in ok.get_data(as_text=True)
    assert "cust-0003" in reserved_ids(talon_sandbox, "GOODWILL-020")


def test_goodwill_widget_roles(app, login_as):
    manager = login_as("manager")
    widget = manager.get("/customers/cust-0003/goodwill-coupon", headers={"HX-Request": "true"})
    assert widget.status_code == 200 and "needs an agent" in widget.get_data(as_text=True)
    refused = hx_post(manager, "/customers/cust-0003/goodwill-coupon", {"goodwill-choice": "next"})
    assert refused.status_code == 403
    assert [e.outcome for e in audit_rows(app, action="permission.refused")] == ["refused"]
    assert login_as("agent").get("/customers/%3Cx%3E/goodwill-coupon").status_code == 400


def test_manager_cannot_reserve_in_bulk(login_as):
    manager = login_as("manager")
    assert manager.get("/coupons/SUMMER20").status_code == 200
    assert hx_post(manager, "/coupons/SUMMER20/reservations",
                   {"reservations-action": "reserve",
                    "reservations-profile_id": "cust-0002"}).status_code == 403


def test_a_failing_section_does_not_blank_the_page(marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "customerprofiles", "method": "GET", "status": 503})
    response = marketer.get("/coupons/VIPONLY-001")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "mandatory (hard)" in body  # the facts still show
    assert 'class="inline-error"' in body and "Try again" in body
