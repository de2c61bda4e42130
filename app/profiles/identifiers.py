"""What a profile ID, a loyalty card identifier and a free-text value may look like, as WTForms
validators (forms) and plain checks (URLs). Checked before anything is sent to Talon.One, so a
malformed or hostile value gets a message next to its field and changes nothing."""

from __future__ import annotations

import re

from wtforms.validators import ValidationError

from ..routing import DOT_SEGMENT_PROBLEM, is_dot_segment

# Talon.One's integration IDs are free text of up to 1000 characters; the console accepts the
# printable ones without spaces or markup, up to 255 (the length the audit log keeps whole).
PROFILE_ID_MAX = 255
PROFILE_ID_PATTERN = re.compile(r"^[^\s<>\"'`\\\x00-\x1f\x7f]+$")

# generateLoyaltyCard's cardIdentifier in talon-openapi.json: ^[A-Za-z0-9._%+@-]+$, 4-108 long.
CARD_ID_MIN, CARD_ID_MAX = 4, 108
CARD_ID_PATTERN = re.compile(r"^[A-Za-z0-9._%+@-]+$")

MARKUP = re.compile(r"[<>]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def profile_id_problem(value: str | None, noun: str = "profile ID") -> str | None:
    """None when `value` can be an integration ID (of a customer profile, or of the `noun`
    given, such as "session ID"), else what is wrong."""
    value = value or ""
    if not value:
        return f"Enter a {noun}."
    if len(value) > PROFILE_ID_MAX:
        return f"A {noun} has at most {PROFILE_ID_MAX} characters (this one has {len(value)})."
    if MARKUP.search(value):
        return f"A {noun} cannot contain markup (< or >)."
    if not PROFILE_ID_PATTERN.match(value):
        return f"A {noun} cannot contain spaces, quotes, backslashes or control characters."
    if is_dot_segment(value):
        return DOT_SEGMENT_PROBLEM
    return None


def card_id_problem(value: str | None) -> str | None:
    """None when `value` can be a loyalty card identifier, else what is wrong."""
    value = value or ""
    if not value:
        return "Enter a card identifier."
    if len(value) > CARD_ID_MAX:
        return f"A card identifier has at most {CARD_ID_MAX} characters (this one has {len(value)})."
    if len(value) < CARD_ID_MIN:
        return f"A card identifier has at least {CARD_ID_MIN} characters."
    if not CARD_ID_PATTERN.match(value):
        return "A card identifier holds only letters, digits and . _ % + @ - (for example 4000-0002)."
    return None


def text_problem(value: str | None, *, limit: int) -> str | None:
    """Free text (an attribute value, a reason): bounded, without markup or control characters."""
    value = value or ""
    if len(value) > limit:
        return f"At most {limit} characters (this has {len(value)})."
    if MARKUP.search(value):
        return "Markup is not allowed here (< or >)."
    if CONTROL.search(value):
        return "Control characters are not allowed here."
    return None


class _Check:
    def __init__(self, check, **kwargs) -> None:
        self.check = check
        self.kwargs = kwargs

    def __call__(self, form, field) -> None:
        data = (field.data or "").strip() if isinstance(field.data, str) or field.data is None else field.data
        if not data:
            return  # DataRequired / Optional decide about empty values
        problem = self.check(data, **self.kwargs)
        if problem:
            raise ValidationError(problem)


def ProfileId():  # noqa: N802 - reads like the WTForms validators next to it
    return _Check(profile_id_problem)


def SessionId():  # noqa: N802
    return _Check(profile_id_problem, noun="session ID")


def CardIdentifier():  # noqa: N802
    return _Check(card_id_problem)


def SafeText(limit: int):  # noqa: N802
    return _Check(text_problem, limit=limit)
