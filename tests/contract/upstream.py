"""A stand-in Talon.One made from talon-openapi.json: every operation of the spec answers with
its first 2xx status and a random body valid against that answer's schema (answers.py).

It runs a real werkzeug server on a free port, so the console goes through its real transport.
It keeps no state: each answer is drawn afresh, which is what makes it a contract test rather
than an emulator. One concession to coherence: the ID a request names (in its path or its
filter) is echoed into the answer's matching field where the schema has one (a lookup of
cust-0001 answers with rows for cust-0001), since otherwise every page would stop at "not
found" and the rest of the console would never meet an answer. A request that matches no operation of the spec gets Talon.One's 404 error
body and is recorded, since the console must only call what the spec has.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from urllib.parse import unquote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.contract.answers import Answers
from tests.contract.schemas import operation_for


class SpecUpstream:
    integration_key = "contract-integration-key"
    management_key = "contract-management-key"

    def __init__(self, seed: int) -> None:
        self.answers = Answers(seed)
        self.operations: Counter = Counter()
        self.not_in_spec: Counter = Counter()
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "SpecUpstream":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _wsgi(self, environ, start_response):
        try:
            return self._answer(environ, start_response)
        except Exception as exc:  # noqa: BLE001 - the test reports it; the console sees a 500
            with self._lock:
                self.failures.append(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}: {exc!r}")
            return Response("stand-in failure", 500)(environ, start_response)

    def _answer(self, environ, start_response):
        request = Request(environ)
        request.get_data()  # read the body, so the connection can be reused
        operation = operation_for(request.method, request.path)
        if operation is None:
            with self._lock:
                self.not_in_spec[f"{request.method} {request.path}"] += 1
            body = {"message": "not found", "errors": [{"title": "no such operation in the spec"}]}
            return Response(json.dumps(body), 404, mimetype="application/json")(environ, start_response)
        with self._lock:
            self.operations[operation.operation_id] += 1
        if operation.schema is None:
            return Response(status=operation.status)(environ, start_response)
        body = self.answers.draw(operation)
        body = self.answers.echo(operation, body, _named_ids(operation, request))
        body = json.dumps(body)
        return Response(body, operation.status, mimetype="application/json")(environ, start_response)


# Request parameters that name the object asked for, and the answer fields that carry its ID.
ECHOED = {
    "customerSessionId": ("integrationId",),
    "integrationId": ("integrationId",),
    "profile": ("profileintegrationid",),
    "loyaltyCardId": ("identifier",),
    "couponValue": ("value",),
    "value": ("value",),
    "identifier": ("identifier",),
}


def _named_ids(operation, request) -> dict[str, str]:
    values = {}
    template_names = re.findall(r"\{([^}]+)\}", operation.template)
    segments = request.path.split("/")
    for index, part in enumerate(operation.template.split("/")):
        if part.startswith("{") and part[1:-1] in ECHOED and index < len(segments):
            for field in ECHOED[part[1:-1]]:
                values[field] = unquote(segments[index])
    for name, fields in ECHOED.items():
        if name in request.args and name not in template_names:
            for field in fields:
                values[field] = request.args[name]
    return values
