"""Helpers and fixtures for the marketing console's tests (audiences, coupons, campaigns, bulk
jobs); this module holds no tests itself. Named test_bulk_* because that is the part of
tests/web the marketing console owns. A test module takes the fixtures by importing them:

    from tests.web.test_bulk_helpers import marketer  # noqa: F401
    from tests.web.test_bulk_helpers import quick_timeout_config as app_config  # noqa: F401
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import console_config
from tests.faults.faults import release_held

# Upstream calls that time out in these tests must do so quickly.
READ_TIMEOUT = 1.0
FAULT_SLEEP = 2.5


@pytest.fixture
def quick_timeout_config(talon_sandbox, tmp_path):
    """Import as app_config: the console gives up on Talon.One after READ_TIMEOUT seconds."""
    return console_config(talon_sandbox, tmp_path / "console.db", TALON_READ_TIMEOUT=READ_TIMEOUT,
                          TALON_RETRIES=0)


@pytest.fixture
def marketer(login_as):
    return login_as("marketer")


def hx_post(client, url: str, data: dict):
    """A POST as htmx sends it: the CSRF header and HX-Request (files as (stream, name))."""
    return client.post(url, data=data, headers={"X-CSRFToken": client.csrf, "HX-Request": "true"})


def run_job(client, body: str, limit: int = 50) -> str:
    """Let the queue's worker run the job shown in ``body`` (in this thread: queue.drain), then
    the job's progress partial as the page's polling would get it."""
    from app.queue import queue

    for _ in range(limit):
        if 'data-job-status="running"' not in body and 'data-job-status="checking"' not in body:
            return body
        show = re.search(r'hx-get="([^"]+/jobs/\d+)"', body).group(1)
        queue.drain(client.application)
        body = client.get(show, headers={"HX-Request": "true"}).get_data(as_text=True)
    raise AssertionError("the job did not finish")


def faults(sandbox, *rules: dict) -> None:
    for rule in rules:
        rule.setdefault("timeoutSeconds", FAULT_SLEEP) if rule.get("timeout") else None
    response = requests.post(f"{sandbox.url}/sandbox/faults", json={"rules": list(rules)}, timeout=10)
    response.raise_for_status()


def let_slow_requests_finish(sandbox) -> None:
    """A timed-out request is still being served (and applied) by the sandbox; have it answered
    now, so it is logged and cannot land after the next test's reset."""
    release_held(sandbox)


def sent(sandbox, method: str, path: str) -> list[dict]:
    """The requests the sandbox received since the reset with this method and exact path."""
    log = requests.get(f"{sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
    return [r for r in log if r["method"] == method and r["path"] == path]


def _management(sandbox, path: str, **params) -> dict:
    response = requests.get(f"{sandbox.url}{path}", params=params, timeout=30, headers={
        "Authorization": f"ManagementKey-v1 {sandbox.management_key}"})
    response.raise_for_status()
    return response.json()


def member_ids(sandbox, audience_id: int) -> list[str]:
    data = _management(sandbox, f"/v1/audiences/{audience_id}/memberships", pageSize=1000)
    return [m["integrationId"] for m in data["data"]]


def customer_exists(sandbox, integration_id: str) -> bool:
    data = _management(sandbox, "/v1/applications/1/customers", integrationId=integration_id)
    return any(c["integrationId"] == integration_id for c in data["data"])


def reserved_ids(sandbox, code: str) -> list[str]:
    response = requests.get(f"{sandbox.url}/v1/coupon_reservations/customerprofiles/{code}", timeout=10,
                            headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"})
    response.raise_for_status()
    return [p["integrationId"] for p in response.json()["data"]]


def create_profiles(sandbox, ids: list[str]) -> None:
    """Profiles that exist upstream (the sandbox refuses memberships of unknown profiles)."""
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        response = requests.put(
            f"{sandbox.url}/v2/customer_profiles", params={"silent": "yes"}, timeout=60,
            json={"customerProfiles": [{"integrationId": i, "attributes": {}} for i in chunk]},
            headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"})
        response.raise_for_status()
