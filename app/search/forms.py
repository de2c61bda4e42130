"""The search box, validated on the server like every other form."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import ConsoleForm

QUERY_LIMIT = 200


def printable(form, field) -> None:
    if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError("Remove the control characters (tabs, line breaks) from the ID.")


class SearchForm(ConsoleForm):
    """GET form: no CSRF token (it changes nothing, and the URL must be shareable)."""

    class Meta:
        csrf = False

    q = StringField(
        "Profile, session, coupon or card ID",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired("Type a profile ID, session ID, coupon code or loyalty card."),
            Length(max=QUERY_LIMIT, message=f"IDs are at most {QUERY_LIMIT} characters."),
            printable,
        ],
    )
