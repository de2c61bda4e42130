"""The order of a paged list, chosen by its column headings and kept in the URL (``?sort=``).

A paged list is sorted where the whole list is: by Talon.One (a Management list's ``sort``
parameter, "The field by which results should be sorted. By default, results are sorted in
ascending order. To sort them in descending order, prefix the field name with `-`."; see
talon-openapi.json, e.g. getApplicationSessions, getAudienceMemberships) or by the console's own
database query (the audit log), never by the browser among the rows of one page.

``?sort=`` takes a column's key, ``-key`` for descending, the same convention. A value the list
does not know (another column, markup, anything) is ignored: the list keeps its default order
and says so (``Sort.problem``), never a 400 or a 500. The heading links (macro
``sort_heading`` in _macros.html) go to page 1 in the new order and keep every other argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

MAX_SORT_ARG = 64


@dataclass(frozen=True)
class Column:
    """One sortable column: ``key`` in the URL, ``field`` as Talon.One's ``sort`` (or the
    console's query) names it, ``label`` as its heading reads."""

    key: str
    label: str
    field: str
    #: the first click sorts this way (times and amounts: newest or largest first is no more
    #: natural than the other, so ascending unless said)
    descending_first: bool = False


@dataclass(frozen=True)
class Sort:
    columns: tuple[Column, ...]
    key: str
    descending: bool
    default: str
    problem: str | None = None

    @classmethod
    def read(cls, raw: str | None, columns: Sequence[Column], default: str) -> "Sort":
        """The order ``raw`` (``?sort=``) asks for, or ``default`` (e.g. ``"-created"``) with a
        problem when it names no column of this list."""
        columns = tuple(columns)
        known = {c.key for c in columns}
        if default.lstrip("-") not in known:
            raise ValueError(f"default sort {default!r} is not one of {sorted(known)}")
        wanted = (raw or "").strip()
        problem = None
        if wanted and (len(wanted) > MAX_SORT_ARG or wanted.lstrip("-") not in known
                       or wanted.startswith("--")):
            shown = wanted if len(wanted) <= 40 else wanted[:40] + "…"
            labels = ", ".join(c.label for c in columns)
            problem = (f"This list cannot be sorted by “{shown}”, so it is in its usual order. "
                       f"It can be sorted by {labels}.")
            wanted = ""
        wanted = wanted or default
        return cls(columns, wanted.lstrip("-"), wanted.startswith("-"), default, problem)

    @property
    def column(self) -> Column:
        return next(c for c in self.columns if c.key == self.key)

    @property
    def param(self) -> str:
        """For Talon.One's ``sort``: the field, ``-`` prefixed for descending."""
        return ("-" if self.descending else "") + self.column.field

    @property
    def arg(self) -> str | None:
        """For ``?sort=`` in links (paging): None for the default order (a clean URL)."""
        value = ("-" if self.descending else "") + self.key
        return None if value == self.default else value

    def sortable(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    def aria(self, key: str) -> str | None:
        """``aria-sort`` for the heading of ``key``: only the sorted column has one."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def next_descending(self, key: str) -> bool:
        """The direction a click on ``key``'s heading sorts in: the other one for the sorted
        column, the column's first direction for another."""
        if key == self.key:
            return not self.descending
        return next(c.descending_first for c in self.columns if c.key == key)

    def next_arg(self, key: str) -> str | None:
        """``?sort=`` of the link on ``key``'s heading (None: the default order)."""
        value = ("-" if self.next_descending(key) else "") + key
        return None if value == self.default else value
