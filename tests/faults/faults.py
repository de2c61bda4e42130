"""The seven upstream faults of issue 8 §4, and what the console must show for each.

Six are injected by the sandbox (POST /sandbox/faults on every API path); "connection refused"
points the console at a closed port instead. The console runs with its normal retries; only its
read timeout is shortened for the timeout fault, so that case takes a second, not ten.
"""

from __future__ import annotations

import re
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter

# The sandbox holds a request this long for the timeout fault, then answers it normally (the
# change still happens, as when a real client gave up on a slow server).
TIMEOUT_HOLD_SECONDS = 1.0
CONSOLE_READ_TIMEOUT = 0.3
# Where every call of a case meets the fault (the page suite injects it before the page is
# opened and clears it after), no healthy answer can be cut short, and the console may give up
# sooner: any read timeout below the hold is a timeout. Each page met it ~1 s (up to 5 calls
# x 3 attempts x 0.3 s before the circuit opens), 57 s of waiting for the 54 pages.
HELD_ONLY_READ_TIMEOUT = 0.05
# The action suite's fault holds only the changes (POST/PUT/PATCH/DELETE) of the last step; the
# steps before it and the reads are healthy. Its timeout console keeps the normal read timeout
# (TALON_READ_TIMEOUT) for every call, and gives up after HELD_ONLY_READ_TIMEOUT only on a change
# sent while the fault is injected (HeldChanges), a call the sandbox holds for a second: no
# healthy answer can be cut short, even on a busy machine. The 35 timeout cases waited 0.3 s
# for each try of each held change (18.9 s in all).
CHANGING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The normal number of retries, without the normal waits between them (the suite's runtime).
FAST_RETRIES = {"TALON_BACKOFF": 0.01}


@dataclass(frozen=True)
class Fault:
    name: str
    rules: tuple = ()
    # What a specific, human message for this fault says (case-insensitive regex). Later calls of
    # one page may meet the circuit breaker after repeated failures ("paused"), which is specific too.
    message: str = ""
    config: dict = field(default_factory=dict)
    # Did the upstream change possibly happen although the console got no usable answer?
    outcome_unknown: bool = False

    @property
    def plan(self) -> dict | None:
        return {"rules": [dict(rule) for rule in self.rules]} if self.rules else None


UNAVAILABLE = r"unavailable|could not be reached|did not answer properly|paused|try again"

FAULTS = (
    Fault("500", ({"path": ".*", "status": 500},), UNAVAILABLE),
    Fault("503", ({"path": ".*", "status": 503},), UNAVAILABLE),
    # Retry-After longer than TALON_RETRY_AFTER_MAX: the console must say "wait", not hang.
    Fault("429", ({"path": ".*", "status": 429, "retryAfter": 120},),
          r"rate limit|too many|busy|wait|try again"),
    Fault("409", ({"path": ".*", "status": 409},),
          r"conflict|at the same time|changed|another|limit|try again"),
    Fault("timeout", ({"path": ".*", "timeout": True, "timeoutSeconds": TIMEOUT_HOLD_SECONDS},),
          r"did not answer|in time|timed out|may have happened|paused|try again",
          config={"TALON_READ_TIMEOUT": CONSOLE_READ_TIMEOUT}, outcome_unknown=True),
    Fault("refused", (), r"could not be reached|unavailable|paused|try again"),
    Fault("malformed", ({"path": ".*", "malformed": True},),
          r"unreadable|not valid JSON|unexpected|may have happened|paused|try again", outcome_unknown=True),
)
FAULT_IDS = [f.name for f in FAULTS]

# What must never reach a browser.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|"
                       r"werkzeug\.debug|jinja2\.exceptions|sqlalchemy\.exc", re.I)


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def inject(sandbox, fault: Fault) -> None:
    if fault.plan:
        requests.post(f"{sandbox.url}/sandbox/faults", json=fault.plan, timeout=10).raise_for_status()


def clear(sandbox, fault: Fault) -> None:
    # Held requests (the timeout fault) are still answered and applied after the console gave
    # up; clearing the faults answers them now and returns once they are, so they can neither
    # be missed by the checks nor land in the next test's fresh sandbox.
    requests.post(f"{sandbox.url}/sandbox/faults", json={}, timeout=40).raise_for_status()


def release_held(sandbox) -> None:
    """The sandbox answers the requests a timeout fault holds now, as it would at the end of
    their hold, and returns once they are answered (their changes made and logged)."""
    requests.post(f"{sandbox.url}/sandbox/faults/release", timeout=40).raise_for_status()


def sandbox_requests(sandbox) -> list[dict]:
    """The sandbox's request log since its reset: GET /sandbox/requests, or for the tests'
    in-process sandbox (tests/conftest.py's SandboxServer) the same log read directly. The
    bad-input fuzz reads it before and after every example; over HTTP (the whole log as JSON, both
    ways) that was ~16% of its CPU. tests/sandbox/test_control_and_server.py tests the endpoint."""
    log = getattr(getattr(sandbox, "app", None), "request_log", None)
    if log is not None:
        return log.entries()
    log = requests.get(f"{sandbox.url}/sandbox/requests", timeout=10).json()
    return log.get("requests", log) if isinstance(log, dict) else log


