"""What a value typed by staff may look like before anything is sent to Talon.One: one rule per
kind of value, as a plain check (``*_problem`` returns None or what is wrong, for URLs, CSV rows
and imported files) and as a WTForms validator (forms), so a malformed or hostile value gets a
message next to its field and changes nothing.

Lengths follow Talon.One (talon-openapi.json) where the console sends the value on:
- profile and session integration IDs: at most 255 characters. The spec allows 1,000 for an
  ``integrationId``, but its loyalty ledgers and transactions keep the profile and session IDs
  they record in 255 (``customerProfileId``, ``customerSessionId``: maxLength 255), and so do the
  console's audit log and recent views; a longer ID could be created but never followed;
- loyalty card identifiers: 4 to 108 characters of ``^[A-Za-z0-9._%+@-]+$``
  (``LoyaltyCardIdentifier``);
- coupon and referral codes entered in a session: at most 100 (``NewCustomerSessionV2``'s
  ``couponCodes`` items and ``referralCode``); a code that is only looked up (Management
  ``value``, no maximum in the spec) at most 255, the audit log's width;
- attribute names: a letter, then letters, digits or ``_``, at most 64 (the Management API's
  attribute ``name``, ``^[a-zA-Z]\\w+$``).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from wtforms.validators import ValidationError

from .routing import DOT_SEGMENT_PROBLEM, is_dot_segment

INTEGRATION_ID_MAX = 255
INTEGRATION_ID = re.compile(r"^[^\s<>\"'`\\\x00-\x1f\x7f]+$")

CARD_ID_MIN, CARD_ID_MAX = 4, 108
CARD_IDENTIFIER = re.compile(r"^[A-Za-z0-9._%+@-]+$")

SESSION_CODE_MAX = 100
LOOKUP_CODE_MAX = 255

ATTRIBUTE_NAME_MAX = 64
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

MARKUP = re.compile(r"[<>]")
#: control characters other than line breaks (which text areas legitimately hold)
CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


# -- plain checks ---------------------------------------------------------------------------

def integration_id_problem(value: str | None, noun: str = "profile ID") -> str | None:
    """None when ``value`` can be a profile (or, with ``noun``, a session) integration ID."""
    value = value or ""
    if not value:
        return f"Enter a {noun}."
    if len(value) > INTEGRATION_ID_MAX:
        return (f"A {noun} is too long: at most {INTEGRATION_ID_MAX} characters (this one has "
                f"{len(value):,}).")
    if MARKUP.search(value):
        return f"A {noun} cannot contain markup (< or >)."
    if _SPACE.search(value):
        return f"A {noun} cannot contain spaces (this one contains a space)."
    if not INTEGRATION_ID.match(value):
        return f"A {noun} cannot contain quotes, backslashes or control characters."
    if is_dot_segment(value):
        return DOT_SEGMENT_PROBLEM
    return None


def card_id_problem(value: str | None) -> str | None:
    """None when ``value`` can be a loyalty card identifier, else what is wrong."""
    value = value or ""
    if not value:
        return "Enter a card identifier."
    if len(value) > CARD_ID_MAX:
        return f"A card identifier has at most {CARD_ID_MAX} characters (this one has {len(value)})."
    if len(value) < CARD_ID_MIN:
        return f"A card identifier has at least {CARD_ID_MIN} characters."
    if not CARD_IDENTIFIER.match(value):
        return "A card identifier holds only letters, digits and . _ % + @ - (for example 4000-0002)."
    return None


def coupon_code_problem(code: str | None, *, limit: int = LOOKUP_CODE_MAX,
                        noun: str = "coupon code") -> str | None:
    """None when ``code`` can be a coupon (or, with ``noun``, a referral) code of at most
    ``limit`` characters."""
    code = code or ""
    if not code:
        return f"Enter a {noun}."
    if len(code) > limit:
        return (f"A {noun} has at most {limit} characters; this one is longer than {limit} "
                f"({len(code):,} characters).")
    if MARKUP.search(code):
        return f"A {noun} cannot contain markup (< or >)."
    if _SPACE_OR_CONTROL.search(code):
        return f"A {noun} cannot contain spaces or control characters."
    if is_dot_segment(code):
        return DOT_SEGMENT_PROBLEM
    return None


def attribute_name_problem(name: str | None) -> str | None:
    if ATTRIBUTE_NAME.match(name or ""):
        return None
    return ("An attribute name starts with a letter and holds only letters, digits and "
            f"underscores (at most {ATTRIBUTE_NAME_MAX}).")


def text_problem(value: str | None, *, limit: int | None = None) -> str | None:
    """Free text (a name, a reason, a value) is stored, audited and shown to other staff:
    bounded, no markup, no control characters."""
    value = value or ""
    if limit is not None and len(value) > limit:
        return f"At most {limit} characters (this has {len(value)})."
    if MARKUP.search(value):
        return "Markup is not allowed: use plain text (no < or >)."
    if CONTROL.search(value):
        return "Control characters are not allowed."
    return None


# -- WTForms ----------------------------------------------------------------------------------

def stripped(value: Any) -> Any:
    """A WTForms filter: surrounding spaces are never part of a value."""
    return value.strip() if isinstance(value, str) else value


class Check:
    """A WTForms validator from a plain check. Empty values are left to DataRequired or
    Optional, unless ``required`` (then the check says what to enter)."""

    def __init__(self, check: Callable[..., str | None], *, required: bool = False,
                 **kwargs: Any) -> None:
        self.check = check
        self.required = required
        self.kwargs = kwargs

    def __call__(self, form, field) -> None:
        data = field.data.strip() if isinstance(field.data, str) else field.data
        if not data and not self.required:
            return
        problem = self.check(data, **self.kwargs)
        if problem:
            raise ValidationError(problem)


# Named like the WTForms validators they sit next to.
def ProfileId() -> Check:
    return Check(integration_id_problem)


def SessionId() -> Check:
    return Check(integration_id_problem, noun="session ID")


def CardIdentifier() -> Check:
    return Check(card_id_problem)


def CouponCode(*, required: bool = False) -> Check:
    return Check(coupon_code_problem, required=required)


def AttributeName() -> Check:
    return Check(attribute_name_problem)


def SafeText(limit: int | None = None) -> Check:
    return Check(text_problem, limit=limit)


#: the validator of free text without a length of its own (Length says that)
plain_text = SafeText()
