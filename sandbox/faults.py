"""Injected faults and latency, for tests and benchmarks (POST /sandbox/faults).

A plan is `{"rules": [...], "latencyMs": 0, "jitterMs": 0}`; each rule:
  path (regex searched in the request path), method (or null for any), status (500, 503, 409,
  429, ...), rate (0..1), retryAfter (seconds, sent as Retry-After), timeout (sleep
  timeoutSeconds, default 15, then answer normally: the change still happens, as when a real
  client times out on a slow server), malformed (answer normally but with a broken JSON body),
  count (how many requests the rule hits; null for no limit).

A held request (timeout) can be let go early: POST /sandbox/faults/release, and clearing the
faults, answer every held request now and return once they are answered. A test then sees the
late change at once instead of sleeping out the hold.
"""
from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass

from sandbox.errors import InvalidRequest
from sandbox.validate import validate

PLAN_SCHEMA = {
    "type": "object",
    "properties": {
        "latencyMs": {"type": "number", "minimum": 0, "maximum": 600000},
        "jitterMs": {"type": "number", "minimum": 0, "maximum": 600000},
        "rules": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "method": {"type": "string", "nullable": True},
                "status": {"type": "integer", "minimum": 400, "maximum": 599, "nullable": True},
                "rate": {"type": "number", "minimum": 0, "maximum": 1},
                "retryAfter": {"type": "number", "minimum": 0, "nullable": True},
                "timeout": {"type": "boolean"},
                "timeoutSeconds": {"type": "number", "minimum": 0, "maximum": 600},
                "malformed": {"type": "boolean"},
                "count": {"type": "integer", "minimum": 0, "nullable": True},
            },
        }},
    },
}
_random = random.Random()


@dataclass
class FaultRule:
    pattern: re.Pattern
    method: str | None
    status: int | None
    rate: float
    retry_after: float | None
    timeout: bool
    timeout_seconds: float
    malformed: bool
    remaining: int | None

    def as_dict(self) -> dict:
        return {"path": self.pattern.pattern, "method": self.method, "status": self.status, "rate": self.rate,
                "retryAfter": self.retry_after, "timeout": self.timeout, "timeoutSeconds": self.timeout_seconds,
                "malformed": self.malformed, "count": self.remaining}


@dataclass
class Fault:
    """What to do to one request."""
    status: int | None = None
    retry_after: float | None = None
    sleep_seconds: float = 0.0
    malformed: bool = False


class FaultPlan:
    def __init__(self, base_latency_ms: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.base_latency_ms = base_latency_ms
        self.latency_ms = 0.0
        self.jitter_ms = 0.0
        self.rules: list[FaultRule] = []
        # requests held by a timeout rule and not answered yet, and what ends their hold early
        self._held = 0
        self._release = threading.Event()
        self._all_answered = threading.Condition(self._lock)

    def configure(self, plan: dict) -> dict:
        validate(plan, PLAN_SCHEMA)
        rules = []
        for index, spec in enumerate(plan.get("rules") or []):
            try:
                pattern = re.compile(spec.get("path") or ".*")
            except re.error as exc:
                raise InvalidRequest(f"rules[{index}].path is not a regular expression: {exc}",
                                     pointer=f"/rules/{index}/path") from None
            if not (spec.get("status") or spec.get("timeout") or spec.get("malformed")):
                raise InvalidRequest("A rule needs a status, timeout or malformed", pointer=f"/rules/{index}")
            rules.append(FaultRule(
                pattern=pattern, method=(spec.get("method") or None) and spec["method"].upper(),
                status=spec.get("status"), rate=float(spec.get("rate", 1.0)), retry_after=spec.get("retryAfter"),
                timeout=bool(spec.get("timeout")), timeout_seconds=float(spec.get("timeoutSeconds", 15)),
                malformed=bool(spec.get("malformed")), remaining=spec.get("count")))
        with self._lock:
            self.rules = rules
            self.latency_ms = float(plan.get("latencyMs", 0))
            self.jitter_ms = float(plan.get("jitterMs", 0))
        return self.describe()

    def clear(self) -> None:
        with self._lock:
            self.rules, self.latency_ms, self.jitter_ms = [], 0.0, 0.0
        self.release()

    def hold(self, seconds: float) -> None:
        """Keep a request (a timeout rule's) for `seconds`, or until release(). The caller
        answers it, then calls answered()."""
        with self._lock:
            self._held += 1
            release = self._release
        release.wait(seconds)

    def answered(self) -> None:
        with self._lock:
            self._held -= 1
            self._all_answered.notify_all()

    def release(self, wait_seconds: float = 30.0) -> int:
        """Let every held request go on now and return once all are answered (their changes
        made, their log entries written). Returns how many were held."""
        with self._lock:
            held = self._held
            self._release.set()
            self._release = threading.Event()
            self._all_answered.wait_for(lambda: self._held == 0, timeout=wait_seconds)
        return held

    def describe(self) -> dict:
        with self._lock:
            return {"rules": [rule.as_dict() for rule in self.rules], "latencyMs": self.latency_ms,
                    "jitterMs": self.jitter_ms}

    def latency_seconds(self) -> float:
        with self._lock:
            jitter = _random.uniform(0, self.jitter_ms) if self.jitter_ms else 0.0
            return (self.base_latency_ms + self.latency_ms + jitter) / 1000.0

    def fault_for(self, method: str, path: str) -> Fault | None:
        """The first rule that matches and fires (rate, count) decides the request's fault."""
        with self._lock:
            for rule in self.rules:
                if rule.method and rule.method != method:
                    continue
                if not rule.pattern.search(path) or rule.remaining == 0:
                    continue
                if rule.rate < 1.0 and _random.random() >= rule.rate:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                return Fault(status=rule.status if not (rule.timeout or rule.malformed) else None,
                             retry_after=rule.retry_after,
                             sleep_seconds=rule.timeout_seconds if rule.timeout else 0.0,
                             malformed=rule.malformed)
        return None
