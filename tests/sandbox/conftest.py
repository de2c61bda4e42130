"""Fixtures for the sandbox's own tests.

`api` is the lead's spec-checked client (tests/conftest.py: a reset sandbox, every exchange
validated against talon-openapi.json), with one tolerance: the spec declares `content: {}` on
its 204 answers and openapi-core then demands a body that HTTP forbids for 204, so an empty 204
on an operation that declares 204 is accepted. `raw` is an unchecked client for requests the spec
itself would reject (malformed JSON, wrong types); its error answers are still checked against
Talon.One's ErrorResponse schema by `assert_error`.
"""
from __future__ import annotations

import itertools

import pytest
import requests

from tests.conftest import SandboxHTTP
from tests.support.openapi import SpecMismatch, check_error_body, check_exchange

_counter = itertools.count(1)


def check_spec(response: requests.Response) -> None:
    try:
        check_exchange(response)
    except SpecMismatch as exc:
        empty_no_content = response.status_code == 204 and not response.content and "Missing response data" in str(exc)
        if not empty_no_content:
            raise


class SpecChecked:
    """A response hook collecting spec mismatches; the test fails at teardown on any."""

    def __init__(self) -> None:
        self.mismatches: list[str] = []
        self.checked = 0

    def __call__(self, response: requests.Response, *args, **kwargs) -> requests.Response:
        try:
            check_spec(response)
            self.checked += 1
        except SpecMismatch as exc:
            self.mismatches.append(str(exc))
        return response


@pytest.fixture
def api(talon_sandbox):
    recorder = SpecChecked()
    http = SandboxHTTP(talon_sandbox)
    http.hooks["response"].append(recorder)
    yield http
    http.close()
    assert not recorder.mismatches, "exchanges broke the spec:\n" + "\n".join(recorder.mismatches[:10])


@pytest.fixture
def raw(talon_sandbox):
    http = SandboxHTTP(talon_sandbox)
    yield http
    http.close()


def assert_error(response: requests.Response, status: int, contains: str | None = None) -> dict:
    """The answer is `status` with Talon.One's error body (and mentions `contains`)."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    check_error_body(response, f"{response.request.method} {response.request.url}")
    body = response.json()
    assert body["errors"] and body["errors"][0]["title"]
    if contains is not None:
        assert contains.lower() in response.text.lower(), response.text
    return body


def new_id(prefix: str = "t") -> str:
    """A session or profile ID no demo record uses."""
    return f"{prefix}-{next(_counter):05d}"


def effect_types(effects: list[dict]) -> list[str]:
    return [effect["effectType"] for effect in effects]


def of_type(effects: list[dict], effect_type: str) -> list[dict]:
    return [effect for effect in effects if effect["effectType"] == effect_type]


def put_session(api, session_id: str, *, params: dict | None = None, content: list[str] | None = None,
                expect: int = 200, **session) -> dict:
    body = {"customerSession": session}
    if content:
        body["responseContent"] = content
    response = api.put(f"/v2/customer_sessions/{session_id}", json=body, params=params)
    assert response.status_code == expect, response.text[:800]
    return response.json()
