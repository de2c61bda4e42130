"""The customer page's forms: the sessions filter (the profile ID in the URL is checked by
app.validators), the goodwill widget's and the timeline's filter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import ConsoleForm
from ..sorting import Column, Sort
from ..validators import CouponCode, stripped
from . import timeline

STORE_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
MAX_PAGE = 1000

SESSIONS_PER_PAGE = 10
SESSION_STATES = ("open", "closed", "partially_returned", "cancelled")


# The sessions table's sortable columns: Talon.One sorts the whole list (getApplicationSessions'
# `sort`, "prefix the field name with `-`" for descending; ApplicationSession's fields). Items
# (counted from the cart) and Coupon are not sortable: no field holds them as shown.
SESSION_COLUMNS = (
    Column("session", "Session", "integrationId"),
    Column("state", "State", "state"),
    Column("store", "Store", "storeIntegrationId"),
    Column("created", "Created", "created", descending_first=True),
    Column("total", "Total", "total", descending_first=True),
)
SESSION_ORDER = "-created"


@dataclass(frozen=True)
class SessionFilter:
    state: str | None = None
    store: str | None = None
    page: int = 1
    sort: Sort = Sort.read(None, SESSION_COLUMNS, SESSION_ORDER)

    @property
    def skip(self) -> int:
        return (self.page - 1) * SESSIONS_PER_PAGE


class SessionFilterForm(ConsoleForm):
    """GET form (no CSRF: it changes nothing and its URL can be shared)."""

    class Meta:
        csrf = False

    state = SelectField(
        "State", choices=[SelectChoice("", "Any state")]
        + [SelectChoice(s, s.replace("_", " ")) for s in SESSION_STATES],
        default="",
    )
    store = StringField("Store", validators=[
        Optional(), Length(max=100, message="A store ID has at most 100 characters."),
        Regexp(STORE_ID, message="A store ID holds only letters, digits and . _ : - (like store-berlin)."),
    ])
    page = IntegerField("Page", default=1, validators=[
        Optional(), NumberRange(min=1, max=MAX_PAGE, message=f"Pages run from 1 to {MAX_PAGE}."),
    ])
    # the table's order (app/sorting.py): an unknown one is ignored with a word, never an error
    sort = HiddenField()

    def sorting(self) -> Sort:
        return Sort.read(self.sort.data, SESSION_COLUMNS, SESSION_ORDER)

    def filters(self) -> SessionFilter:
        return SessionFilter(state=self.state.data or None, store=(self.store.data or "").strip() or None,
                             page=self.page.data or 1, sort=self.sorting())

    def query(self, **changes) -> dict:
        """The filter as URL arguments (empty ones left out), with ``changes`` applied."""
        current = self.filters()
        args = {"state": current.state, "store": current.store, "page": current.page,
                "sort": current.sort.arg}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", 1)}


class GoodwillForm(ConsoleForm):
    """Reserve a goodwill coupon for the customer: the next free code of the goodwill family,
    or a code the agent types."""

    choice = RadioField("Coupon", default="next", validators=[InputRequired()],
                        choices=[SelectChoice("next", "The next free goodwill code"),
                                 SelectChoice("typed", "This code:")])
    code = StringField("Code", filters=[stripped],
                       render_kw={"placeholder": "GOODWILL-001", "autocomplete": "off"})

    def validate_code(self, field) -> None:
        if self.choice.data == "typed":
            CouponCode(required=True)(self, field)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def DateRange():
    def check(_form, field) -> None:
        if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
            raise ValidationError(f"A day from {FIRST_DAY:%Y} to {LAST_DAY:%Y}.")
    return check


class TimelineForm(ConsoleForm):
    """The timeline's filter (GET, no CSRF: it changes nothing and its URL can be shared)."""

    class Meta:
        csrf = False

    kind = SelectMultipleField(
        "Show", choices=[SelectChoice(k, timeline.KIND_TITLES[k]) for k in timeline.KINDS],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    first_day = DateField("From", validators=[Optional(), DateRange()])
    last_day = DateField("To", validators=[Optional(), DateRange()])
    older = HiddenField()

    def validate_last_day(self, field) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError("The last day is before the first.")

    def window(self) -> timeline.Window:
        return timeline.Window(kinds=tuple(self.kind.data or timeline.KINDS),
                               first_day=self.first_day.data, last_day=self.last_day.data,
                               cursor=timeline.Cursor.decode(self.older.data),
                               zone=ZoneInfo(str(get_timezone() or "UTC")))

    def query(self, **changes) -> dict:
        """The filter as URL arguments (empty ones left out), with ``changes`` applied."""
        args = {"kind": [k for k in (self.kind.data or []) if k in timeline.KINDS] or None,
                "first_day": self.first_day.data.isoformat() if self.first_day.data else None,
                "last_day": self.last_day.data.isoformat() if self.last_day.data else None,
                "older": self.older.data or None}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", [])}
