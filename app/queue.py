"""The job queue: work that outlives the request (bulk jobs, suite runs, schedules), on Huey.

Why Huey (README, "The job queue"): it stores its queue in a SQLite file on one machine and in
Redis when the console runs on several (the Redis the instances already share), with delayed and
periodic tasks built in and one small dependency. RQ and Dramatiq need Redis (or RabbitMQ) even
on a laptop, Celery a broker and far more moving parts; none of them gives `make run` a queue
without another server.

    from app.queue import queue

    @queue.task()                       # a task: any module, at import time
    def advance(job_id: int) -> None:   # runs in the worker, inside an app context
        ...

    advance.enqueue(7)                  # from a view: queued, returns at once
    advance.enqueue(7, delay=5)         # no earlier than in 5 s
    advance(7)                          # a plain call, here and now

    @queue.periodic(crontab(minute="*/5"))   # declared the same way; the worker's scheduler
    def check_campaigns() -> None:           # enqueues it (once per minute due, however many
        ...                                  # workers run: queue.periodic says how)

Tasks are declared on the module-level ``queue`` (this file's Queue) and bound to each app's own
Huey when ``queue.init_app(app)`` runs (create_app, last) or when an app first uses its queue, so
that tasks declared by areas registered later are bound too. Each app has its own Huey (its
storage comes from its config), so several apps in one process (the tests) never share a queue.
A task runs inside a fresh app context of the app whose queue it came from: its own
db.session, committed by the task, removed afterwards.

Where the queue lives (config ``QUEUE_URL``; the README lists it):
  sqlite:///path    SqliteHuey; the default is a file beside the app's SQLite database
  redis://...       RedisHuey; the default when REDIS_URL, or a redis:// RATELIMIT_STORAGE_URI, is set
  memory://         in this process only; the test suite's default: tests run what is queued with
                    ``queue.drain()`` in their own thread, so no test waits in real time
``QUEUE_IMMEDIATE=True`` runs each task at once, inside enqueue (Huey's immediate mode).

The worker (``python -m app.worker``, the Procfile's ``worker:``) runs Huey's consumer and
records a heartbeat every HEARTBEAT seconds in the app database (QueueWorker), which /healthz
reads with the queue's depth and the age of the oldest waiting task (``queue.health()``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import utcnow

__all__ = ["queue", "crontab", "Queue", "QueueWorker"]

log = logging.getLogger(__name__)
EXTENSION = "queue"
HEARTBEAT = 15          # seconds between a worker's heartbeats
WORKERS_SEEN = timedelta(minutes=1)   # /healthz counts the workers seen this recently
QUEUED_AT = "_queued_at"  # the hidden keyword every queued task carries: when it was queued
DUE = "_due"              # ... and a periodic one: the minute it was due
MINUTE = "%Y%m%d%H%M"


class QueueWorker(db.Model):
    """One worker process's heartbeat: who (host and pid), since when, last seen."""

    __tablename__ = "queue_workers"

    name: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@dataclass
class Declared:
    name: str
    fn: Callable[..., Any]
    retries: int = 0
    retry_delay: int = 0
    schedule: Callable[[datetime], bool] | None = None  # periodic: crontab(...) or any validator


class QueuedTask:
    """What ``@queue.task()`` returns: call it to run it here, ``.enqueue(...)`` to queue it on
    the current app's queue."""

    def __init__(self, owner: "Queue", declared: Declared) -> None:
        self._owner = owner
        self.declared = declared
        self.name = declared.name
        self.__doc__ = declared.fn.__doc__
        self.__wrapped__ = declared.fn

    def __call__(self, *args, **kwargs):
        return self.declared.fn(*args, **kwargs)

    def enqueue(self, *args, delay: float | None = None, **kwargs):
        """Queue the task with these arguments (picklable: IDs, not ORM objects); ``delay`` in
        seconds. Returns Huey's result handle (or None)."""
        return self._owner.enqueue(self.name, *args, delay=delay, **kwargs)


@dataclass
class _AppQueue:
    app: Flask
    huey: Huey
    bound: dict[str, Any] = field(default_factory=dict)  # task name -> Huey's TaskWrapper


