"""Run independent Talon.One calls at once, so a page waits for its slowest call, not the sum.

Calls run in one bounded thread pool per process (TALON_FANOUT_WORKERS threads, shared by every
app and request of the process, so threads never pile up), and each call's failure becomes that
section's result (a TalonError), never the whole page's. Each call runs in a copy of the
caller's context variables, which carries the service the caller resolved: the service layer
never looks at current_app inside a worker thread, so results do not depend on which app
context a thread has. A fan-out started from inside a fan-out call runs its calls in line, so
nested fan-outs cannot exhaust the pool and deadlock.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Mapping

from .errors import TalonError, TalonTimeout

log = logging.getLogger("app.talon")

_inside_fan_out: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "talon_inside_fan_out", default=False
)
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def shared_pool(max_workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(max_workers)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers, thread_name_prefix="talon-fanout")
            _pools[max_workers] = pool
        return pool


class FanOut:
    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers

    def run(
        self,
        calls: Mapping[str, Callable[[], Any]],
        *,
        bind: Callable[[], Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """``{name: callable}`` → ``{name: result or TalonError}``, in the order given.

        ``bind`` runs first in each worker (inside the copied context) to pin the service.
        Exceptions that are not TalonErrors are programming errors and are re-raised.
        ``timeout`` bounds the wait per section; a section that overruns it reads as TalonTimeout
        (its call still finishes in the background, bounded by the transport's timeouts).
        """
        if len(calls) <= 1 or _inside_fan_out.get():
            # nothing to overlap, or already on a pool thread: run in line
            return {name: _capture(fn) for name, fn in calls.items()}
        return self.start(calls, bind=bind, timeout=timeout).results()

    def start(
        self,
        calls: Mapping[str, Callable[[], Any]],
        *,
        bind: Callable[[], Any] | None = None,
        timeout: float | None = None,
    ) -> "PendingFanOut":
        """Start the calls and return at once; ``.results()`` waits for them as ``run`` does.
        A streamed page starts its calls first and renders its frame while they are under way,
        so even a single call goes to the pool here."""
        if _inside_fan_out.get():
            return PendingFanOut(done={name: _capture(fn) for name, fn in calls.items()})
        pool = shared_pool(self.max_workers)
        futures = {
            name: pool.submit(contextvars.copy_context().run, _run_in_worker, fn, bind)
            for name, fn in calls.items()
        }
        return PendingFanOut(futures=futures, timeout=timeout)


class PendingFanOut:
    """Calls under way on the pool (or already made in line)."""

    def __init__(self, *, futures: Mapping[str, Future] | None = None,
                 timeout: float | None = None, done: dict[str, Any] | None = None) -> None:
        self._futures = dict(futures or {})
        self._timeout = timeout
        self._results = done

    def results(self) -> dict[str, Any]:
        if self._results is None:
            results: dict[str, Any] = {}
            for name, future in self._futures.items():
                try:
                    results[name] = future.result(timeout=self._timeout)
                except FutureTimeout:
                    results[name] = TalonTimeout(f"The {name} section took too long")
            self._results = results
        for value in self._results.values():
            if isinstance(value, _Crash):
                raise value.exc
        return dict(self._results)


class _Crash:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _capture(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except TalonError as exc:
        return exc


def _run_in_worker(fn: Callable[[], Any], bind: Callable[[], Any] | None) -> Any:
    _inside_fan_out.set(True)
    if bind is not None:
        bind()
    try:
        return fn()
    except TalonError as exc:
        return exc
    except Exception as exc:  # logged here, re-raised in the caller's thread
        log.exception("talon fan-out call crashed")
        return _Crash(exc)
