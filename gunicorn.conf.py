"""gunicorn settings for Talon Desk (the Procfile's `web` line uses this file).

Sizing. The console spends most of a request waiting for Talon.One (every page makes one to five
upstream calls, some in parallel through the fan-out pool), and little on its own CPU. So a few
processes, one or two per core, each with many threads: the threads wait on the network while
the GIL is free, and the processes use the cores. For the 2-core machine of the benchmarks in
bench/RESULTS.md that is 2 workers x 8 threads. Override with WEB_CONCURRENCY (processes) and
GUNICORN_THREADS (threads per process); raise the threads rather than the processes when
Talon.One is slow, and add machines behind the load balancer when the CPU is busy
(README, "Operating Talon Desk").

Nothing a request needs lives only in one worker's memory (logins, the audit log and idempotency
records are in the database; rate limits in RATELIMIT_STORAGE_URI), so any worker of any
instance can serve any request. The one exception is the demo mode's generated SECRET_KEY,
handled below.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"

workers = int(os.environ.get("WEB_CONCURRENCY") or min(2, multiprocessing.cpu_count()) or 1)
# Without a shared Redis, each worker keeps its own Management API budget and takes this
# share of Talon.One's per-endpoint limit (app/talon/settings.py, TalonSettings.budget).
os.environ.setdefault("TALON_DESK_WORKERS", str(workers))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 8)

# Longer than the slowest page can take: TALON_READ_TIMEOUT (10 s) plus its retries.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
# Behind a load balancer that keeps connections open to us.
keepalive = 5

# Access log on stdout: client, request line, status, bytes, duration in microseconds, and the
# request ID the load balancer sent (X-Request-ID; "-" when none), to follow one request
# across the balancer, the console and Talon.One.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus req=%({x-request-id}i)s "%(a)s"'

# gunicorn's control socket defaults to one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
# two instances on one host (the scale test, the load benchmark, a blue/green switch) would take
# it from each other, and the first to stop would delete the other's. Off unless a path is given.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# Workers are forked without the app loaded, so each one opens its own database and HTTP
# connections (sockets shared across a fork get corrupted).
preload_app = False

# In demo and testing modes create_app generates a SECRET_KEY when none is set. Each worker
# would generate its own and reject the others' session cookies, so generate one here, in the
# master, where every worker inherits it. Production requires SECRET_KEY (config.py).
if not os.environ.get("SECRET_KEY") and os.environ.get("TALON_DESK_MODE", "").lower() in ("demo", "testing"):
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)


def on_starting(server) -> None:
    """Demo mode migrates the database and creates the demo accounts inside create_app. Do that
    once, in a short-lived process, before the workers start: several workers doing it at the
    same moment race on a fresh database (two of them creating the same table). The app is not
    imported into the master itself, so no connection or thread is inherited by the workers."""
    if os.environ.get("TALON_DESK_MODE", "").lower() != "demo":
        return
    import subprocess
    import sys

    server.log.info("demo mode: preparing the database before starting workers")
    subprocess.run([sys.executable, "-c", "from app import create_app; create_app()"], check=True)


def post_worker_init(worker) -> None:
    """Once the worker has loaded the app (gunicorn calls this after load_wsgi, before serving),
    move every object there is so far (modules, the app, its routes, SQLAlchemy's mappers, about
    175,000 of them) into the garbage collector's permanent generation: gc.freeze(), "ignore them
    in all the future collections" (Python's gc documentation). They live as long as the worker,
    and each full collection walked all of them: 85-110 ms on the benchmark machine with the GIL
    held, so every thread of the worker stalled that long, every few hundred requests (issue 19).
    Collections still find cycles among the objects made afterwards."""
    import gc

    gc.collect()
    gc.freeze()
