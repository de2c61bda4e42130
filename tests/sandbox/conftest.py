"""Fixtures for the sandbox's own tests.

`api` is the lead's spec-checked client (`spec_http` in tests/conftest.py: a reset sandbox, every
exchange validated against talon-openapi.json). `raw` is an unchecked client for requests the
spec itself forbids (malformed JSON, wrong types, missing keys); its error answers are still
checked against Talon.One's ErrorResponse schema by `assert_error`.
"""
from __future__ import annotations

import itertools

import pytest
import requests

from tests.conftest import SandboxHTTP
from tests.support.openapi import check_error_body, check_exchange

_counter = itertools.count(1)

# Checks one exchange against the spec; raises SpecMismatch (for tests that skip `api`).
check_spec = check_exchange


@pytest.fixture
def api(spec_http):
    return spec_http


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
