"""Forms of the coupon pages, validated on the server; errors show next to their field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, ValidationError

from ..bulk.reader import ProfileIdsInput
from ..validators import coupon_code_problem, stripped

def coupon_code(form, field) -> None:
    """A code must be given and well-formed (validators.coupon_code_problem)."""
    problem = coupon_code_problem(field.data)
    if problem:
        raise ValidationError(problem)


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
