"""The parity suite: behaviours the console relies on, each one test naming its source.

By default the tests run against the sandbox (reset before each test), as part of `make test`.
With TALON_PARITY_BASE_URL, TALON_PARITY_INTEGRATION_KEY and TALON_PARITY_MANAGEMENT_KEY set
(`make parity`), the same tests run against a real Talon.One Application, so the first user with
a test Application sees where the emulator and the real thing differ (README, "Parity with
Talon.One"). There:

- nothing is reset: tests that change data create their own objects, named `parity-<run>-…`;
- a test that needs objects only a person can set up (a campaign with a per-item discount, a
  coupon whose reservation is mandatory, ...) says so with `@needs("…")`, and reads them from the
  JSON file named by TALON_PARITY_OBJECTS (same keys as DEMO_OBJECTS below); without it, it is
  skipped and says what it needs;
- Management API calls keep to Talon.One's 3 requests per second per endpoint.

Every exchange is checked against talon-openapi.json, against either target.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests

from tests.support.openapi import SpecRecorder

REAL_URL = os.environ.get("TALON_PARITY_BASE_URL", "").rstrip("/")
REAL = bool(REAL_URL)
# One run's prefix for everything the suite creates on a real deployment.
RUN = os.environ.get("TALON_PARITY_RUN") or uuid.uuid4().hex[:8]

# The objects of the sandbox's demo data that tests need; a real Application names its own.
DEMO_OBJECTS = {
    # a running campaign's coupon, unlimited, that its rule accepts with any cart
    "coupon": {"code": "SUMMER20", "campaign_id": 2},
    # a coupon whose reservation is mandatory (isReservationMandatory), unused
    "reserved_coupon": {"code": "VIPONLY-010", "campaign_id": 2},
    # a coupon that may be reserved but needs no reservation, unused
    "soft_coupon": {"code": "GOODWILL-002", "campaign_id": 2},
    # a disabled campaign and a coupon of it
    "disabled_campaign": {"campaign_id": 8, "coupon": "BF30"},
    # a campaign whose rules discount any cart, scheduled in the future: a time inside its window,
    # one before it and one after it
    "scheduled_campaign": {"campaign_id": 9, "before": "2030-11-30T12:00:00Z",
                           "inside": "2030-12-05T12:00:00Z", "after": "2031-02-01T00:00:00Z"},
    # a running campaign with a per-item percentage discount on a category
    "item_discount": {"campaign_id": 3, "category": "shoes", "percent": 15},
    # a card-based loyalty program with its usersPerCardLimit
    "card_program": {"program_id": 1, "users_per_card_limit": 2},
    # a profile-based program and a running campaign that adds its points when a session closes
    "profile_program": {"program_id": 2, "campaign_id": 10},
}


def _real_objects() -> dict:
    path = os.environ.get("TALON_PARITY_OBJECTS")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


OBJECTS = _real_objects() if REAL else DEMO_OBJECTS


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/parity/" not in item.nodeid.replace("\\", "/"):
            continue
        sources = list(item.iter_markers("source"))
        if len(sources) != 1 or not sources[0].args or not str(sources[0].args[0]).strip():
            raise pytest.UsageError(f"{item.nodeid}: a parity test names exactly one source (@source(...))")


@pytest.fixture(autouse=True)
def _needs(request):
    marker = request.node.get_closest_marker("needs")
    missing = [name for name in (marker.args if marker else ()) if name not in OBJECTS]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} of the test Application (TALON_PARITY_OBJECTS; see README)")
    if REAL and request.node.get_closest_marker("sandbox_only"):
        pytest.skip("proves the sandbox's own state; nothing to compare on a real deployment")


def source(text: str):
    return pytest.mark.source(text)


def needs(*names: str):
    return pytest.mark.needs(*names)


sandbox_only = pytest.mark.sandbox_only


# A path segment with a digit is an ID: one endpoint is one operation, whatever it names.
ID_SEGMENT = re.compile(r"/[^/]*\d[^/]*")


class ManagementPace:
    """At most 3 requests per second per Management endpoint (docs.talon.one, "Management API
    overview"), for a real deployment. The sandbox needs no pacing."""

    def __init__(self, per_second: float = 3.0) -> None:
        self.gap = 1.0 / per_second
        self.last: dict[str, float] = {}
        self.lock = threading.Lock()

    def wait(self, method: str, path: str) -> None:
        endpoint = method + " " + ID_SEGMENT.sub("/{id}", path)
        with self.lock:
            now = time.monotonic()
            ready = self.last.get(endpoint, 0.0) + self.gap
            if ready > now:
                time.sleep(ready - now)
            self.last[endpoint] = max(now, ready)


@dataclass
class Target:
    base_url: str
    integration_key: str
    management_key: str
    application_id: int
    real: bool
    pace: ManagementPace | None = None
    counter: list = field(default_factory=lambda: [0])

    def new_id(self, kind: str = "x") -> str:
        """An ID nothing else uses: `parity-<run>-<kind>-<n>`."""
        self.counter[0] += 1
        return f"parity-{RUN}-{kind}-{self.counter[0]:04d}"


class TalonHTTP(requests.Session):
    """requests.Session bound to the target: relative paths, `key=` picks the API key, and the
    Management API paced on a real deployment."""

    def __init__(self, target: Target) -> None:
        super().__init__()
        self.target = target

    def request(self, method, url, *args, key: str | None = "integration", **kwargs):
        path = url
        if url.startswith("/"):
            url = self.target.base_url + url
        if key is not None:
            headers = dict(kwargs.pop("headers", None) or {})
            scheme, secret = (("ApiKey-v1", self.target.integration_key) if key == "integration"
                              else ("ManagementKey-v1", self.target.management_key))
            headers.setdefault("Authorization", f"{scheme} {secret}")
            kwargs["headers"] = headers
        if key == "management" and self.target.pace is not None:
            self.target.pace.wait(method, path.split("?")[0])
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def target(request) -> Target:
    if REAL:
        missing = [name for name in ("TALON_PARITY_INTEGRATION_KEY", "TALON_PARITY_MANAGEMENT_KEY")
                   if not os.environ.get(name)]
        if missing:
            pytest.fail(f"TALON_PARITY_BASE_URL is set, so {', '.join(missing)} must be too")
        return Target(REAL_URL, os.environ["TALON_PARITY_INTEGRATION_KEY"],
                      os.environ["TALON_PARITY_MANAGEMENT_KEY"],
                      int(os.environ.get("TALON_PARITY_APPLICATION_ID") or 1), True, ManagementPace())
    sandbox = request.getfixturevalue("talon_sandbox")
    return Target(sandbox.url, sandbox.integration_key, sandbox.management_key, 1, False)


@pytest.fixture
def talon(target):
    """The spec-checked client of the target."""
    recorder = SpecRecorder()
    http = TalonHTTP(target)
    http.hooks["response"].append(recorder)
    yield http
    http.close()
    recorder.assert_clean()


@pytest.fixture
def raw(target):
    """An unchecked client, for requests the spec itself forbids (bad bodies)."""
    http = TalonHTTP(target)
    yield http
    http.close()


@pytest.fixture
def objects() -> dict:
    return OBJECTS
