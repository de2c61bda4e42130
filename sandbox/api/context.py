"""What every handler receives: the store, and helpers to parse path IDs."""
from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.errors import InvalidRequest, NotFound
from sandbox.store import APPLICATION_ID, Store
from sandbox.validate import INT64


# The Application's own settings as getApplication answers them (talon-openapi.json, Application:
# "timezone" an IANA descriptor, "currency" the default currency; both required). A test sets
# others with POST /sandbox/application; a reset brings these back.
APPLICATION_SETTINGS = {"timezone": "UTC", "currency": "EUR"}


@dataclass
class Context:
    store: Store
    application: dict = field(default_factory=lambda: dict(APPLICATION_SETTINGS))


def path_int(value: str, name: str) -> int:
    """An integer path parameter (int64 in the spec): 400 when it is not one."""
    try:
        number = int(value)
    except ValueError:
        raise InvalidRequest(f"{name} must be an integer, not {value!r}", parameter=name) from None
    if not INT64[0] <= number <= INT64[1]:
        raise InvalidRequest(f"{name} is out of range", parameter=name)
    return number


def application(value: str) -> int:
    """The sandbox has one Application, ID 1."""
    application_id = path_int(value, "applicationId")
    if application_id != APPLICATION_ID:
        raise NotFound(f"Application {application_id} does not exist; the sandbox has Application "
                       f"{APPLICATION_ID}", resource="application")
    return application_id
