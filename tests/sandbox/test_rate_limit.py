"""The sandbox enforces Talon.One's Management API limit (sandbox/ratelimit.py): per endpoint
and key, at most N requests in any second, 429 with an error body and Retry-After beyond it.
Time is moved by hand (a manual clock), never waited for."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.ratelimit import ManagementRateLimit, ManualClock
from tests.sandbox.conftest import assert_error

ROOT = Path(__file__).resolve().parents[2]
CARD = "/v1/loyalty_programs/1/cards/{}"
SESSIONS = "/v1/applications/1/sessions"


def limit_of(per_second: int) -> tuple[ManagementRateLimit, ManualClock]:
    clock = ManualClock(100.0)
    return ManagementRateLimit(per_second, clock=clock), clock


def test_at_most_n_in_any_rolling_second():
    limit, clock = limit_of(3)
    assert [limit.admit("GET /a", "k") for _ in range(3)] == [None, None, None]
    assert limit.admit("GET /a", "k") == 1
    clock.advance(0.5)
    assert limit.admit("GET /a", "k") == 1  # the first three are still within the second
    clock.advance(0.5)
    assert limit.admit("GET /a", "k") is None  # 1.0 s after the first three: they have left
    report = limit.describe()["endpoints"]
    assert report == [{"endpoint": "GET /a", "requests": 6, "refused": 2, "peakPerSecond": 5}]


def test_refused_requests_do_not_hold_the_window():
    limit, clock = limit_of(1)
    assert limit.admit("GET /a", "k") is None
    clock.advance(0.9)
    assert limit.admit("GET /a", "k") == 1
    clock.advance(0.1)
    assert limit.admit("GET /a", "k") is None  # the refused one at 0.9 did not count


def test_endpoints_and_keys_are_counted_apart():
    limit, _ = limit_of(1)
    assert limit.admit("GET /a", "k") is None
    assert limit.admit("GET /b", "k") is None
    assert limit.admit("POST /a", "k") is None
    assert limit.admit("GET /a", "other key") is None
    assert limit.admit("GET /a", "k") == 1


def test_zero_is_no_limit_but_still_counts():
    limit, _ = limit_of(0)
    assert all(limit.admit("GET /a", "k") is None for _ in range(50))
    assert limit.describe()["endpoints"][0]["peakPerSecond"] == 50


def test_over_http_per_endpoint_template_with_error_body_and_retry_after(api, raw):
    assert raw.post("/sandbox/rate-limit", json={"managementPerSecond": 3, "clock": "manual"},
                    key=None).json()["managementPerSecond"] == 3
    for number in (1, 2, 3):
        assert api.get(CARD.format(f"4000-000{number}"), key="management").status_code == 200
    refused = api.get(CARD.format("4000-0004"), key="management")  # another card, same endpoint
    body = assert_error(refused, 429, "per second")
    assert refused.headers["Retry-After"] == "1"
    assert body["StatusCode"] == 429
    # another Management endpoint, and the Integration API (no published cap), are not affected
    assert api.get(SESSIONS, key="management").status_code == 200
    for _ in range(5):
        assert api.get("/v1/loyalty_programs/1/cards/4000-0001/balances").status_code == 200
    raw.post("/sandbox/rate-limit", json={"advanceSeconds": 1}, key=None)
    assert api.get(CARD.format("4000-0004"), key="management").status_code == 200
    report = raw.get("/sandbox/rate-limit", key=None).json()
    card = next(e for e in report["endpoints"]
                if e["endpoint"] == "GET /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}")
    assert card == {"endpoint": card["endpoint"], "requests": 5, "refused": 1, "peakPerSecond": 4}
    # the request log records the refusal like any answer
    statuses = [e["status"] for e in raw.get("/sandbox/requests", key=None).json()["requests"]]
    assert statuses.count(429) == 1


def test_a_wrong_key_is_a_401_not_a_slot(raw):
    raw.post("/sandbox/rate-limit", json={"managementPerSecond": 1, "clock": "manual"}, key=None)
    for _ in range(3):
        assert_error(raw.get(SESSIONS, headers={"Authorization": "ManagementKey-v1 wrong"}, key=None), 401)
    assert raw.get(SESSIONS, key="management").status_code == 200


def test_reset_returns_to_the_start_up_limit(raw):
    raw.post("/sandbox/rate-limit", json={"managementPerSecond": 1, "clock": "manual"}, key=None)
    raw.post("/sandbox/reset", key=None)
    assert raw.get("/sandbox/rate-limit", key=None).json() == {
        "managementPerSecond": 0, "clock": "real", "endpoints": []}
    assert all(raw.get(SESSIONS, key="management").status_code == 200 for _ in range(5))


def test_bad_control_bodies_are_400(raw):
    assert_error(raw.post("/sandbox/rate-limit", json={"managementPerSecond": -1}, key=None), 400)
    assert_error(raw.post("/sandbox/rate-limit", json={"advanceSeconds": 1}, key=None), 400, "manual")
    assert_error(raw.post("/sandbox/rate-limit", json={"perSecond": 3}, key=None), 400)


@pytest.mark.parametrize("value", ["3", "0"])
def test_command_line_flag(value):
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--seed", "empty", "--management-rate-limit", value],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(5)]
    finally:
        process.terminate()
        process.wait(timeout=10)
    expected = "3 requests per second per endpoint" if value == "3" else "no rate limit"
    assert any(expected in line for line in lines), lines
