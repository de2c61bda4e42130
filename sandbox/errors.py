"""Typed errors, each carrying its HTTP status and Talon.One's error body.

Models raise these; the HTTP layer turns them into
`{"message": ..., "errors": [{"title", "details", "source"}], "StatusCode": ...}`
(the union of the spec's ErrorResponse and ErrorResponseWithStatus schemas, so one body
validates against whichever of the two an operation declares).
"""
from __future__ import annotations


class SandboxError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, details: str, *, pointer: str | None = None, parameter: str | None = None,
                 resource: str | None = None, message: str | None = None) -> None:
        super().__init__(details)
        self.details = details
        self.message = message or details
        source: dict[str, str] = {}
        if pointer is not None:
            source["pointer"] = pointer
        if parameter is not None:
            source["parameter"] = parameter
        if resource is not None:
            source["resource"] = resource
        self.source = source

    def body(self) -> dict:
        return error_body(self.status, self.message, self.title, self.details, self.source)


def error_body(status: int, message: str, title: str, details: str, source: dict | None = None) -> dict:
    return {
        "message": message,
        "errors": [{"title": title, "details": details, "source": source or {}}],
        "StatusCode": status,
    }


class InvalidRequest(SandboxError):
    """The request is malformed or breaks a rule (bad JSON, wrong type, illegal transition)."""


class Unauthorized(SandboxError):
    status = 401
    title = "Unauthorized"


class NotFound(SandboxError):
    status = 404
    title = "Not found"


class Conflict(SandboxError):
    """A parallel update of the same session or profile, or a limit that is reached."""
    status = 409
    title = "Conflict"


class TooManyRequests(SandboxError):
    status = 429
    title = "Too many requests"


class MethodNotAllowed(SandboxError):
    status = 405
    title = "Method not allowed"
