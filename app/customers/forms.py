"""The customer page's sessions filter (the profile ID in the URL is checked by
app.validators)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp

from .sections import SESSION_STATES, SessionFilter

STORE_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
MAX_PAGE = 1000


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
