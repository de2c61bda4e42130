"""Suites as JSON files: export, and a strict check of an imported file.

    {"format": "talon-desk/test-suite", "version": 1,
     "suite": {"name": "...", "campaign_id": 8},
     "cases": [{"name": "...", "request": {BenchInput.to_dict()}, "expectations": {...}}]}

An imported file is checked completely before anything is saved; the first problem is reported
with its place in the file (cases[2].request.cart[0].quantity), and nothing is imported.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, IO

from ..validators import (
    MARKUP,
    attribute_name_problem,
    card_id_problem,
    coupon_code_problem,
    integration_id_problem,
    text_problem,
)
from .evaluation import PROFILE_MODES, RFC3339, SESSION_STATES
from .forms import (
    EFFECT_TYPE,
    MAX_ATTRIBUTES,
    MAX_CODES,
    MAX_ITEMS,
    NAME_MAX,
    VALUE_MAX,
    session_code_problem,
)
from .models import BenchSuite

FORMAT = "talon-desk/test-suite"
VERSION = 1
MAX_FILE_BYTES = 512 * 1024
MAX_CASES = 500
# The format nests five levels (file, cases, case, request, cart line); attribute values may add
# a few. Numbers are IDs, quantities and prices: 30 digits is far beyond any of them.
MAX_DEPTH = 16
NUMBER_DIGITS_MAX = 30
MAX_CAMPAIGNS_PER_CASE = 50


class ImportProblem(ValueError):
    """Why the file cannot be imported; the message names the place in the file."""


def export(suite: BenchSuite, exported_by: str | None) -> dict:
    return {
        "format": FORMAT, "version": VERSION,
        "exported_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "exported_by": exported_by,
        "suite": {"name": suite.name, "campaign_id": suite.campaign_id},
        "cases": [{"name": c.name, "request": c.request, "expectations": c.expectations}
                  for c in suite.cases],
    }


def read(stream: IO[bytes], known_campaigns: set[int] | None) -> dict:
    """The checked content of an uploaded suite file, or ImportProblem."""
    raw = stream.read(MAX_FILE_BYTES + 1)
    if not raw:
        raise ImportProblem("The file is empty.")
    if len(raw) > MAX_FILE_BYTES:
        raise ImportProblem(f"The file is larger than {MAX_FILE_BYTES // 1024} KB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblem("The file is not UTF-8 text; export the suite again.") from None
    deep = _nesting_problem(text)
    if deep:
        raise ImportProblem(deep)
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int,
                          parse_float=_bounded_float)
    except json.JSONDecodeError as exc:
        raise ImportProblem(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    return check(data, known_campaigns)


def _nesting_problem(text: str) -> str | None:
    """Lists and objects nested deeper than MAX_DEPTH, found before parsing (the parser would
    recurse once per level and fail with a RecursionError past about a thousand)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"Not a test suite: lists and objects nest deeper than {MAX_DEPTH} levels."
        elif char in "]}":
            depth -= 1
    return None


def _bounded_int(text: str) -> int:
    # Checked before int(): Python refuses to convert more than 4,300 digits (ValueError).
    if len(text.lstrip("-")) > NUMBER_DIGITS_MAX:
        raise ImportProblem(f"Not a test suite: a number has more than {NUMBER_DIGITS_MAX} digits.")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > NUMBER_DIGITS_MAX + 10:
        raise ImportProblem(f"Not a test suite: a number has more than {NUMBER_DIGITS_MAX} digits.")
    return float(text)


def _no_constant(name: str):
    raise ImportProblem(f"Not valid JSON: {name} is not a number.")


