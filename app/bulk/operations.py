"""What a kind of bulk job does, and the app's registry of them.

An area declares its operations (audiences: add and remove members; coupons: reserve and
remove reservations) and hands them to pages.mount_job_pages with the pages that show them;
they join the app's registry when create_app registers that area's blueprint. The registry
lives on the app (app.extensions), so a worker that builds the app finds the same operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from flask import Flask, current_app

EXTENSION = "bulk_operations"


@dataclass(frozen=True)
class Operation:
    """``send(target_id, ids)`` makes one Talon.One call for a chunk and raises a TalonError
    when it is refused."""

    kind: str
    title: str  # "Add members", for the job's heading
    audit_action: str
    target_type: str
    done_word: str  # "added", "reserved"... for "497 added"
    send: Callable[[str, Sequence[str]], None]
    chunk_size: int = 500
    #: ``check(ids)`` -> the IDs Talon.One does not know; raises a TalonError when it cannot tell
    check: Callable[[Sequence[str]], set[str]] | None = None
    check_size: int = 100


@dataclass(frozen=True)
class JobPages:
    """Where an area shows its jobs: its blueprint, the URL argument that names the target
    (the audience ID, the coupon code), and the target's own page."""

    blueprint: str
    target_arg: str
    back_endpoint: str


@dataclass(frozen=True)
class Registered:
    operation: Operation
    pages: JobPages


def register(app: Flask, operations: Iterable[Operation], pages: JobPages) -> None:
    registry: dict[str, Registered] = app.extensions.setdefault(EXTENSION, {})
    for operation in operations:
        entry = Registered(operation, pages)
        if registry.setdefault(operation.kind, entry) != entry:
            raise ValueError(f"two bulk operations of kind {operation.kind!r}")


def registered(kind: str) -> Registered:
    return current_app.extensions[EXTENSION][kind]


def operation_of(kind: str) -> Operation:
    return registered(kind).operation
