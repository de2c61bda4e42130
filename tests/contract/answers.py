"""Random answers that Talon.One's spec allows, from a seed.

Each answer is drawn from the operation's 2xx schema (tests/contract/schemas.py) with one of a
few shapes, so that a run meets what a real Talon.One may send from release to release:

- ``minimal``: only the required fields (every optional one missing), lists as short as allowed;
- ``full``: every field the spec names;
- ``nulls``: null wherever the spec allows it;
- ``extra``: fields the spec does not name, wherever it allows them (a newer Talon.One);
- ``hostile``: markup and script in every free-text string;
- ``long``: one list of the answer long (1,001 items, or the spec's maximum), another one in
  each long answer of the same operation;
- ``odd``: legal but unusual values: boundaries, zero, negatives, huge numbers, far dates,
  empty and very long strings, right-to-left and combining characters;
- ``mixed``: a bit of everything.

Why a generator of our own rather than hypothesis-jsonschema's ``from_schema``: its last release
(0.23.1) fails with the pinned hypothesis (``'many' object has no attribute 'more'``), and the
stand-in upstream must produce answers on demand from a server thread, outside any ``@given``.
The result is never trusted: every answer is validated against the schema with jsonschema_rs
before it is sent (``Answers.draw`` raises if one is not valid), so the generator can only be
too narrow, never wrong.
"""

from __future__ import annotations

import copy
import random
import string
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jsonschema_rs

SHAPES = ("minimal", "full", "nulls", "extra", "hostile", "long", "odd", "mixed")
MARKER = "tdxss"
HOSTILE = (
    f'<script>alert("{MARKER}")</script>',
    f'"><img src=x onerror=alert(1) data-{MARKER}>',
    f"'><svg onload=alert(1) data-{MARKER}>",
    f"<b data-{MARKER}>bold</b>",
    f"javascript:alert('{MARKER}')",
    f"{{{{7*7}}}}{{% raw %}}{MARKER}",
)
ODD_TEXT = ("", " ", "\u202eevil\u202c", "e\u0301\u0301\u0301", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🎉", "null", "None",
            "0", "-1", "true", "%s%n", "../../etc/passwd", "\\", "a" * 5000)
LONG_LIST = 1000
MAX_DEPTH = 7


@dataclass(frozen=True)
class Shape:
    name: str
    optional: float  # chance that an optional field is present
    null: float  # chance that a nullable value is null
    extra: float  # chance of fields the spec does not name
    hostile: float  # chance that a free string is markup
    odd: float  # chance of an unusual value
    long_lists: bool


def shape(name: str) -> Shape:
    return {
        "minimal": Shape(name, 0.0, 0.0, 0.0, 0.0, 0.0, False),
        "full": Shape(name, 1.0, 0.0, 0.0, 0.1, 0.0, False),
        "nulls": Shape(name, 0.9, 1.0, 0.0, 0.0, 0.0, False),
        "extra": Shape(name, 0.6, 0.1, 1.0, 0.2, 0.1, False),
        "hostile": Shape(name, 0.9, 0.0, 0.3, 1.0, 0.0, False),
        "long": Shape(name, 1.0, 0.0, 0.1, 0.2, 0.1, True),
        "odd": Shape(name, 0.8, 0.2, 0.2, 0.1, 1.0, False),
        "mixed": Shape(name, 0.5, 0.3, 0.3, 0.3, 0.3, False),
    }[name]


