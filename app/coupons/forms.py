"""Forms of the coupon pages, validated on the server; errors show next to their field."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, ValidationError

from ..bulk import ProfileIdsInput
from ..routing import DOT_SEGMENT_PROBLEM, is_dot_segment

CODE_MAX = 255
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def coupon_code_problem(code: str | None) -> str | None:
    """None when `code` can be a coupon code, else what is wrong with it."""
    code = code or ""
    if not code:
        return "Enter a coupon code."
    if len(code) > CODE_MAX:
        return f"A coupon code has at most {CODE_MAX} characters (this one has {len(code):,})."
    if "<" in code or ">" in code:
        return "A coupon code cannot contain markup (< or >)."
    if _CONTROL_OR_SPACE.search(code):
        return "A coupon code cannot contain spaces or control characters."
    if is_dot_segment(code):
        return DOT_SEGMENT_PROBLEM
    return None


def coupon_code(form, field) -> None:
    problem = coupon_code_problem(field.data)
    if problem:
        raise ValidationError(problem)


def stripped(value):
    return value.strip() if isinstance(value, str) else value


class FindCouponForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    code = StringField("Coupon code", filters=[stripped], validators=[coupon_code],
                       render_kw={"placeholder": "SUMMER20", "autocomplete": "off"})


class ReservationsForm(ProfileIdsInput, FlaskForm):
    action = RadioField("Change", default="reserve", validators=[InputRequired()],
                        choices=[SelectChoice("reserve", "Reserve for these profiles"),
                                 SelectChoice("remove", "Remove their reservations")])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.validate_sources() and valid


class GoodwillForm(FlaskForm):
    """Reserve a goodwill coupon for the customer: the next free code of the goodwill family,
    or a code the agent types."""

    choice = RadioField("Coupon", default="next", validators=[InputRequired()],
                        choices=[SelectChoice("next", "The next free goodwill code"),
                                 SelectChoice("typed", "This code:")])
    code = StringField("Code", filters=[stripped],
                       render_kw={"placeholder": "GOODWILL-001", "autocomplete": "off"})

    def validate_code(self, field) -> None:
        if self.choice.data == "typed":
            coupon_code(self, field)