def check(data: Any, known_campaigns: set[int] | None) -> dict:
    _object(data, "the file", ("format", "version", "suite", "cases"),
            optional=("exported_at", "exported_by"))
    if data["format"] != FORMAT:
        raise ImportProblem(f"format: expected {FORMAT!r}; this is not a test suite export.")
    if isinstance(data["version"], bool) or data["version"] != VERSION:
        raise ImportProblem(f"version: this console reads version {VERSION} files.")
    suite = data["suite"]
    _object(suite, "suite", ("name", "campaign_id"))
    _name(suite["name"], "suite.name")
    _campaign(suite["campaign_id"], "suite.campaign_id", known_campaigns)
    cases = data["cases"]
    if not isinstance(cases, list) or len(cases) > MAX_CASES:
        raise ImportProblem(f"cases: a list of at most {MAX_CASES} cases.")
    for n, case in enumerate(cases):
        where = f"cases[{n}]"
        _object(case, where, ("name", "request", "expectations"))
        _name(case["name"], f"{where}.name")
        _request(case["request"], f"{where}.request", known_campaigns)
        _expectations(case["expectations"], f"{where}.expectations")
    return data


def _object(value: Any, where: str, required: tuple, optional: tuple = ()) -> None:
    if not isinstance(value, dict):
        raise ImportProblem(f"{where}: expected an object.")
    missing = [k for k in required if k not in value]
    if missing:
        raise ImportProblem(f"{where}: missing {', '.join(missing)}.")
    extra = [k for k in value if k not in required and k not in optional]
    if extra:
        raise ImportProblem(f"{where}: unknown field {extra[0]!r}.")


