"""Checks HTTP exchanges against Talon.One's official OpenAPI spec (../shared/talon-openapi.json).

The sandbox and the service layer are only as good as their faithfulness to the wire format, so
every request and response that crosses the wire in tests goes through `check_exchange`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.response.exceptions import MissingData
from openapi_schema_validator import OAS30Validator

SPEC_PATH = Path(os.environ.get("TALON_OPENAPI", Path(__file__).resolve().parents[2].parent / "shared" / "talon-openapi.json"))
# The spec's only server; requests to the sandbox are rewritten to it before matching.
SPEC_SERVER = "https://yourbaseurl.talon.one"
# Paths that are ours, not Talon.One's (the sandbox's test controls).
NOT_TALON = ("/sandbox/",)


class SpecMismatch(AssertionError):
    """An exchange that Talon.One's spec does not allow."""


@functools.cache
def spec_dict() -> dict:
    # The spec writes POSIX classes ([:cntrl:]) in 16 patterns. Python's re reads them as plain
    # character sets, which would both break spec validation and mis-validate names, so they are
    # spelled out as the control-character range they mean.
    raw = SPEC_PATH.read_text().replace("[:cntrl:]", r"\\x00-\\x1f\\x7f")
    return json.loads(raw)


@functools.cache
def openapi() -> OpenAPI:
    # openapi-core validates the whole document against the OpenAPI 3.0 schema first (~2 s of
    # CPU, in every process that checks an exchange); "if you know you have a valid
    # specification already, disabling the validator can improve the performance" (its docs,
    # Configuration). tests/sandbox/test_spec_validation.py validates it once per run.
    return OpenAPI.from_dict(spec_dict(), config=Config(spec_validator_cls=None))


@functools.cache
def schema_validator(name: str) -> OAS30Validator:
    spec = spec_dict()
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    return OAS30Validator(schema)


def _as_spec_url(url: str) -> str:
    parts = urlsplit(url)
    server = urlsplit(SPEC_SERVER)
    return urlunsplit((server.scheme, server.netloc, parts.path, parts.query, ""))


# Headers that change on every exchange and that the spec says nothing of (its only header is
# Authorization, a security scheme). An exchange otherwise identical, byte for byte, to one
# already judged gets that verdict again: the tests repeat the same reads of the same reset
# demo data thousands of times, and judging one costs twice as long as making it.
VOLATILE_HEADERS = frozenset({"x-request-id", "date"})
_verdicts: dict[bytes, str | None] = {}
_verdicts_lock = threading.Lock()


def _fingerprint(response: requests.Response) -> bytes:
    prepared = response.request
    digest = hashlib.blake2b(digest_size=20)
    body = prepared.body or b""
    parts = [prepared.method or "", prepared.url or "",
             *(f"{k.lower()}:{v}" for k, v in sorted(prepared.headers.items()) if k.lower() not in VOLATILE_HEADERS),
             body if isinstance(body, bytes) else str(body).encode("utf-8", "surrogatepass"),
             str(response.status_code),
             *(f"{k.lower()}:{v}" for k, v in sorted(response.headers.items()) if k.lower() not in VOLATILE_HEADERS),
             response.content]
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.digest()


def check_exchange(response: requests.Response) -> None:
    """Raise SpecMismatch if the request or the response breaks the spec.

    A status the operation does not declare (Talon.One documents 409 and 401 on only some
    operations, yet any may answer them) must still carry Talon.One's error body.
    """
    prepared = response.request
    if any(urlsplit(prepared.url).path.startswith(p) for p in NOT_TALON):
        return
    key = _fingerprint(response)
    with _verdicts_lock:
        known = key in _verdicts
        verdict = _verdicts.get(key)
    if known:
        if verdict is not None:
            raise SpecMismatch(verdict)
        return
    try:
        _judge_exchange(response)
    except SpecMismatch as exc:
        with _verdicts_lock:
            _verdicts[key] = str(exc)
        raise
    with _verdicts_lock:
        _verdicts[key] = None


