"""Service-layer settings, read once per app: the Flask config first, then the environment
(so the tuning knobs work without the foundation listing each one), then the defaults.

Keys are kept here and only here; ``__repr__`` masks them so a settings object can be logged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from .budget import BudgetSettings
from .budget_slots import is_shared_store

DEFAULTS: dict[str, Any] = {
    "TALON_BASE_URL": "http://127.0.0.1:9100",
    "TALON_INTEGRATION_KEY": "",
    "TALON_MANAGEMENT_KEY": "",
    "TALON_APPLICATION_ID": 1,
    "TALON_CONNECT_TIMEOUT": 3.05,
    "TALON_READ_TIMEOUT": 10.0,
    "TALON_RETRIES": 2,
    "TALON_BACKOFF": 0.2,
    "TALON_RETRY_AFTER_MAX": 5.0,
    "TALON_CIRCUIT_THRESHOLD": 5,
    "TALON_CIRCUIT_COOLDOWN": 30.0,
    "TALON_POOL_SIZE": 32,
    "TALON_FANOUT_WORKERS": 8,
    "TALON_HEALTH_TIMEOUT": 2.0,
    "TALON_PROXY": "",
    "TALON_CA_BUNDLE": "",
    "CURRENCY": "EUR",
    # Talon.One's Management API limit (docs.talon.one, Management API overview): 3 requests
    # per second per endpoint; the console's budget (budget.py). 0 turns the budget off.
    "TALON_MANAGEMENT_RATE_LIMIT": 3,
    "TALON_BUDGET_MARGIN": 0.25,
    "TALON_BUDGET_WAIT": 3.0,
    "TALON_BUDGET_BULK_WAIT": 30.0,
    # Where the budget and the read cache live: memory:// (this process) or redis://...; empty
    # means "where the login throttle lives" (RATELIMIT_STORAGE_URI), the Redis the console
    # already shares when it is scaled out.
    "TALON_BUDGET_STORAGE_URI": "",
    "TALON_CACHE_STORAGE_URI": "",
    "RATELIMIT_STORAGE_URI": "memory://",
    "TALON_CACHE_TTL": 60.0,
    # Processes that share one memory:// budget's limit (gunicorn's workers, set by
    # gunicorn.conf.py): each gets an equal share, so together they stay within the limit.
    "TALON_DESK_WORKERS": 1,
}


@dataclass(frozen=True)
class TalonSettings:
    base_url: str = DEFAULTS["TALON_BASE_URL"]
    integration_key: str = field(default="", repr=False)
    management_key: str = field(default="", repr=False)
    application_id: int = 1
    connect_timeout: float = DEFAULTS["TALON_CONNECT_TIMEOUT"]
    read_timeout: float = DEFAULTS["TALON_READ_TIMEOUT"]
    #: extra attempts for retryable calls (GETs, dry runs, returns with an Idempotency-Key)
    retries: int = DEFAULTS["TALON_RETRIES"]
    #: first backoff in seconds; doubles per attempt
    backoff: float = DEFAULTS["TALON_BACKOFF"]
    #: longest Retry-After we wait out; a longer one becomes TalonRateLimited at once
    retry_after_max: float = DEFAULTS["TALON_RETRY_AFTER_MAX"]
    circuit_threshold: int = DEFAULTS["TALON_CIRCUIT_THRESHOLD"]
    circuit_cooldown: float = DEFAULTS["TALON_CIRCUIT_COOLDOWN"]
    pool_size: int = DEFAULTS["TALON_POOL_SIZE"]
    fanout_workers: int = DEFAULTS["TALON_FANOUT_WORKERS"]
    health_timeout: float = DEFAULTS["TALON_HEALTH_TIMEOUT"]
    #: an HTTP(S) proxy URL for every call to Talon.One ("" for none)
    proxy: str = ""
    #: a CA bundle file to verify Talon.One's certificate with ("" for the system's)
    ca_bundle: str = ""
    currency: str = DEFAULTS["CURRENCY"]
    management_rate_limit: int = DEFAULTS["TALON_MANAGEMENT_RATE_LIMIT"]
    budget_margin: float = DEFAULTS["TALON_BUDGET_MARGIN"]
    budget_wait: float = DEFAULTS["TALON_BUDGET_WAIT"]
    budget_bulk_wait: float = DEFAULTS["TALON_BUDGET_BULK_WAIT"]
    budget_storage_uri: str = "memory://"
    cache_storage_uri: str = "memory://"
    cache_ttl: float = DEFAULTS["TALON_CACHE_TTL"]
    workers: int = 1

    def __post_init__(self) -> None:
        # Keys go into a header verbatim (header validation is skipped for speed), so a key
        # with a line break, which would smuggle in another header, is refused here. The
        # message names the setting, never the value.
        for name in ("integration_key", "management_key"):
            if any(c in getattr(self, name) for c in "\r\n\x00"):
                raise ValueError(f"TALON_{name.upper()} contains a line break")

    @classmethod
    def from_mapping(
        cls, config: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> "TalonSettings":
        environ = os.environ if environ is None else environ

        def get(key: str) -> Any:
            for source in (config, environ):
                value = source.get(key)
                if value is not None and value != "":
                    return value
            return DEFAULTS[key]

        return cls(
            base_url=str(get("TALON_BASE_URL")).rstrip("/"),
            integration_key=str(get("TALON_INTEGRATION_KEY")),
            management_key=str(get("TALON_MANAGEMENT_KEY")),
            application_id=int(get("TALON_APPLICATION_ID")),
            connect_timeout=float(get("TALON_CONNECT_TIMEOUT")),
            read_timeout=float(get("TALON_READ_TIMEOUT")),
            retries=max(0, int(get("TALON_RETRIES"))),
            backoff=float(get("TALON_BACKOFF")),
            retry_after_max=float(get("TALON_RETRY_AFTER_MAX")),
            circuit_threshold=int(get("TALON_CIRCUIT_THRESHOLD")),
            circuit_cooldown=float(get("TALON_CIRCUIT_COOLDOWN")),
            pool_size=max(1, int(get("TALON_POOL_SIZE"))),
            fanout_workers=max(1, int(get("TALON_FANOUT_WORKERS"))),
            health_timeout=float(get("TALON_HEALTH_TIMEOUT")),
            proxy=str(get("TALON_PROXY")),
            ca_bundle=str(get("TALON_CA_BUNDLE")),
            currency=str(get("CURRENCY")),
            management_rate_limit=max(0, int(get("TALON_MANAGEMENT_RATE_LIMIT"))),
            budget_margin=max(0.0, float(get("TALON_BUDGET_MARGIN"))),
            budget_wait=max(0.0, float(get("TALON_BUDGET_WAIT"))),
            budget_bulk_wait=max(0.0, float(get("TALON_BUDGET_BULK_WAIT"))),
            budget_storage_uri=str(get("TALON_BUDGET_STORAGE_URI") or get("RATELIMIT_STORAGE_URI")),
            cache_storage_uri=str(get("TALON_CACHE_STORAGE_URI") or get("RATELIMIT_STORAGE_URI")),
            cache_ttl=max(0.0, float(get("TALON_CACHE_TTL"))),
            workers=max(1, int(get("TALON_DESK_WORKERS"))),
        )

    def as_public_dict(self) -> dict[str, Any]:
        """Everything but the keys and the storage addresses (for /healthz or a debug page)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("integration_key", "management_key", "budget_storage_uri",
                              "cache_storage_uri")
        }

    @property
    def budget(self):
        """The Management budget's settings; with a memory:// store, this process's share."""
        per_second = self.management_rate_limit
        if per_second and self.workers > 1 and not is_shared_store(self.budget_storage_uri):
            per_second = max(1, per_second // self.workers)
        return BudgetSettings(per_second=per_second, margin=self.budget_margin,
                              interactive_wait=self.budget_wait, bulk_wait=self.budget_bulk_wait)

