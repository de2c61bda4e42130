"""The queue's worker: `python -m app.worker` (the Procfile's `worker:`; `make run` starts one).

    python -m app.worker [--threads 2] [--no-periodic]

Builds the app from the environment as `web:` does (same DATABASE_URL, QUEUE_URL or
REDIS_URL/RATELIMIT_STORAGE_URI), then runs Huey's consumer on its queue: `--threads` tasks
at once, and the scheduler that enqueues periodic tasks (`--no-periodic` leaves that to other
workers; running it on every worker is safe, see app.queue). A heartbeat goes to the app
database every 15 s (/healthz: workers seen in the last minute). Ctrl-C (SIGINT) finishes the
tasks under way and stops; SIGTERM stops at once. A task cut short either way leaves its work
resumable: bulk jobs keep their state in the database, and the next worker picks them up
(app.bulk.tasks).
"""

from __future__ import annotations

import argparse
import logging
import os


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=int(os.environ.get("QUEUE_THREADS") or 2))
    parser.add_argument("--no-periodic", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from app import create_app
    from app.queue import Heartbeat, consumer, queue

    app = create_app()
    huey = queue.huey(app)
    if huey.immediate:
        raise SystemExit("app.worker: QUEUE_IMMEDIATE is set; tasks run inside the web process, "
                         "there is nothing for a worker to do")
    heartbeat = Heartbeat(app)
    heartbeat.start()
    logging.getLogger(__name__).info("worker %s on %s", heartbeat.worker, app.config["QUEUE_URL_IN_USE"])
    queue.worker_started(app)
    try:
        consumer(app, workers=args.threads, periodic=not args.no_periodic).run()
    finally:
        heartbeat.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
