"""The sandbox served over HTTP from a background thread (like moto's ThreadedMotoServer).

    server = SandboxServer(host="127.0.0.1", port=0, db=None, seed="demo", control=True, latency_ms=0)
    server.start()          # returns once the socket accepts connections
    server.url, server.integration_key, server.management_key
    server.stop()
"""
from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.app import Keys, create_sandbox_app


class QuietHandler(WSGIRequestHandler):
    """No access log line per request: tests and benchmarks send thousands. HTTP/1.1, so that
    clients keep their connections open as they do with Talon.One."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        pass


class SandboxServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, db: str | None = None, seed: str = "demo",
                 control: bool = True, latency_ms: float = 0, keys: Keys | None = None) -> None:
        self.host = host
        self.port = port
        self.db = db
        self.seed = seed
        self.control = control
        self.latency_ms = latency_ms
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
                                      latency_ms=self.latency_ms, keys=self.keys)
        # make_server binds and listens before it returns, so the URL accepts connections as
        # soon as start() returns.
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=QuietHandler)
        # A short poll interval makes stop() quick (serve_forever checks for shutdown that often).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="talon-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.app is not None:
            self.app.store.close()
        self._server = self._thread = self.app = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
