"""Transport behaviour against a scripted upstream over real HTTP: headers, retries, timeouts,
"outcome unknown", error mapping, circuit breaker, and that keys never leak."""
from __future__ import annotations

import json
import logging

import pytest

from app.talon import (
    TalonBadRequest,
    TalonCircuitOpen,
    TalonConflict,
    TalonError,
    TalonMalformedResponse,
    TalonNotFound,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonService,
    TalonTimeout,
    TalonUnauthorized,
    TalonUnavailable,
)
from app.talon.client import USER_AGENT
from tests.talon.conftest import INTEGRATION_KEY, MANAGEMENT_KEY, stub_settings
from tests.talon.manual_time import ManualTime
from tests.talon.stub_upstream import Reply

SESSION = "/v2/customer_sessions/s1"
RETURNS = "/v2/customer_sessions/s1/returns"
ERROR_BODY = {
    "message": "Invalid session",
    "errors": [{"title": "Bad value", "details": "state must be open or closed",
                "source": {"pointer": "/customerSession/state"}}],
}
SESSION_BODY = {"customerSession": {"integrationId": "s1", "state": "open", "cartItems": []},
                "effects": []}


def test_headers_user_agent_auth_and_request_id(stub, make_service):
    service = make_service()
    stub.queue(SESSION, Reply(body=SESSION_BODY))
    service.integration.get_customer_session("s1")
    stub.queue("/v1/applications/1/campaigns", Reply(body={"totalResultSize": 0, "data": []}))
    service.management.list_campaigns()

    integration, management = stub.received
    assert integration.headers["Authorization"] == f"ApiKey-v1 {INTEGRATION_KEY}"
    assert management.headers["Authorization"] == f"ManagementKey-v1 {MANAGEMENT_KEY}"
    assert integration.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("TalonDesk/")
    assert len(integration.headers["X-Request-Id"]) == 16
    assert integration.headers["X-Request-Id"] != management.headers["X-Request-Id"]


def test_one_session_with_a_pool_sized_by_config(make_service):
    service = make_service(pool_size=24)
    adapter = service.http.get_adapter("http://example")
    assert adapter._pool_maxsize == 24
    assert service.http is service.transport.http


def test_get_retries_503_then_succeeds(stub, make_service):
    service = make_service()
    stub.queue(SESSION, Reply(503, {"message": "busy"}), Reply(503, {"message": "busy"}),
               Reply(body=SESSION_BODY))
    state = service.integration.get_customer_session("s1")
    assert state.session.integration_id == "s1"
    assert len(stub.hits(SESSION)) == 3
    assert service.circuit.state == "closed"


def test_get_gives_up_after_configured_retries(stub, make_service):
    service = make_service(retries=1)
    stub.queue(SESSION, *[Reply(502, {"message": "bad gateway"})] * 3)
    with pytest.raises(TalonUnavailable) as caught:
        service.integration.get_customer_session("s1")
    assert caught.value.status == 502
    assert len(stub.hits(SESSION)) == 2


def test_get_429_honours_retry_after(stub, make_service):
    clock = ManualTime()  # the wait is the transport's sleep, not the test's
    service = make_service(sleep=clock.sleep)
    stub.queue(SESSION, Reply(429, {"message": "slow down"}, {"Retry-After": "1"}),
               Reply(body=SESSION_BODY))
    started = clock.now()
    service.integration.get_customer_session("s1")
    waited = clock.now() - started
    assert 1.0 <= waited < 1.5
    assert len(stub.hits(SESSION)) == 2


def test_429_with_retry_after_beyond_the_cap_is_not_waited_out(stub, make_service):
    clock = ManualTime()
    service = make_service(retry_after_max=1.0, sleep=clock.sleep)
    stub.queue(SESSION, Reply(429, {"message": "slow down"}, {"Retry-After": "30"}))
    with pytest.raises(TalonRateLimited) as caught:
        service.integration.get_customer_session("s1")
    assert clock.slept == []  # not waited out, not even in part
    assert caught.value.retry_after == 30
    assert caught.value.status == 429
    assert len(stub.hits(SESSION)) == 1


def test_get_read_timeout_is_retried_then_reported_as_timeout(stub, make_service):
    service = make_service(retries=1, read_timeout=0.2)
    stub.queue(SESSION, Reply(delay=0.5, body=SESSION_BODY), Reply(delay=0.5, body=SESSION_BODY))
    with pytest.raises(TalonTimeout) as caught:
        service.integration.get_customer_session("s1")
    assert not isinstance(caught.value, TalonOutcomeUnknown)
    assert len(stub.hits(SESSION)) == 2


