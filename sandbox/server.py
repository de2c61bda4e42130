"""The sandbox served over HTTP: cheroot's WSGI server, in a background thread for tests (like
moto's ThreadedMotoServer) or in the foreground for `python -m sandbox`.

    server = SandboxServer(host="127.0.0.1", port=0, db=None, seed="demo", control=True, latency_ms=0,
                           management_rate_limit=0)
    server.start()          # returns once the socket accepts connections
    server.url, server.integration_key, server.management_key
    server.stop()

cheroot (CherryPy's server) rather than waitress: it keeps HTTP/1.1 connections open between
calls, as Talon.One's load balancer does, reading any part of a request body the app left
unread so the next request on the connection is understood; it binds in prepare(), so port 0
is known before serving; and stop() is its public way to end a server running in another thread,
closing the kept-open connections too. A new connection per call cost about 1.3 ms and a thread
(bench/RESULTS.md). It writes no access log line per request (tests and benchmarks send
thousands) and turns Nagle's algorithm off (a kept-open connection's small answers would
otherwise wait for the client's delayed ACK, 40 ms).
"""
from __future__ import annotations

import threading

from cheroot import wsgi

from sandbox.app import Keys, create_sandbox_app

# Requests run on a fixed pool of threads. A request held by a timeout fault keeps its thread
# until it is answered, and a console page fans out a dozen calls (each retried) at once, so the
# pool is large enough for every held call plus the control request that releases them.
THREADS = 64
#: an idle kept-open connection is closed after this many seconds
IDLE_SECONDS = 60
# cheroot keeps at most 10 connections open by default; the console's pool alone keeps more.
MAX_OPEN_CONNECTIONS = 256
# How often the server loop looks up from waiting: also how long stop() may take.
TICK_SECONDS = 0.05
LISTEN_BACKLOG = 128


def make_server(host: str, port: int, app, threads: int = THREADS) -> wsgi.Server:
    """A cheroot server for `app`, bound and listening (prepare()), not yet serving (serve())."""
    server = wsgi.Server((host, port), app, numthreads=threads, timeout=IDLE_SECONDS,
                         request_queue_size=LISTEN_BACKLOG)
    server.keep_alive_conn_limit = MAX_OPEN_CONNECTIONS
    server.expiration_interval = TICK_SECONDS
    server.prepare()
    return server


def bound_port(server: wsgi.Server) -> int:
    return server.bind_addr[1]


class SandboxServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, db: str | None = None, seed: str = "demo",
                 control: bool = True, latency_ms: float = 0, keys: Keys | None = None,
                 management_rate_limit: int = 0) -> None:
        self.host = host
        self.port = port
        self.db = db
        self.seed = seed
        self.control = control
        self.latency_ms = latency_ms
        self.management_rate_limit = management_rate_limit
        self.keys = keys or Keys.from_environment()
        self.app = None
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def integration_key(self) -> str:
        return self.keys.integration

    @property
    def management_key(self) -> str:
        return self.keys.management

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox server is not started")
        return f"http://{self.host}:{bound_port(self._server)}"

    def start(self) -> "SandboxServer":
        self.app = create_sandbox_app(db=self.db, seed=self.seed, control=self.control,
                                      latency_ms=self.latency_ms, keys=self.keys,
                                      management_rate_limit=self.management_rate_limit)
        # Bound and listening before serving starts: the URL accepts connections (they wait in
        # the backlog) as soon as start() returns.
        self._server = make_server(self.host, self.port, self.app)
        self._thread = threading.Thread(target=self._server.serve, name="talon-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            # Also closes the kept-open connections, which would otherwise outlive the server
            # (and its database) until their idle timeout.
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.app is not None:
            self.app.store.close()
        self._server = self._thread = self.app = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
