"""python -m sandbox --host 127.0.0.1 --port 9100 [--db PATH] [--seed demo|empty]
                     [--latency-ms N] [--management-rate-limit N] [--control]"""
from __future__ import annotations

import argparse
import logging
import signal
import sys

from sandbox.app import create_sandbox_app
from sandbox.ratelimit import TALON_ONE_LIMIT
from sandbox.seeding import SEEDS
from sandbox.server import bound_port, make_server


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="A stateful Talon.One emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--db", default=None,
                        help="SQLite file to keep state in (default: a fresh in-memory database)")
    parser.add_argument("--seed", choices=SEEDS, default="demo", help="data for a new database (default: demo)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every API call")
    parser.add_argument("--management-rate-limit", type=int, default=0, metavar="N",
                        help="at most N requests per second to each Management endpoint, as Talon.One "
                             f"allows {TALON_ONE_LIMIT} (default 0: no limit)")
    parser.add_argument("--control", action="store_true",
                        help="enable POST /sandbox/reset, POST /sandbox/faults and GET /sandbox/requests")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.management_rate_limit < 0:
        raise SystemExit("--management-rate-limit must be 0 (off) or more")
    app = create_sandbox_app(db=args.db, seed=args.seed, control=args.control, latency_ms=args.latency_ms,
                             management_rate_limit=args.management_rate_limit)
    server = make_server(args.host, args.port, app)
    print(f"Talon.One sandbox on http://{args.host}:{bound_port(server)}", flush=True)
    print(f"  integration key: {app.keys.integration}   (Authorization: ApiKey-v1 <key>)", flush=True)
    print(f"  management key:  {app.keys.management}   (Authorization: ManagementKey-v1 <key>)", flush=True)
    print(f"  database: {args.db or 'in memory'}   seed: {args.seed}   control: {'on' if args.control else 'off'}",
          flush=True)
    limit = args.management_rate_limit
    print(f"  Management API: {f'{limit} requests per second per endpoint' if limit else 'no rate limit'}",
          flush=True)
    # SIGTERM ends the server like Ctrl-C does, closing the database cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        app.store.close()


if __name__ == "__main__":
    main()