def test_put_is_never_retried_on_503(stub, make_service):
    service = make_service()
    stub.queue(SESSION, Reply(503, {"message": "busy"}), Reply(body=SESSION_BODY))
    with pytest.raises(TalonUnavailable):
        service.integration.update_customer_session("s1", state="closed")
    assert len(stub.hits(SESSION, "PUT")) == 1


def test_put_read_timeout_is_outcome_unknown_and_sent_once(stub, make_service):
    service = make_service(read_timeout=0.2)
    stub.queue(SESSION, Reply(delay=0.6, body=SESSION_BODY))
    with pytest.raises(TalonOutcomeUnknown) as caught:
        service.integration.update_customer_session("s1", state="closed")
    assert isinstance(caught.value, TalonTimeout)  # the UI may catch either
    assert "may have happened" in caught.value.headline
    # the stub logs a request on arrival, and a retry would have been sent before the call
    # returned: nothing more can come
    assert len(stub.hits(SESSION, "PUT")) == 1


def test_504_on_a_change_is_outcome_unknown(stub, make_service):
    service = make_service()
    stub.queue(SESSION, Reply(504, {"message": "gateway timeout"}))
    with pytest.raises(TalonOutcomeUnknown) as caught:
        service.integration.update_customer_session("s1", state="closed")
    assert caught.value.status == 504


def test_dry_run_is_safe_so_it_retries_and_times_out_plainly(stub, make_service):
    service = make_service(read_timeout=0.2, retries=1)
    stub.queue(SESSION, Reply(503, {"message": "busy"}), Reply(body=SESSION_BODY))
    service.integration.update_customer_session("s1", state="closed", dry=True)
    assert len(stub.hits(SESSION, "PUT")) == 2
    assert "dry=true" in stub.hits(SESSION)[0].query

    stub.queue(SESSION, Reply(delay=0.5), Reply(delay=0.5))
    with pytest.raises(TalonTimeout) as caught:
        service.integration.update_customer_session("s1", state="closed", dry=True)
    assert not isinstance(caught.value, TalonOutcomeUnknown)


def test_return_with_idempotency_key_is_retried_with_the_same_key(stub, make_service):
    service = make_service(read_timeout=0.3)
    stub.queue(RETURNS, Reply(delay=0.6, body=SESSION_BODY), Reply(body=SESSION_BODY))
    service.integration.return_cart_items("s1", [(0, 1)], idempotency_key="return-form-42")
    hits = stub.hits(RETURNS, "POST")
    assert len(hits) == 2
    assert {h.headers["Idempotency-Key"] for h in hits} == {"return-form-42"}
    assert json.loads(hits[0].body) == {"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}}


def test_return_without_idempotency_key_is_sent_once(stub, make_service):
    service = make_service(read_timeout=0.2)
    stub.queue(RETURNS, Reply(delay=0.5, body=SESSION_BODY))
    with pytest.raises(TalonOutcomeUnknown):
        service.integration.return_cart_items("s1", [(0, 1)])
    assert len(stub.hits(RETURNS)) == 1  # logged on arrival; no retry can follow the raise


def test_idempotent_return_whose_retries_all_fail_stays_outcome_unknown(stub, make_service):
    """First try timed out (may have applied), the retries get 503: still 'may have happened'."""
    service = make_service(read_timeout=0.2, retries=1)
    stub.queue(RETURNS, Reply(delay=0.5), Reply(503, {"message": "busy"}))
    with pytest.raises(TalonOutcomeUnknown) as caught:
        service.integration.return_cart_items("s1", [(0, 1)], idempotency_key="k-1")
    assert caught.value.status == 503


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, TalonBadRequest), (401, TalonUnauthorized), (403, TalonUnauthorized),
        (404, TalonNotFound), (409, TalonConflict), (429, TalonRateLimited),
        (500, TalonUnavailable), (503, TalonUnavailable),
    ],
)
def test_status_maps_to_error_class(stub, make_service, status, error_class):
    service = make_service(retries=0)
    stub.queue(SESSION, Reply(status, ERROR_BODY, {"Retry-After": "7"} if status == 429 else {}))
    # getCustomerSession's 400 is its unknown session (its only documented error): not found
    expected = TalonNotFound if status == 400 else error_class
    with pytest.raises(expected) as caught:
        service.integration.get_customer_session("s1")
    error = caught.value
    if status == 400:
        assert isinstance(error.__cause__, TalonBadRequest)
    assert isinstance(error, TalonError)
    assert error.status == status
    assert error.message == "Invalid session"
    assert error.request_id == stub.received[-1].headers["X-Request-Id"]
    assert error.path == SESSION and error.method == "GET"
    if status == 400:
        (field,) = error.field_errors
        assert field.pointer == "/customerSession/state"
        assert "state must be open or closed" in str(error)
    if status == 429:
        assert error.retry_after == 7


