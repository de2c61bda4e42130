"""TalonService: one configured connection to one Talon.One deployment.

Usable without Flask (the benchmark and scripts build one from a dict); the Flask extension in
``__init__`` keeps one per app.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import requests

from .application import ApplicationSettingsHolder
from .budget import INTERACTIVE, SUGGEST, ManagementBudget, priority
from .budget_slots import Slots, namespace_for, slots_for
from .cache import ReadCache, cache_backend
from .circuit import CircuitBreaker
from .client import INTEGRATION, MANAGEMENT, Transport
from .effects import EffectWording
from .errors import TalonError
from .fanout import FanOut
from .integration import IntegrationApi
from .management import ManagementApi
from .models import ApplicationSettings
from .settings import TalonSettings


HEALTH_PROBE_SESSION = "talon-desk-health-probe"


class TalonService:
    def __init__(
        self,
        settings: TalonSettings,
        *,
        http: requests.Session | None = None,
        slots: Slots | None = None,
        cache_store=None,
        sleep: Callable[[float], None] = time.sleep,
        cache_clock: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``slots``, ``cache_store``, ``sleep``, ``cache_clock`` and ``clock`` (the circuit
        breaker's) are for tests (a budget, a cache and a cool-down on a clock they move); by
        default they come from the settings."""
        self.settings = settings
        namespace = namespace_for(settings.base_url, settings.management_key)
        self.budget = ManagementBudget(
            settings.budget, slots or slots_for(settings.budget_storage_uri, namespace), sleep=sleep)
        self.reads = ReadCache(
            cache_store if cache_store is not None else cache_backend(settings.cache_storage_uri,
                                                                      settings.cache_ttl),
            settings.cache_ttl, namespace=namespace, clock=cache_clock)
        self.transport = Transport(
            settings, http=http, budget=self.budget, sleep=sleep,
            circuit=CircuitBreaker(settings.circuit_threshold, settings.circuit_cooldown, clock=clock))
        self.integration = IntegrationApi(self.transport, self.reads)
        self.management = ManagementApi(self.transport, settings.application_id, self.reads)
        self._application = ApplicationSettingsHolder(
            self._read_application, settings.cache_ttl, clock=cache_clock)
        self._fanout = FanOut(settings.fanout_workers)

    @property
    def http(self) -> requests.Session:
        return self.transport.http

    @property
    def circuit(self):
        return self.transport.circuit

    def fan_out(
        self,
        calls: Mapping[str, Callable[[], Any]],
        *,
        bind: Callable[[], Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        return self._fanout.run(calls, bind=bind, timeout=timeout)

    def start_fan_out(
        self,
        calls: Mapping[str, Callable[[], Any]],
        *,
        bind: Callable[[], Any] | None = None,
        timeout: float | None = None,
    ):
        return self._fanout.start(calls, bind=bind, timeout=timeout)

    def application_settings(self) -> ApplicationSettings | None:
        """The Application's currency, time zone and code case sensitivity, held in this
        process for the read cache's TTL (application.py); None while they cannot be read."""
        return self._application.current()

    def _read_application(self) -> ApplicationSettings:
        # a page's read, whatever the caller's priority: a suggestion must not give up on it
        with priority(INTERACTIVE):
            return self.management.application()

    def effect_wording(
        self,
        *,
        cart_items=None,
        campaign_names: Mapping[int, str] | None = None,
        locale: Any = "en",
        currency: str | None = None,
    ) -> EffectWording:
        """An EffectWording in ``currency`` (default: the configured CURRENCY), amounts
        written for ``locale``. Campaign names come from the cached Management list; if that
        read fails, effects name campaigns by ID instead."""
        if campaign_names is None:
            try:
                campaign_names = self.management.campaign_names()
            except TalonError:
                campaign_names = {}
        return EffectWording(
            currency or self.settings.currency, campaign_names=campaign_names, cart_items=cart_items,
            locale=locale,
        )

    def health(self) -> dict[str, Any]:
        """Reachability of Talon.One for /healthz: one cheap read with a short timeout, no
        retries, outside the circuit breaker (a probe neither waits for nor moves it), plus the
        breaker's state and the Management budget. The probe reads a session that does not
        exist through the Integration API, where Talon.One's answer for an unknown session (400,
        the only error getCustomerSession documents; or a 404) proves the API and its key work;
        without an Integration key it is a one-item Management campaign list."""
        probe_timeout = (
            min(self.settings.connect_timeout, self.settings.health_timeout),
            self.settings.health_timeout,
        )
        if self.settings.integration_key:
            # the Integration API has no published cap; a Management probe would spend a slot
            # of the campaigns endpoint's 3 per second on every load balancer check
            api, path, params, fine = (
                INTEGRATION, f"/v2/customer_sessions/{HEALTH_PROBE_SESSION}", None, {200, 400, 404},
            )
        else:
            api, path, params, fine = (
                MANAGEMENT, f"/v1/applications/{self.settings.application_id}/campaigns",
                {"pageSize": 1}, {200},
            )
        started = time.perf_counter()
        try:
            with priority(SUGGEST):  # a probe never waits for, nor takes the last, slot
                self.transport.call(api, "GET", path, params=params, timeout=probe_timeout,
                                    use_circuit=False, retries=0)
            http_status, error = 200, None
        except TalonError as exc:
            http_status, error = exc.status, f"{type(exc).__name__}: {exc.message}"
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        # any HTTP answer below 500 means the host is up (a 401 is a key problem, not an outage)
        reachable = http_status is not None and http_status < 500
        circuit = self.transport.circuit.snapshot()
        ok = http_status in fine and circuit.state == "closed"
        return {
            "status": "ok" if ok else ("degraded" if reachable else "down"),
            "reachable": reachable,
            "http_status": http_status,
            "latency_ms": latency_ms,
            "probe": f"{api} GET {path}",
            "base_url": self.settings.base_url,
            "application_id": self.settings.application_id,
            "circuit": circuit.as_dict(),
            "error": None if ok else error,
            "management_budget": self.budget_report(),
        }

    def budget_report(self) -> dict[str, Any]:
        """The Management budget per endpoint (requests per second over the last minute, slots
        in use, waits, 429s received), the single flight and the read cache, for /healthz."""
        try:
            report = self.budget.report()
        except Exception as exc:  # noqa: BLE001 - a Redis outage must not break /healthz
            report = {"error": type(exc).__name__}
        report["single_flight_shared"] = self.transport.flights.shared
        report["read_cache"] = self.reads.report()
        return report

    def close(self) -> None:
        self.transport.http.close()

    def __enter__(self) -> "TalonService":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