class Generator:
    """One answer: a walk of the schema with a seeded random.Random."""

    def __init__(self, rng: random.Random, shape: Shape) -> None:
        self.rng = rng
        self.shape = shape

    def chance(self, p: float) -> bool:
        return p > 0 and self.rng.random() < p

    def value(self, schema, depth: int = 0):
        if schema is True or schema is None or schema == {}:
            return self.anything(depth)
        if "anyOf" in schema or "oneOf" in schema:
            branches = schema.get("anyOf") or schema.get("oneOf")
            nullable = [b for b in branches if b == {"type": "null"}]
            others = [b for b in branches if b != {"type": "null"}]
            if nullable and (not others or self.chance(self.shape.null)):
                return None
            return self.value(self.rng.choice(others), depth)
        if "allOf" in schema:
            return self.value(_merge(schema["allOf"], schema), depth)
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type") or _guess_type(schema)
        if isinstance(kind, list):
            kind = self.rng.choice(kind)
        return getattr(self, f"_{kind}")(schema, depth)

    def anything(self, depth: int):
        choices = [lambda: self.text({}), lambda: self.rng.randint(-5, 10**6), lambda: True, lambda: None]
        if depth < MAX_DEPTH:
            choices += [lambda: {self.key(): self.text({})}, lambda: [self.text({})]]
        return self.rng.choice(choices)()

    def _null(self, schema, depth):
        return None

    def _boolean(self, schema, depth):
        return self.rng.random() < 0.5

    def _integer(self, schema, depth):
        low, high = _bounds(schema, integer=True)
        if self.chance(self.shape.odd):
            candidates = [v for v in (0, -1, 1, low, high, 2**53 + 1, 10**12, -(10**9))
                          if low <= v <= high]
            if candidates:
                return self.rng.choice(candidates)
        if self.rng.random() < 0.5:
            # Small numbers half the time: IDs then recur across answers (the audience 1 that a
            # list holds is the one the next page asks for), as they do in a real account.
            start = max(low, 1) if high >= 1 else low
            return self.rng.randint(start, min(high, start + 3))
        return self.rng.randint(max(low, -3), min(high, max(low, -3) + 5000))

    def _number(self, schema, depth):
        low, high = _bounds(schema, integer=False)
        if self.chance(self.shape.odd):
            candidates = [v for v in (0, 0.0, -0.5, 1e-9, 123456789.123, 1e15, 0.1 + 0.2, low, high)
                          if low <= v <= high]
            if candidates:
                return self.rng.choice(candidates)
        start = max(low, -3.0)
        value = round(self.rng.uniform(start, min(high, start + 5000.0)), self.rng.choice((0, 2, 6)))
        value = min(max(value, low), high)
        return int(value) if self.rng.random() < 0.3 and float(value).is_integer() else value

    def _string(self, schema, depth):
        fmt = schema.get("format")
        if fmt == "date-time":
            return self.datetime_text()
        if fmt == "date":
            return self.datetime_text()[:10]
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128)))
        if fmt == "email":
            return self.rng.choice(["a@example.com", f"<b>{MARKER}</b>@example.com",
                                    "very.long.name+tag@sub.example.co.uk"])
        return self.text(schema)

    def text(self, schema) -> str:
        low = schema.get("minLength", 0)
        high = schema.get("maxLength", 10_000)
        pattern = schema.get("pattern")
        candidates = []
        if self.chance(self.shape.hostile):
            candidates += list(HOSTILE)
        if self.chance(self.shape.odd):
            candidates += list(ODD_TEXT)
        letters = string.ascii_letters + string.digits
        word = self.rng.choice(string.ascii_letters) + "".join(
            self.rng.choice(letters) for _ in range(self.rng.randint(0, 14)))
        candidates += [word, word.lower(), "QUJDRA==", "key:value", "x"]
        for candidate in candidates:
            if low <= len(candidate) <= high and (pattern is None or _matches(pattern, candidate)):
                return candidate
        padded = (word * (low // max(1, len(word)) + 1))[:max(low, 1)]
        return padded[:high]

    def datetime_text(self) -> str:
        moment = datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(
            seconds=self.rng.randint(0, 40 * 365 * 86400))
        if self.chance(self.shape.odd):
            moment = self.rng.choice([datetime(1, 1, 2, tzinfo=timezone.utc),
                                      datetime(9999, 12, 30, 23, 59, 59, tzinfo=timezone.utc),
                                      datetime(1970, 1, 1, tzinfo=timezone.utc)])
        offset = self.rng.choice([timedelta(0), timedelta(hours=5, minutes=30), timedelta(hours=-8)])
        text = moment.astimezone(timezone(offset)).isoformat(timespec=self.rng.choice(
            ["seconds", "milliseconds", "microseconds"]))
        return text.replace("+00:00", "Z") if self.rng.random() < 0.7 else text

    def key(self) -> str:
        return self.rng.choice(["tdExtraField", "newField2030", f"x<{MARKER}>", "nested_extra",
                                "ünïcode", "data", "id"])

    def _array(self, schema, depth):
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", LONG_LIST + 1)
        if depth >= MAX_DEPTH:
            size = low
        elif self.shape.long_lists:
            size = self.rng.choice([1, 2, 3])  # something to repeat (lengthen, below)
        elif self.shape.optional == 0.0:
            size = low
        else:
            size = self.rng.choice([0, 1, 1, 2, 3, 5])
        size = max(low, min(high, size))
        items = schema.get("items", {})
        values = [self.value(items, depth + 1) for _ in range(size)]
        if schema.get("uniqueItems"):
            unique = []
            for value in values:
                if value not in unique:
                    unique.append(value)
            values = unique if len(unique) >= low else values
        return values

    def _object(self, schema, depth):
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        out = {}
        for name, sub in properties.items():
            if name in required or (depth < MAX_DEPTH and self.chance(self.shape.optional)):
                out[name] = self.value(sub, depth + 1)
        additional = schema.get("additionalProperties", True)
        if additional is not False and depth < MAX_DEPTH:
            wants_extra = self.chance(self.shape.extra) or (not properties and self.shape.optional > 0)
            if wants_extra:
                for _ in range(self.rng.randint(1, 3)):
                    name = self.key()
                    if name not in properties:
                        out[name] = self.value(additional if isinstance(additional, dict) else True,
                                               depth + 1)
        return out


def _lists(value, depth: int = 0, found=None) -> list[list]:
    """The non-empty lists in an answer, in a stable order (depth first)."""
    found = [] if found is None else found
    if depth > MAX_DEPTH:
        return found
    if isinstance(value, list):
        if value:
            found.append(value)
        for item in value:
            _lists(item, depth + 1, found)
    elif isinstance(value, dict):
        for item in value.values():
            _lists(item, depth + 1, found)
    return found


def _outermost(value, found=None) -> list[list]:
    """The non-empty lists of an answer that are not inside another list."""
    found = [] if found is None else found
    if isinstance(value, list):
        if value:
            found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _outermost(item, found)
    return found


def lengthen(body, turn: int, validator) -> object:
    """``body`` with long lists: on even turns every outermost list, on odd turns one list at
    any depth (another one each time, so that successive long answers of an operation make each
    of its lists long in turn). Long is LONG_LIST + 1 items, or fewer where the spec caps the
    list; a list no length suits is left as it was. Never two nested lists at once (their
    sizes would multiply)."""
    if turn % 2 == 0:
        targets = _outermost(body)
    else:
        lists = _lists(body)
        targets = [lists[(turn // 2) % len(lists)]] if lists else []
    for target in targets:
        original = list(target)
        for size in (LONG_LIST + 1, LONG_LIST, 250, 50, len(original)):
            # Repeats of the drawn items: as hard on the console as new ones, cheaper to make.
            target[:] = [original[i % len(original)] for i in range(size)]
            if validator.is_valid(body):
                break
    return body


def _guess_type(schema) -> str:
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _merge(parts, outer) -> dict:
    merged: dict = {k: v for k, v in outer.items() if k != "allOf"}
    for part in parts:
        for key, value in part.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = sorted(set(merged.get("required", [])) | set(value))
            else:
                merged.setdefault(key, value)
    return merged


def _bounds(schema, *, integer: bool):
    low = schema.get("minimum", -(2**53) if integer else -1e18)
    high = schema.get("maximum", 2**53 if integer else 1e18)
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + (1 if integer else 1e-6)
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - (1 if integer else 1e-6)
    if integer:
        import math

        low, high = math.ceil(low), math.floor(high)
    return low, high


def _matches(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text) is not None


class Answers:
    """The answers of one run: per operation, answer n is drawn from ``seed`` and n, with the
    shapes in turn, and validated before it leaves. Counts what it made."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.counts: Counter = Counter()
        self.by_shape: Counter = Counter()
        self._lock = threading.Lock()
        self._validators: dict[str, jsonschema_rs.Validator] = {}

    def draw(self, operation) -> object:
        with self._lock:
            number = self.counts[operation.operation_id]
            self.counts[operation.operation_id] += 1
            validator = self._validators.get(operation.operation_id)
            if validator is None:
                validator = self._validators[operation.operation_id] = jsonschema_rs.Draft7Validator(
                    operation.schema, validate_formats=True)
        name = SHAPES[number % len(SHAPES)]
        for attempt in range(20):
            rng = random.Random(f"{self.seed}:{operation.operation_id}:{number}:{attempt}")
            body = Generator(rng, shape(name)).value(operation.schema)
            if validator.is_valid(body):
                if shape(name).long_lists:
                    body = lengthen(body, number // len(SHAPES), validator)
                with self._lock:
                    self.by_shape[name] += 1
                return body
        errors = "; ".join(str(e)[:300] for e in validator.iter_errors(body))
        raise AssertionError(f"no valid {name} answer for {operation.operation_id}: {errors}")

    def echo(self, operation, body, values: dict[str, str]):
        """``body`` with the named IDs written into its top-level object, the object one level
        down (``customerSession``, ``profile``...) and its ``data`` rows, where the result is
        still valid; else ``body`` unchanged."""
        if not values or not isinstance(body, dict):
            return body
        echoed = copy.deepcopy(body)
        targets = [echoed] + [v for v in echoed.values() if isinstance(v, dict)]
        rows = echoed.get("data")
        targets += [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
        for target in targets:
            for field, value in values.items():
                if field in target:
                    target[field] = value
        if self._validators[operation.operation_id].is_valid(echoed):
            return echoed
        return body

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())