def queue_url(config) -> str:
    """QUEUE_URL, or the default for these settings (module docstring)."""
    if config.get("QUEUE_URL"):
        return str(config["QUEUE_URL"])
    for key in ("REDIS_URL", "RATELIMIT_STORAGE_URI"):
        value = str(config.get(key) or "")
        if value.startswith(("redis://", "rediss://")):
            return value
    if config.get("TESTING"):
        return "memory://"
    database = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if database.startswith("sqlite:///") and database != "sqlite:///:memory:":
        path = database[len("sqlite:///"):]
        stem, _ = os.path.splitext(path)
        return f"sqlite:///{stem}-queue.sqlite"
    return "sqlite:///" + os.path.join(config.get("QUEUE_INSTANCE_PATH") or ".", "talon_desk-queue.sqlite")


def make_huey(url: str, *, immediate: bool = False, name: str = "talon-desk") -> Huey:
    scheme = urlsplit(url).scheme
    if immediate or scheme == "memory":
        huey = MemoryHuey(name, immediate=immediate, results=False, utc=True)
    elif scheme == "sqlite":
        huey = SqliteHuey(name, filename=url[len("sqlite:///"):], results=False, utc=True)
    elif scheme in ("redis", "rediss"):
        huey = RedisHuey(name, url=url, results=False, utc=True)
    else:
        raise ValueError(f"QUEUE_URL {url!r}: use sqlite:///path, redis://host:port/db or memory://")
    read_periodic = huey.read_periodic

    def read_periodic_marked(timestamp):
        # the scheduler's due periodic tasks, each told the minute it is due for
        tasks = read_periodic(timestamp)
        for task in tasks:
            task.kwargs = {**(task.kwargs or {}), DUE: (timestamp or utcnow()).strftime(MINUTE),
                           QUEUED_AT: time.time()}
        return tasks

    huey.read_periodic = read_periodic_marked
    return huey


