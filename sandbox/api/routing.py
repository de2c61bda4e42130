"""The route table: each operation's method, path, handler and which API key it takes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from werkzeug.routing import Map, Rule

INTEGRATION = "integration"
MANAGEMENT = "management"
CONTROL = "control"
OPEN = "open"


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Callable
    auth: str


class Routes:
    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.operations: dict[str, Operation] = {}

    def add(self, method: str, path: str, auth: str):
        """Decorator: register the handler as the operation at METHOD path."""
        def register(handler: Callable) -> Callable:
            name = handler.__name__
            self.operations[name] = Operation(name, handler, auth)
            self.rules.append(Rule(path, endpoint=name, methods=[method]))
            return handler
        return register

    def map(self, include_control: bool) -> Map:
        rules = [Rule(r.rule, endpoint=r.endpoint, methods=r.methods) for r in self.rules
                 if include_control or self.operations[r.endpoint].auth != CONTROL]
        return Map(rules, strict_slashes=False, merge_slashes=False)