def _judge_exchange(response: requests.Response) -> None:
    prepared = response.request
    spec_request = prepared.copy()
    spec_request.url = _as_spec_url(prepared.url)
    request = RequestsOpenAPIRequest(spec_request)
    api = openapi()
    where = f"{prepared.method} {urlsplit(prepared.url).path}"
    try:
        api.validate_request(request)
    except PathNotFound as exc:
        raise SpecMismatch(f"{where}: not an operation of the spec ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - every openapi-core validation error
        raise SpecMismatch(f"{where}: request breaks the spec: {_describe(exc)}") from None
    try:
        api.validate_response(request, RequestsOpenAPIResponse(response))
    except MissingData:
        # The spec declares its 204s as `content: {}`, which openapi-core reads as "a body is
        # required"; an empty 204 is what Talon.One sends and what the spec means.
        if response.status_code != 204 or response.content:
            raise SpecMismatch(f"{where} -> {response.status_code}: response has no body") from None
    except ResponseNotFound:
        if _silent_no_content(prepared, response):
            return
        if response.status_code < 400:
            raise SpecMismatch(f"{where}: status {response.status_code} is not in the spec") from None
        check_error_body(response, where)
    except Exception as exc:  # noqa: BLE001 - every openapi-core validation error
        raise SpecMismatch(
            f"{where} -> {response.status_code}: response breaks the spec: {_describe(exc)}\n"
            f"body: {response.text[:800]}"
        ) from None


def _silent_no_content(prepared, response: requests.Response) -> bool:
    """An empty 204 from an operation whose `silent` parameter (default `yes`) documents it
    ("`yes`: Increases the performance of the API call by returning a 204 response"), although
    its responses list only the 200 (updateCustomerProfilesV2, trackEventV2)."""
    if response.status_code != 204 or response.content:
        return False
    parts = urlsplit(prepared.url)
    path = next((p for p in spec_dict()["paths"] if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", p), parts.path)), None)
    operation = spec_dict()["paths"].get(path, {}).get(prepared.method.lower(), {})
    silent = next((p for p in operation.get("parameters", []) if p.get("name") == "silent"), None)
    if silent is None or "204" not in silent.get("description", ""):
        return False
    return parse_qs(parts.query).get("silent", [silent["schema"].get("default", "yes")])[-1] == "yes"


def check_error_body(response: requests.Response, where: str = "") -> None:
    try:
        body = response.json()
    except ValueError:
        raise SpecMismatch(f"{where}: error {response.status_code} without a JSON body") from None
    errors = sorted(schema_validator("ErrorResponse").iter_errors(body), key=str)
    if errors:
        raise SpecMismatch(f"{where}: error body breaks ErrorResponse: {errors[0].message}")


def _describe(exc: Exception) -> str:
    details = [_text(exc)]
    inner = getattr(exc, "__cause__", None)
    if inner is not None:
        details.append(_text(inner))
        if getattr(inner, "schema_errors", None):
            details.append("; ".join(f"{list(e.absolute_path)}: {e.message}" for e in inner.schema_errors[:5]))
    return " | ".join(details)[:2000]


def _text(exc: BaseException) -> str:
    # An error about a body that is not UTF-8 may itself fail to print; say what it is instead.
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - whatever printing it raised
        return type(exc).__name__


class SpecRecorder:
    """A requests response hook that records every mismatch; tests fail on any at teardown.

    Collecting rather than raising inside the hook keeps the code under test from swallowing
    the failure in its own error handling.
    """

    def __init__(self) -> None:
        self.mismatches: list[str] = []
        self.checked = 0

    def __call__(self, response: requests.Response, *args, **kwargs) -> requests.Response:
        try:
            check_exchange(response)
            self.checked += 1
        except SpecMismatch as exc:
            self.mismatches.append(str(exc))
        return response

    def assert_clean(self) -> None:
        if self.mismatches:
            raise SpecMismatch(f"{len(self.mismatches)} exchange(s) broke the spec:\n" + "\n".join(self.mismatches[:10]))