def _text(value: Any, where: str, limit: int, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise ImportProblem(f"{where}: expected text.")
    if len(value) > limit:
        raise ImportProblem(f"{where}: longer than {limit} characters.")
    if not empty and not value.strip():
        raise ImportProblem(f"{where}: must not be empty.")
    if text_problem(value) or any(c in value for c in "\n\r"):
        raise ImportProblem(f"{where}: plain text only (no < > or control characters).")
    return value


def _name(value: Any, where: str) -> None:
    _text(value, where, NAME_MAX, empty=False)


def _integer(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ImportProblem(f"{where}: expected a whole number from {low} to {high}.")
    return value


def _campaign(value: Any, where: str, known: set[int] | None) -> None:
    _integer(value, where, 1, 2**53)
    if known is not None and value not in known:
        raise ImportProblem(f"{where}: {value} is not a campaign of this application.")


def _list(value: Any, where: str, limit: int) -> list:
    if not isinstance(value, list) or len(value) > limit:
        raise ImportProblem(f"{where}: expected a list of at most {limit}.")
    return value


def _codes(value: Any, where: str, problem) -> None:
    for n, code in enumerate(_list(value, where, MAX_CODES)):
        if not isinstance(code, str) or problem(code):
            raise ImportProblem(f"{where}[{n}]: {problem(code) if isinstance(code, str) else 'expected text'}")


def _amount(value: Any, where: str, high: Decimal) -> None:
    try:
        amount = Decimal(str(value)) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or abs(amount) > high:
        raise ImportProblem(f"{where}: expected a number up to {high}.")


def _attributes(value: Any, where: str) -> None:
    if not isinstance(value, dict) or len(value) > MAX_ATTRIBUTES:
        raise ImportProblem(f"{where}: expected an object of at most {MAX_ATTRIBUTES} attributes.")
    for name, attribute in value.items():
        if attribute_name_problem(name):
            raise ImportProblem(f"{where}: {name[:40]!r} is not an attribute name.")
        encoded = json.dumps(attribute)
        if len(encoded) > VALUE_MAX or MARKUP.search(encoded):
            raise ImportProblem(f"{where}.{name}: at most {VALUE_MAX} characters of plain values.")
        if isinstance(attribute, float) and not math.isfinite(attribute):
            raise ImportProblem(f"{where}.{name}: not a number.")


def _request(request: Any, where: str, known: set[int] | None) -> None:
    _object(request, where, ("campaign_ids", "cart"),
            optional=("coupon_codes", "referral_code", "loyalty_cards", "session_attributes",
                      "profile_attributes", "profile_mode", "profile_id", "state", "now"))
    ids = _list(request["campaign_ids"], f"{where}.campaign_ids", MAX_CAMPAIGNS_PER_CASE)
    if not ids:
        raise ImportProblem(f"{where}.campaign_ids: at least one campaign.")
    for n, campaign_id in enumerate(ids):
        _campaign(campaign_id, f"{where}.campaign_ids[{n}]", known)
    cart = _list(request["cart"], f"{where}.cart", MAX_ITEMS)
    if not cart:
        raise ImportProblem(f"{where}.cart: at least one item.")
    for n, item in enumerate(cart):
        at = f"{where}.cart[{n}]"
        _object(item, at, ("sku", "quantity", "price"), optional=("category",))
        _text(item["sku"], f"{at}.sku", 100, empty=False)
        _integer(item["quantity"], f"{at}.quantity", 1, 10_000)
        _amount(item["price"], f"{at}.price", Decimal("1000000"))
        if Decimal(str(item["price"])) < 0:
            raise ImportProblem(f"{at}.price: must not be negative.")
        _text(item.get("category", ""), f"{at}.category", 100)
    _codes(request.get("coupon_codes", []), f"{where}.coupon_codes", session_code_problem)
    referral = _text(request.get("referral_code", ""), f"{where}.referral_code", 255)
    if referral and session_code_problem(referral, "referral code"):
        raise ImportProblem(f"{where}.referral_code: {session_code_problem(referral, 'referral code')}")
    _codes(request.get("loyalty_cards", []), f"{where}.loyalty_cards", card_id_problem)
    _attributes(request.get("session_attributes", {}), f"{where}.session_attributes")
    _attributes(request.get("profile_attributes", {}), f"{where}.profile_attributes")
    mode = request.get("profile_mode", "throwaway")
    if mode not in PROFILE_MODES:
        raise ImportProblem(f"{where}.profile_mode: one of {', '.join(PROFILE_MODES)}.")
    if mode == "existing":
        profile = request.get("profile_id")
        problem = integration_id_problem(profile) if isinstance(profile, str) else "expected text"
        if problem:
            raise ImportProblem(f"{where}.profile_id: {problem}")
    if request.get("state", "open") not in SESSION_STATES:
        raise ImportProblem(f"{where}.state: one of {', '.join(SESSION_STATES)}.")
    now = request.get("now", "")
    if now and (not isinstance(now, str) or not RFC3339.match(now)):
        raise ImportProblem(f"{where}.now: an RFC 3339 time such as 2030-12-05T10:00:00Z, or empty.")


def _expectations(expected: Any, where: str) -> None:
    _object(expected, where, (), optional=("effects", "absent_effects", "amounts", "tolerance",
                                          "coupons_accepted", "coupons_rejected"))
    for key in ("effects", "absent_effects"):
        for n, effect_type in enumerate(_list(expected.get(key, []), f"{where}.{key}", 100)):
            if not isinstance(effect_type, str) or not EFFECT_TYPE.match(effect_type):
                raise ImportProblem(f"{where}.{key}[{n}]: not an effect type.")
    amounts = expected.get("amounts", {})
    if not isinstance(amounts, dict) or len(amounts) > 100:
        raise ImportProblem(f"{where}.amounts: expected an object of effect type: amount.")
    for effect_type, amount in amounts.items():
        if not EFFECT_TYPE.match(effect_type):
            raise ImportProblem(f"{where}.amounts: {effect_type[:40]!r} is not an effect type.")
        _amount(amount, f"{where}.amounts.{effect_type}", Decimal("1e12"))
    _amount(expected.get("tolerance", "0.01"), f"{where}.tolerance", Decimal("1000000"))
    _codes(expected.get("coupons_accepted", []), f"{where}.coupons_accepted", coupon_code_problem)
    rejected = expected.get("coupons_rejected", {})
    if not isinstance(rejected, dict) or len(rejected) > MAX_CODES:
        raise ImportProblem(f"{where}.coupons_rejected: expected an object of code: reason.")
    for code, reason in rejected.items():
        if coupon_code_problem(code):
            raise ImportProblem(f"{where}.coupons_rejected: {coupon_code_problem(code)}")
        if not isinstance(reason, str) or (reason and not EFFECT_TYPE.match(reason)):
            raise ImportProblem(f"{where}.coupons_rejected.{code}: the reason is one word or empty.")
