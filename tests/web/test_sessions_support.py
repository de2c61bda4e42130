"""Helpers shared by the agent console's view tests (search, customers, sessions, returns,
reopen). No tests here: this module holds what those modules import."""

from __future__ import annotations

import html
import re
import time

import pytest
import requests

from tests.conftest import console_config
from tests.web.helpers import audit_rows  # noqa: F401  (re-exported for the test modules)

# The console's read timeout in these tests, and how long a timeout fault keeps the sandbox
# quiet (longer, so the console gives up first; short enough to keep the tests quick).
TIMEOUT_SECONDS = 2.0
SLOW_ANSWER = {"timeout": True, "timeoutSeconds": TIMEOUT_SECONDS + 1.0}

HIDDEN_KEY = re.compile(r'name="form_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="form_key"')


def fast_failure_config(sandbox, db_path, **overrides) -> dict:
    """A console that gives up quickly (timeout tests) and never opens its circuit breaker
    (fault tests inject many failures in a row)."""
    return console_config(sandbox, db_path, TALON_READ_TIMEOUT=TIMEOUT_SECONDS, TALON_RETRIES=0,
                          TALON_BACKOFF=0.01, TALON_CIRCUIT_THRESHOLD=1000, **overrides)


class Upstream:
    """The sandbox as a test sees it: its request log, faults and state."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.http = requests.Session()

    def log(self, method: str | None = None, path: str | None = None) -> list[dict]:
        entries = self.http.get(f"{self.sandbox.url}/sandbox/requests", timeout=30).json()["requests"]
        return [e for e in entries
                if (method is None or e["method"] == method) and (path is None or re.search(path, e["path"]))]

    def changes(self, method: str, path: str) -> list[dict]:
        """Requests that reached the handler and were not dry runs."""
        return [e for e in self.log(method, path) if "dry=true" not in (e.get("query") or "")]

    def applied(self, method: str, path: str) -> list[dict]:
        return [e for e in self.changes(method, path) if e["status"] == 200]

    def fault(self, path: str, method: str | None = None, **rule) -> None:
        body = {"rules": [{"path": path, "method": method, **rule}]}
        self.http.post(f"{self.sandbox.url}/sandbox/faults", json=body, timeout=30).raise_for_status()

    def clear_faults(self) -> None:
        self.http.post(f"{self.sandbox.url}/sandbox/faults", json={}, timeout=30).raise_for_status()

    def session(self, session_id: str) -> dict:
        response = self.http.get(f"{self.sandbox.url}/v2/customer_sessions/{session_id}", timeout=30,
                                 headers={"Authorization": f"ApiKey-v1 {self.sandbox.integration_key}"})
        response.raise_for_status()
        return response.json()

    def state(self, session_id: str) -> str:
        return self.session(session_id)["customerSession"]["state"]

    def wait_for(self, method: str, path: str, count: int = 1, seconds: float = 10.0, *,
                 dry_runs: bool = False) -> list[dict]:
        """Wait until ``count`` changes (or, with ``dry_runs``, any requests) like this were
        answered: the sandbox logs a request when it answers, so one it is still sleeping on
        (a timeout fault) shows up late; it is told to answer those now."""
        self.http.post(f"{self.sandbox.url}/sandbox/faults/release", timeout=40).raise_for_status()
        deadline = time.monotonic() + seconds
        while True:
            answered = self.log(method, path) if dry_runs else self.changes(method, path)
            if len(answered) >= count or time.monotonic() > deadline:
                return answered
            time.sleep(0.1)


def form_key(response) -> str:
    match = HIDDEN_KEY.search(response.get_data(as_text=True))
    assert match, "the page has no form_key field"
    return html.unescape(match.group(1) or match.group(2))


def text(response) -> str:
    """The response body with tags removed and whitespace collapsed, for wording checks."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(body))


def field_error(response, field_id: str) -> str:
    """The error text shown next to the field with this id (its aria-describedby target)."""
    body = response.get_data(as_text=True)
    match = re.search(rf'id="{re.escape(field_id)}-errors"[^>]*>([^<]*)<', body)
    assert match, f"no error next to {field_id}"
    return html.unescape(match.group(1)).strip()


def blind_to_the_first_look(monkeypatch) -> list:
    """Make the view's first look for an earlier try of its form find nothing, as when another
    instance claims the form just after that look; later looks are real. Returns the looks."""
    from app import changes

    looks: list = []
    real_earlier = changes.earlier

    def earlier(*args):
        looks.append(args)
        return None if len(looks) == 1 else real_earlier(*args)

    monkeypatch.setattr(changes, "earlier", earlier)
    return looks


# Fixtures shared by the support console's test modules; each imports them by name.

@pytest.fixture
def app_config(talon_sandbox, tmp_path):
    return fast_failure_config(talon_sandbox, tmp_path / "console.db")


@pytest.fixture
def upstream(talon_sandbox):
    return Upstream(talon_sandbox)


@pytest.fixture
def agent(login_as):
    return login_as("agent")