def test_error_without_a_json_body_still_maps(stub, make_service):
    service = make_service(retries=0)
    stub.queue(SESSION, Reply(404, "<html>not here</html>", {"Content-Type": "text/html"}))
    with pytest.raises(TalonNotFound) as caught:
        service.integration.get_customer_session("s1")
    assert caught.value.status == 404 and caught.value.message


def test_malformed_json_body_is_unavailable_not_a_crash(stub, make_service):
    service = make_service(retries=0)
    stub.queue(SESSION, Reply(200, '{"customerSession": {"integr', {"Content-Type": "application/json"}))
    with pytest.raises(TalonMalformedResponse) as caught:
        service.integration.get_customer_session("s1")
    assert isinstance(caught.value, TalonUnavailable)


def test_unreadable_answer_to_a_change_is_an_unknown_outcome(stub, make_service):
    # The 2xx says Talon.One took the change; telling staff "nothing changed" would be wrong.
    service = make_service(retries=0)
    stub.queue(SESSION, Reply(200, '{"customerSession": {"integr', {"Content-Type": "application/json"}))
    with pytest.raises(TalonOutcomeUnknown) as caught:
        service.integration.update_customer_session("s1", state="closed")
    assert caught.value.status == 200
    assert len(stub.received) == 1


def test_wrong_json_shape_is_malformed_not_a_crash(stub, make_service):
    service = make_service(retries=0)
    stub.queue("/v1/applications/1/campaigns", Reply(200, ["not", "an", "object"]))
    with pytest.raises(TalonMalformedResponse):
        service.management.list_campaigns()


def test_unreachable_host_is_unavailable(make_service):
    with TalonService(stub_settings("http://127.0.0.1:9", retries=1)) as service:
        with pytest.raises(TalonUnavailable) as caught:
            service.integration.get_customer_session("s1")
    assert caught.value.status is None


def test_change_to_an_unreachable_host_is_unavailable_not_unknown():
    """Connection refused: nothing was sent, so the change certainly did not happen."""
    with TalonService(stub_settings("http://127.0.0.1:9")) as service:
        with pytest.raises(TalonUnavailable) as caught:
            service.integration.update_customer_session("s1", state="closed")
    assert not isinstance(caught.value, TalonOutcomeUnknown)


def test_missing_key_fails_without_sending(stub):
    with TalonService(stub_settings(stub.url, integration_key="")) as service:
        with pytest.raises(TalonUnauthorized):
            service.integration.get_customer_session("s1")
    assert stub.received == []


def test_keys_never_appear_in_logs_or_errors(stub, make_service, caplog):
    service = make_service(retries=1)
    caplog.set_level(logging.DEBUG)
    stub.queue(SESSION, Reply(503, {"message": "busy"}), Reply(401, {"message": "bad key"}))
    with pytest.raises(TalonUnauthorized) as caught:
        service.integration.get_customer_session("s1")
    texts = [str(caught.value), repr(caught.value), caplog.text, repr(service.settings)]
    for text in texts:
        assert INTEGRATION_KEY not in text and MANAGEMENT_KEY not in text
    request_id = stub.received[0].headers["X-Request-Id"]
    lines = [r.getMessage() for r in caplog.records if r.name == "app.talon"]
    assert any(request_id in line and "GET /v2/customer_sessions/s1" in line and "status=503" in line
               and "duration_ms=" in line for line in lines)


def test_circuit_opens_fails_fast_and_closes_again(stub, make_service):
    clock = ManualTime()
    service = make_service(retries=0, circuit_threshold=3, circuit_cooldown=0.4, clock=clock.now)
    stub.queue(SESSION, *[Reply(500, {"message": "boom"})] * 3)
    for _ in range(3):
        with pytest.raises(TalonUnavailable):
            service.integration.get_customer_session("s1")
    assert service.circuit.state == "open"
    assert service.health()["circuit"]["state"] == "open"

    sent = len(stub.received)
    with pytest.raises(TalonCircuitOpen) as caught:
        service.integration.get_customer_session("s1")
    assert isinstance(caught.value, TalonUnavailable)
    assert len(stub.received) == sent  # fail fast: nothing was sent

    clock.advance(0.39)
    assert service.circuit.state == "open"
    clock.advance(0.02)
    assert service.circuit.state == "half_open"
    stub.queue(SESSION, Reply(body=SESSION_BODY))
    service.integration.get_customer_session("s1")
    assert service.circuit.state == "closed"


def test_client_errors_do_not_open_the_circuit(stub, make_service):
    service = make_service(retries=0, circuit_threshold=2)
    stub.queue(SESSION, *[Reply(404, ERROR_BODY)] * 4)
    for _ in range(4):
        with pytest.raises(TalonNotFound):
            service.integration.get_customer_session("s1")
    assert service.circuit.state == "closed"