# POSTs that only read: the Management API's searches (talon-openapi.json: "List ... that match").
READ_ONLY_POST = re.compile(r"(_search|_search_advanced(/no_total)?|/price_history)$")


def changes_something(entry: dict) -> bool:
    if entry["method"] == "GET" or "dry=true" in (entry.get("query") or ""):
        return False
    return not (entry["method"] == "POST" and READ_ONLY_POST.search(entry["path"]))


def upstream_changes(sandbox) -> list[dict]:
    """Calls that could change something in Talon.One: not GETs, dry runs or searches."""
    return [e for e in sandbox_requests(sandbox) if changes_something(e)]


def visible_text(html: str) -> str:
    """The page as a person reads it: tags and attributes dropped, whitespace squeezed."""
    import html as html_lib

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def assert_safe_answer(response, what: str, secrets: list[str]) -> str:
    """Never 500, never a stack trace, never a key. Returns the body."""
    body = response.get_data(as_text=True)
    assert response.status_code != 500, f"{what}: 500"
    assert response.status_code < 500 or response.status_code in (502, 503, 504), (
        f"{what}: {response.status_code}")
    assert not TRACEBACK.search(body), f"{what}: a stack trace reached the browser"
    for secret in secrets:
        assert secret not in body, f"{what}: a key or secret is in the body"
    for name, value in response.headers.items():
        for secret in secrets:
            assert secret not in value, f"{what}: a key in the {name} header"
    return body


def assert_human_message(body: str, fault: Fault, what: str) -> None:
    text = visible_text(body)
    assert re.search(fault.message, text, re.I), (
        f"{what}: no specific message for {fault.name} in: {text[:600]!r}")


class HeldChanges(HTTPAdapter):
    """The console's adapter for the Talon.One URL (requests' own hook: talon.http is a plain
    Session). While ``held`` is on, a change's read timeout is HELD_ONLY_READ_TIMEOUT (or the
    configured one if shorter); everything else keeps its timeout."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.held = False

    def send(self, request, timeout=None, **kwargs):
        if self.held and request.method in CHANGING_METHODS:
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            timeout = (connect, HELD_ONLY_READ_TIMEOUT if read is None else min(read, HELD_ONLY_READ_TIMEOUT))
        return super().send(request, timeout=timeout, **kwargs)


class FaultyConsole:
    """A console configured for one fault (the closed port for "refused", the short read
    timeout for "timeout"), with an admin logged in."""

    def __init__(self, fault: Fault, sandbox, tmp, *, read_timeout: float | None = None,
                 held_changes: bool = False) -> None:
        """``read_timeout``: the timeout fault's read timeout instead of CONSOLE_READ_TIMEOUT,
        for a suite whose every call meets the fault (HELD_ONLY_READ_TIMEOUT).
        ``held_changes``: for a suite whose fault holds only changes, which it injects inside
        ``changes_held()``: the normal read timeout, and HELD_ONLY_READ_TIMEOUT for the changes
        sent while the fault is on (HeldChanges)."""
        from tests.conftest import console_config, make_console

        overrides = {**FAST_RETRIES, **fault.config}
        timeout_fault = "TALON_READ_TIMEOUT" in overrides
        if held_changes and timeout_fault:
            del overrides["TALON_READ_TIMEOUT"]
        elif read_timeout is not None and timeout_fault:
            overrides["TALON_READ_TIMEOUT"] = read_timeout
        if fault.name == "refused":
            overrides["TALON_BASE_URL"] = f"http://127.0.0.1:{closed_port()}"
        self.fault = fault
        self.sandbox = sandbox
        self.app = make_console(console_config(sandbox, tmp / "console.db", **overrides))
        self.held_changes = None
        if held_changes and timeout_fault:
            service = self.app.extensions["talon"]
            # as new_http_session's adapter: no retries in the adapter, the transport's pool size
            self.held_changes = HeldChanges(pool_maxsize=service.transport.settings.pool_size, max_retries=0)
            service.http.mount(sandbox.url, self.held_changes)
        self.secrets = [sandbox.integration_key, sandbox.management_key, self.app.config["SECRET_KEY"]]
        self.admin = self.client_for("admin")

    def client_for(self, role: str):
        from tests.conftest import read_csrf_token

        client = self.app.test_client()
        response = client.post("/login", data={"username": role, "password": "demo",
                                               "csrf_token": read_csrf_token(client)})
        assert response.status_code == 303, f"login as {role}: {response.status_code}"
        client.csrf = read_csrf_token(client, "/")
        return client

    @contextmanager
    def changes_held(self, plan: dict | None):
        """The fault ``plan`` injected for the block (cleared after it, held calls answered)."""
        if plan:
            requests.post(f"{self.sandbox.url}/sandbox/faults", json=plan, timeout=10).raise_for_status()
        if self.held_changes:
            self.held_changes.held = True
        try:
            yield
        finally:
            if self.held_changes:
                self.held_changes.held = False
            clear(self.sandbox, self.fault)

    def reset_circuit(self) -> None:
        self.app.extensions["talon"].circuit.record_success()
