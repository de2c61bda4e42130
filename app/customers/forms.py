"""The customer page's inputs: the profile ID in the URL and the sessions filter."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp

from .sections import SESSION_STATES, SessionFilter

# Talon.One integration IDs are free text up to 1000 characters; the console takes printable
# ones without spaces or markup, up to 255 (what the audit log and recent views keep whole).
INTEGRATION_ID_LIMIT = 255
INTEGRATION_ID = re.compile(r"^[^\s<>\"'`\\\x00-\x1f\x7f]+$")
STORE_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
MAX_PAGE = 1000


def integration_id_problem(value: str) -> str | None:
    """None when ``value`` can be a profile or session integration ID, else what is wrong."""
    if not value:
        return "The ID is empty."
    if len(value) > INTEGRATION_ID_LIMIT:
        return f"An ID has at most {INTEGRATION_ID_LIMIT} characters (this one has {len(value)})."
    if not INTEGRATION_ID.match(value):
        return "An ID cannot contain spaces, quotes, markup (< >) or control characters."
    return None


class SessionFilterForm(FlaskForm):
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

    def filters(self) -> SessionFilter:
        return SessionFilter(state=self.state.data or None, store=(self.store.data or "").strip() or None,
                             page=self.page.data or 1)

    def query(self, **changes) -> dict:
        """The filter as URL arguments (empty ones left out), with ``changes`` applied."""
        current = self.filters()
        args = {"state": current.state, "store": current.store, "page": current.page}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", 1)}
