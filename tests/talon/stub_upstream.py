"""A tiny scripted HTTP upstream for transport tests (retries, timeouts, circuit, error mapping).

It runs a real werkzeug server on a free port, so the service layer goes through its real
requests.Session, sockets and timeouts. Each test scripts the answers per path and reads back
what arrived.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)  # dict/list → JSON; str/bytes → raw
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke read timeouts)


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict
    body: bytes
    raw_uri: str = ""


class StubUpstream:
    def __init__(self) -> None:
        self.script: dict[str, deque[Reply]] = defaultdict(deque)
        self.default = Reply()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "StubUpstream":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def queue(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with ``replies`` in order, then the default."""
        self.script[path].extend(replies)

    def hits(self, path: str | None = None, method: str | None = None) -> list[Received]:
        with self._lock:
            return [
                r for r in self.received
                if (path is None or r.path == path) and (method is None or r.method == method)
            ]

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append(
                Received(request.method, request.path, request.query_string.decode(),
                         dict(request.headers), request.get_data(),
                         environ.get("REQUEST_URI") or environ.get("RAW_URI") or "")
            )
            queue = self.script.get(request.path)
            reply = queue.popleft() if queue else self.default
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        headers = dict(reply.headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        response = Response(body, status=reply.status, headers=headers)
        return response(environ, start_response)
