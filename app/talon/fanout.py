"""Run independent Talon.One calls at once, so a page waits for its slowest call, not the sum.

Each call runs in a bounded thread pool and its failure becomes that section's result (a
TalonError), never the whole page's. The calls see the caller's context variables (a copy per
call), which carries the service the caller resolved: the service layer never looks at
current_app inside a worker thread, so results do not depend on which app context a thread has.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping

from .errors import TalonError, TalonTimeout

log = logging.getLogger("app.talon")


class FanOut:
    """A process-wide bounded pool; created lazily so importing costs nothing."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self._pool: ThreadPoolExecutor | None = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="talon-fanout")
        return self._pool

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
        ``timeout`` bounds the wait per section; a section that overruns it reads as TalonTimeout.
        """
        if len(calls) <= 1:
            # nothing to overlap: skip the thread hop
            return {name: _capture(fn) for name, fn in calls.items()}
        pool = self._executor()
        futures = {}
        for name, fn in calls.items():
            ctx = contextvars.copy_context()
            futures[name] = pool.submit(ctx.run, _run_bound, fn, bind)
        results: dict[str, Any] = {}
        for name, future in futures.items():
            try:
                results[name] = future.result(timeout=timeout)
            except TimeoutError:
                results[name] = TalonTimeout(f"The {name} section took too long")
        for value in results.values():
            if isinstance(value, _Crash):
                raise value.exc
        return results

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class _Crash:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _capture(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except TalonError as exc:
        return exc


def _run_bound(fn: Callable[[], Any], bind: Callable[[], Any] | None) -> Any:
    if bind is not None:
        bind()
    try:
        return fn()
    except TalonError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
        log.exception("talon fan-out call crashed")
        return _Crash(exc)
