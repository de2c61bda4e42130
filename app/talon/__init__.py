"""The shared Talon.One service layer: the only code in Talon Desk that talks HTTP to Talon.One.

    from app.talon import talon          # the Flask extension object
    talon.init_app(app)                  # in create_app
    talon.integration.get_customer_session("sess-00001")
    talon.management.list_sessions(profile="cust-0001")
    talon.fan_out({"profile": lambda: ..., "sessions": lambda: ...})
    talon.health()                       # for /healthz
    talon.http                           # the requests.Session (tests hook it)

Every failure is an ``app.talon.errors.TalonError`` subclass. Nothing here reads current_app at
import time, and nothing imports from ``app`` outside ``app.talon``.
"""

from __future__ import annotations

import contextvars
from typing import Any, Callable, Mapping

from flask import current_app, has_app_context

from .errors import (
    FieldError,
    TalonBadRequest,
    TalonCircuitOpen,
    TalonConflict,
    TalonError,
    TalonMalformedResponse,
    TalonNotFound,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonTimeout,
    TalonUnauthorized,
    TalonUnavailable,
)
from .service import TalonService
from .settings import TalonSettings

EXTENSION_KEY = "talon"

# The service a fan-out worker was started for: worker threads resolve through this, never
# through current_app.
_bound_service: contextvars.ContextVar[TalonService | None] = contextvars.ContextVar(
    "talon_bound_service", default=None
)


class Talon:
    """Flask extension: one TalonService per app, found through the app context."""

    def __init__(self, app=None) -> None:
        self._fallback: TalonService | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> TalonService:
        old = app.extensions.get(EXTENSION_KEY)
        if isinstance(old, TalonService):
            old.close()
        service = TalonService(TalonSettings.from_mapping(app.config))
        app.extensions[EXTENSION_KEY] = service
        # Used only outside any app context (a shell script that built one app).
        self._fallback = service
        return service

    @property
    def service(self) -> TalonService:
        bound = _bound_service.get()
        if bound is not None:
            return bound
        if has_app_context():
            service = current_app.extensions.get(EXTENSION_KEY)
            if service is not None:
                return service
        if self._fallback is not None:
            return self._fallback
        raise RuntimeError("talon.init_app(app) has not been called")

    @property
    def integration(self):
        return self.service.integration

    @property
    def management(self):
        return self.service.management

    @property
    def http(self):
        return self.service.http

    @property
    def settings(self) -> TalonSettings:
        return self.service.settings

    @property
    def currency(self) -> str:
        return self.service.settings.currency

    def health(self) -> dict[str, Any]:
        return self.service.health()

    def application_settings(self):
        """See TalonService.application_settings."""
        return self.service.application_settings()

    def effect_wording(self, **kwargs: Any):
        """See TalonService.effect_wording."""
        return self.service.effect_wording(**kwargs)

    def fan_out(
        self, calls: Mapping[str, Callable[[], Any]], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Run ``{name: callable}`` concurrently; returns ``{name: result or TalonError}``.

        The callables may use ``talon.integration`` / ``talon.management``: inside the workers
        those resolve to the service of the calling app, without touching current_app.
        """
        service = self.service
        return service.fan_out(calls, bind=lambda: _bound_service.set(service), timeout=timeout)

    def start_fan_out(
        self, calls: Mapping[str, Callable[[], Any]], *, timeout: float | None = None
    ):
        """fan_out without the wait: the calls start now, and the returned object's
        ``results()`` waits for them (a streamed page renders its frame meanwhile)."""
        service = self.service
        return service.start_fan_out(calls, bind=lambda: _bound_service.set(service), timeout=timeout)


talon = Talon()

__all__ = [
    "talon",
    "Talon",
    "TalonService",
    "TalonSettings",
    "FieldError",
    "TalonError",
    "TalonBadRequest",
    "TalonUnauthorized",
    "TalonNotFound",
    "TalonConflict",
    "TalonRateLimited",
    "TalonUnavailable",
    "TalonCircuitOpen",
    "TalonMalformedResponse",
    "TalonTimeout",
    "TalonOutcomeUnknown",
]
