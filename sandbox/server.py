"""The sandbox served over HTTP from a background thread (like moto's ThreadedMotoServer).

    server = SandboxServer(host="127.0.0.1", port=0, db=None, seed="demo", control=True, latency_ms=0,
                           management_rate_limit=0)
    server.start()          # returns once the socket accepts connections
    server.url, server.integration_key, server.management_key
    server.stop()
"""
from __future__ import annotations

import io
import selectors
import socket
import threading

import werkzeug.serving
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.app import Keys, create_sandbox_app


class QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with connections kept open between calls, as Talon.One's load balancer keeps
    them, and no access log line per request (tests and benchmarks send thousands).

    werkzeug's handler closes every connection ("Connection: close"): http.server cannot skip
    the part of a request body the app did not read, so after each response werkzeug drains
    the socket, which would swallow the next request of a kept-alive connection. This handler
    reads the body before the app runs (the API's bodies are JSON, capped at MAX_BODY_BYTES), so
    the stream is always at the next request, and tells werkzeug's drain to skip
    (_DrainSkippingSelectors). A new connection per call cost about 1.3 ms per call and a
    thread on the server (bench/RESULTS.md)."""

    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes; with Nagle's algorithm on, the body of a
    # kept-alive connection waits for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    #: an idle kept-alive connection is closed after this many seconds
    timeout = 60
    MAX_BODY_BYTES = 32 * 1024 * 1024

    def setup(self) -> None:
        super().setup()
        connections = getattr(self.server, "open_connections", None)
        if connections is not None:
            connections.add(self.connection)

    def finish(self) -> None:
        connections = getattr(self.server, "open_connections", None)
        if connections is not None:
            connections.discard(self.connection)
        super().finish()

    def parse_request(self) -> bool:
        # Each request starts with its body unread: an answer to a malformed request (sent
        # before make_environ) must close the connection, whatever the previous request did.
        _drain.skip = False
        return super().parse_request()

    def make_environ(self):
        environ = super().make_environ()
        if not KEEP_ALIVE or environ.get("wsgi.input_terminated"):  # a chunked body: werkzeug's way
            return environ
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return environ
        if 0 <= length <= self.MAX_BODY_BYTES:
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length else b"")
            _drain.skip = True
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and _drain.skip:
            return  # the body was read in full: the connection can take the next request
        super().send_header(keyword, value)

    def log_request(self, *args, **kwargs) -> None:
        pass

    def log_error(self, format: str, *args) -> None:
        if format.startswith("Request timed out"):  # an idle kept-alive connection, closed
            return
        super().log_error(format, *args)


class _DrainSkippingSelectors:
    """Stands in for the ``selectors`` module inside werkzeug.serving, whose request handler
    drains the socket after each response with a selector. On a QuietHandler thread whose
    request body was read in full the selector sees nothing, so the next request of the
    kept-alive connection stays where it is; everywhere else it is the real selector."""

    EVENT_READ = selectors.EVENT_READ

    class DefaultSelector:
        def __init__(self) -> None:
            self._real = None if _drain.skip else selectors.DefaultSelector()

        def register(self, fileobj, events, data=None):
            return self._real.register(fileobj, events, data) if self._real else None

        def select(self, timeout=None):
            return self._real.select(timeout) if self._real else []

        def close(self) -> None:
            if self._real:
                self._real.close()


class _DrainState(threading.local):
    # per handler thread (one connection): whether the request being served had its body read
    # in full, so the connection may stay open and werkzeug's drain must skip
    skip = False


_drain = _DrainState()
# Keep-alive rests on werkzeug's drain being the one described above (werkzeug is pinned; a
# test sends several requests over one connection). Should that change, connections close again.
KEEP_ALIVE = getattr(werkzeug.serving, "selectors", None) is selectors
if KEEP_ALIVE:
    werkzeug.serving.selectors = _DrainSkippingSelectors


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
        self._server: BaseWSGIServer | None = None
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
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> "SandboxServer":
        self.app = create_sandbox_app(db=self.db, seed=self.seed, control=self.control,
                                      latency_ms=self.latency_ms, keys=self.keys,
                                      management_rate_limit=self.management_rate_limit)
        # make_server binds and listens before it returns, so the URL accepts connections as
        # soon as start() returns.
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=QuietHandler)
        self._server.open_connections = set()  # kept-alive connections, closed by stop()
        # A short poll interval makes stop() quick (serve_forever checks for shutdown that often).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="talon-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            # Idle kept-alive connections would otherwise outlive the server (and its database)
            # until their timeout, and a client reusing one would reach a stopped sandbox.
            for connection in list(self._server.open_connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.app is not None:
            self.app.store.close()
        self._server = self._thread = self.app = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
