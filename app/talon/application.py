"""The Application's own settings (getApplication: currency, time zone, coupon code case
sensitivity) as every page uses them: read at most once per hold period per process, never
per render.

A page formats dozens of amounts and times, so each would otherwise ask the read cache (with
Redis, a round trip each) and, whenever Talon.One is down, wait for the read to fail. The holder
keeps the last answer in the process for the read cache's TTL (the shared cache behind it
spares the other processes the Management call), and after a failed read it says "none" for
RETRY_AFTER_FAILURE seconds, logging a warning once, so an outage costs one failed read per
period instead of one per page: the console then writes the configured fallbacks.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from .errors import TalonError
from .models import ApplicationSettings

log = logging.getLogger("app.talon")

# when the cache is off (TALON_CACHE_TTL=0) the settings are still held this long: a page
# must not spend a Management request on them
DEFAULT_HOLD_SECONDS = 60.0
RETRY_AFTER_FAILURE = 15.0


class ApplicationSettingsHolder:
    def __init__(self, read: Callable[[], ApplicationSettings], hold: float,
                 clock: Callable[[], float] = time.time) -> None:
        self._read = read
        self._hold = hold if hold > 0 else DEFAULT_HOLD_SECONDS
        self._clock = clock
        self._lock = threading.Lock()
        self._value: ApplicationSettings | None = None
        self._fresh_until = float("-inf")
        self._failing = False

    def current(self) -> ApplicationSettings | None:
        """The Application's settings, or None while they cannot be read (the caller uses its
        configured values). A failed read keeps the last good answer, if there was one."""
        if self._clock() < self._fresh_until:
            return self._value
        # One thread reads; the others keep the last answer meanwhile, or wait for the first.
        if not self._lock.acquire(blocking=self._value is None):
            return self._value
        try:
            if self._clock() < self._fresh_until:  # read by the thread this one waited for
                return self._value
            try:
                self._value = self._read()
            except TalonError as error:
                self._fresh_until = self._clock() + RETRY_AFTER_FAILURE
                if not self._failing:
                    log.warning("talon: the Application's settings could not be read (%s: %s); "
                                "%s, tried again in %.0f s", type(error).__name__, error.message,
                                "the last ones read are used" if self._value else
                                "the configured CURRENCY and TIME_ZONE are used",
                                RETRY_AFTER_FAILURE)
                self._failing = True
                return self._value
            if self._failing:
                log.info("talon: the Application's settings are read again")
            self._failing = False
            self._fresh_until = self._clock() + self._hold
            return self._value
        finally:
            self._lock.release()