class Queue:
    """The Flask extension (``queue`` below): declared tasks, and each app's Huey."""

    def __init__(self) -> None:
        self._declared: dict[str, Declared] = {}
        self._starting: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # -- declaring ----------------------------------------------------------------------------

    def task(self, name: str | None = None, *, retries: int = 0, retry_delay: int = 0):
        """Declare a task. Its name (default: module.function) is what the queue stores, so a
        renamed task leaves its queued calls unknown to the worker."""
        def decorator(fn):
            return self._declare(Declared(name or f"{fn.__module__}.{fn.__qualname__}", fn,
                                          retries=retries, retry_delay=retry_delay))
        return decorator

    def periodic(self, schedule: Callable[[datetime], bool], name: str | None = None):
        """Declare a periodic task: ``schedule`` is ``crontab(...)`` (Huey's; minute resolution,
        UTC) or any function of the (UTC) minute. The worker's scheduler enqueues it when due;
        with several workers (several instances) each scheduler would, so the task runs only for
        the worker that first claims that minute in the shared queue storage."""
        def decorator(fn):
            return self._declare(Declared(name or f"{fn.__module__}.{fn.__qualname__}", fn,
                                          schedule=schedule))
        return decorator

    def on_worker_start(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Declare something a worker does once when it starts, inside an app context (bulk
        jobs: pick up the running jobs of a worker that was stopped)."""
        self._starting.append(fn)
        return fn

    def worker_started(self, app: Flask) -> None:
        for fn in list(self._starting):
            with app.app_context():
                try:
                    fn()
                except Exception:  # one hook's failure must not stop the worker
                    log.exception("queue: worker start hook %s failed", fn.__qualname__)
                finally:
                    db.session.remove()

    def _declare(self, declared: Declared) -> QueuedTask:
        with self._lock:
            if declared.name in self._declared and self._declared[declared.name].fn is not declared.fn:
                raise ValueError(f"two queue tasks named {declared.name!r}")
            self._declared[declared.name] = declared
        return QueuedTask(self, declared)

    # -- binding to apps ----------------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        """Give the app its Huey (a new one: call again to start over, as the tests do)."""
        url = queue_url({**app.config, "QUEUE_INSTANCE_PATH": app.instance_path})
        huey = make_huey(url, immediate=bool(app.config.get("QUEUE_IMMEDIATE")))
        app.extensions[EXTENSION] = _AppQueue(app, huey)
        parts = urlsplit(url)  # for the logs: no password
        app.config["QUEUE_URL_IN_USE"] = (f"{parts.scheme}://{parts.hostname or ''}"
                                          f"{':' + str(parts.port) if parts.port else ''}{parts.path}")
        self._bind(app.extensions[EXTENSION])

    def _state(self, app: Flask | None = None) -> _AppQueue:
        app = app or current_app._get_current_object()
        state = app.extensions.get(EXTENSION)
        if state is None:
            raise RuntimeError("queue.init_app(app) was not called for this app")
        if len(state.bound) != len(self._declared):
            self._bind(state)
        return state

    def huey(self, app: Flask | None = None) -> Huey:
        """The app's Huey, every declared task bound to it."""
        return self._state(app).huey

    def _bind(self, state: _AppQueue) -> None:
        with self._lock:
            for name, declared in self._declared.items():
                if name not in state.bound:
                    state.bound[name] = self._bind_one(state, declared)

    def _bind_one(self, state: _AppQueue, declared: Declared):
        app, huey = state.app, state.huey

        def run(*args, **kwargs):
            kwargs.pop(QUEUED_AT, None)
            with app.app_context():
                try:
                    return declared.fn(*args, **kwargs)
                finally:
                    db.session.remove()

        run.__name__ = declared.name.rsplit(".", 1)[-1]
        if declared.schedule is None:
            return huey.task(retries=declared.retries, retry_delay=declared.retry_delay,
                             name=declared.name)(run)

        def run_once_per_minute(**kwargs):
            # Every worker's scheduler enqueues a due periodic task, marked with the minute it
            # was due (read_periodic below); only the first run for that minute goes on
            # (put_if_empty is atomic in SQLite and Redis alike).
            minute = kwargs.pop(DUE, None) or utcnow().strftime(MINUTE)
            if not huey.put_if_empty(f"periodic:{declared.name}:{minute}", "1", ttl=3600):
                log.info("queue: %s for %s ran on another worker", declared.name, minute)
                return None
            return run(**kwargs)

        run_once_per_minute.__name__ = run.__name__
        return huey.periodic_task(declared.schedule, name=declared.name)(run_once_per_minute)

    # -- using --------------------------------------------------------------------------------

    def enqueue(self, name: str, *args, delay: float | None = None, **kwargs):
        state = self._state()
        wrapper = state.bound[name]
        kwargs[QUEUED_AT] = time.time()
        if delay:
            return wrapper.schedule(args=args, kwargs=kwargs, delay=delay)
        return wrapper(*args, **kwargs)

    def drain(self, app: Flask | None = None, *, limit: int = 10_000) -> int:
        """Run what is queued, in this thread, until the queue is empty (tasks a task queues
        run too); delayed tasks run as if their time had come. For tests and `flask queue
        drain`; the number of tasks run. Raises RuntimeError after ``limit`` tasks."""
        huey = self.huey(app)
        ran = 0
        idle_rounds = 0   # rounds that ran only delayed tasks which queued only delayed ones
        while True:
            task = huey.dequeue()
            if task is None:
                due = huey.scheduled()
                if not due or idle_rounds >= 3:
                    return ran   # (a task waiting for time to pass: it stays scheduled)
                idle_rounds += 1
                huey.storage.flush_schedule()
                for waiting in due:
                    waiting.eta = None
                    huey.enqueue(waiting)
                continue
            ran += 1
            if huey.pending_count():
                idle_rounds = 0
            if ran > limit:
                raise RuntimeError(f"queue.drain: more than {limit} tasks (a task that requeues itself forever?)")
            huey.execute(task)

    def run_periodic(self, when: datetime | None = None, app: Flask | None = None) -> int:
        """Enqueue the periodic tasks due at ``when`` (UTC; default now), as the worker's
        scheduler does each minute. The number enqueued (tests then drain)."""
        huey = self.huey(app)
        due = huey.read_periodic(when or utcnow())
        for task in due:
            huey.enqueue(task)
        return len(due)

    def flush(self, app: Flask | None = None) -> None:
        """Forget everything queued and scheduled (tests, between runs)."""
        huey = self.huey(app)
        huey.storage.flush_all()

    def health(self, app: Flask | None = None) -> dict:
        """Depth, the age in seconds of the oldest waiting task, delayed tasks, and the workers
        seen in the last minute. No task names, arguments or hosts: /healthz is public."""
        huey = self.huey(app)
        report: dict[str, Any] = {}
        try:
            report["depth"] = huey.pending_count()
            report["scheduled"] = huey.scheduled_count()
            oldest = huey.storage.enqueued_items(limit=1)
            age = None
            if oldest:
                task = huey.deserialize_task(oldest[0])
                queued_at = (task.kwargs or {}).get(QUEUED_AT)
                if queued_at:
                    age = round(max(0.0, time.time() - queued_at), 1)
            report["oldest_waiting_seconds"] = age
            report["status"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any storage error means the queue is unreachable
            log.error("queue health: the queue storage failed: %s", exc)
            report = {"status": "down"}
        report["workers_seen"] = workers_seen()
        if report["status"] == "ok" and report["workers_seen"] == 0 and not huey.immediate:
            report["status"] = "no_workers"
        return report


queue = Queue()


# -- workers ------------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def beat(name: str) -> None:
    """Record that the worker ``name`` is alive (inside an app context)."""
    now = utcnow()
    updated = db.session.execute(sa.update(QueueWorker).where(QueueWorker.name == name)
                                 .values(seen_at=now)).rowcount
    if not updated:
        db.session.add(QueueWorker(name=name, started_at=now, seen_at=now))
    db.session.commit()


def forget(name: str) -> None:
    db.session.execute(sa.delete(QueueWorker).where(QueueWorker.name == name))
    db.session.commit()


def workers_seen(within: timedelta = WORKERS_SEEN) -> int | None:
    try:
        return db.session.scalar(sa.select(sa.func.count()).select_from(QueueWorker)
                                 .where(QueueWorker.seen_at >= utcnow() - within))
    except Exception as exc:  # noqa: BLE001 - the database check of /healthz reports the cause
        db.session.rollback()
        log.error("queue health: reading worker heartbeats failed: %s", exc)
        return None


class Heartbeat(threading.Thread):
    """Beats every HEARTBEAT seconds until stopped; forgets the worker when it stops."""

    def __init__(self, app: Flask, name: str | None = None, interval: float = HEARTBEAT) -> None:
        super().__init__(name="queue-heartbeat", daemon=True)
        self.app, self.worker, self.interval = app, name or worker_name(), interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    beat(self.worker)
                except Exception as exc:  # noqa: BLE001 - a missed beat is retried; the worker goes on
                    log.warning("queue heartbeat failed: %s", exc)
                finally:
                    db.session.remove()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        with self.app.app_context():
            try:
                forget(self.worker)
            except Exception as exc:  # noqa: BLE001 - it ages out of /healthz within a minute anyway
                log.warning("queue heartbeat: could not remove %s: %s", self.worker, exc)
            finally:
                db.session.remove()


class ThreadConsumer(Consumer):
    """Huey's consumer, startable from any thread (no signal handlers): the e2e tests run one
    beside the live console."""

    def _set_signal_handlers(self) -> None:
        if threading.current_thread() is threading.main_thread():
            super()._set_signal_handlers()


def consumer(app: Flask, *, workers: int = 2, periodic: bool = True) -> Consumer:
    """Huey's consumer for this app's queue (``.run()`` blocks; ``.start()``/``.stop()``)."""
    return ThreadConsumer(queue.huey(app), workers=workers, periodic=periodic,
                          worker_type="thread", max_delay=1.0)


def has_queue() -> bool:
    return has_app_context() and EXTENSION in current_app.extensions