def test_failed_trial_call_reopens_the_circuit(stub, make_service):
    clock = ManualTime()
    service = make_service(retries=0, circuit_threshold=1, circuit_cooldown=0.2, clock=clock.now)
    stub.queue(SESSION, Reply(503, {"message": "down"}), Reply(503, {"message": "down"}))
    with pytest.raises(TalonUnavailable):
        service.integration.get_customer_session("s1")
    clock.advance(0.25)
    with pytest.raises(TalonUnavailable) as trial:
        service.integration.get_customer_session("s1")
    assert not isinstance(trial.value, TalonCircuitOpen)
    assert service.circuit.state == "open"


def test_health_reports_reachability_latency_and_circuit(stub, make_service):
    # The probe uses the Integration API: a Management probe would spend a slot of Talon.One's
    # 3 requests per second per endpoint on every load balancer check.
    probe = "/v2/customer_sessions/talon-desk-health-probe"
    service = make_service()
    stub.queue(probe, Reply(404, {"message": "no such session"}))
    health = service.health()
    assert health["status"] == "ok" and health["reachable"] is True
    assert health["latency_ms"] >= 0
    assert health["circuit"]["state"] == "closed"
    assert health["probe"] == f"integration GET {probe}"
    assert MANAGEMENT_KEY not in json.dumps(health) and INTEGRATION_KEY not in json.dumps(health)

    stub.queue(probe, Reply(401, {"message": "bad key"}))
    health = service.health()
    assert health["reachable"] is True and health["status"] == "degraded"
    assert health["http_status"] == 401


def test_health_of_an_unreachable_backend_is_down_and_quick():
    clock = ManualTime()
    settings = stub_settings("http://127.0.0.1:9", retries=3, backoff=1.0)
    with TalonService(settings, sleep=clock.sleep) as service:
        health = service.health()
    assert health["status"] == "down" and health["reachable"] is False
    assert clock.slept == []  # no retries, no backoff


def test_session_hooks_see_every_response_including_retries(stub, make_service):
    service = make_service()
    seen = []
    service.http.hooks["response"].append(lambda r, *a, **k: seen.append((r.status_code, r.json())))
    stub.queue(SESSION, Reply(503, {"message": "busy"}), Reply(body=SESSION_BODY))
    state = service.integration.get_customer_session("s1")
    assert [status for status, _ in seen] == [503, 200]
    assert seen[1][1] == SESSION_BODY and state.session.integration_id == "s1"


def test_cookies_are_neither_stored_nor_sent(stub, make_service):
    service = make_service()
    stub.queue(SESSION, Reply(body=SESSION_BODY, headers={"Set-Cookie": "AWSALB=abc; Path=/"}),
               Reply(body=SESSION_BODY))
    service.integration.get_customer_session("s1")
    service.integration.get_customer_session("s1")
    assert len(service.http.cookies) == 0
    assert "Cookie" not in stub.hits(SESSION)[1].headers


def test_an_adapter_mounted_on_the_session_is_used(stub, make_service):
    from requests.adapters import HTTPAdapter

    class CountingAdapter(HTTPAdapter):
        sent = 0

        def send(self, request, **kwargs):
            CountingAdapter.sent += 1
            return super().send(request, **kwargs)

    service = make_service()
    service.http.mount(stub.url, CountingAdapter())
    stub.queue(SESSION, Reply(body=SESSION_BODY))
    service.integration.get_customer_session("s1")
    assert CountingAdapter.sent == 1


def test_query_and_body_are_encoded_as_talon_one_expects(stub, make_service):
    from datetime import datetime, timezone

    service = make_service()
    stub.queue(SESSION, Reply(body=SESSION_BODY))
    service.integration.update_customer_session(
        "s1", state="open", cart_items=[{"sku": "A b", "quantity": 1}], dry=True,
        now=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc), evaluable_campaign_ids=["7"])
    (hit,) = stub.hits(SESSION)
    assert hit.query == "dry=true&now=2030-01-02T03%3A04%3A05Z"
    assert hit.headers["Content-Type"] == "application/json"
    assert json.loads(hit.body) == {"customerSession": {
        "state": "open", "cartItems": [{"sku": "A b", "quantity": 1}], "evaluableCampaignIds": [7]}}


def test_path_segments_are_percent_encoded(stub, make_service):
    service = make_service(retries=0)
    stub.default = Reply(body={"totalResultSize": 0, "data": []})
    service.integration.get_reserved_customers("A/B C")
    assert stub.received[-1].raw_uri == "/v1/coupon_reservations/customerprofiles/A%2FB%20C"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0", 0.0), ("-5", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_parsing(header, seconds):
    from app.talon.attempts import parse_retry_after

    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date():
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    from app.talon.attempts import parse_retry_after

    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 28 <= parse_retry_after(format_datetime(when, usegmt=True)) <= 31
