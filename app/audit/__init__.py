"""The audit log: record() for every area, and the /audit page (routes.py) for managers and admins."""

from .log import record

__all__ = ["record"]
