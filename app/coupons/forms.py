"""Forms of the coupon pages, validated on the server; errors show next to their field."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired

from ..bulk.reader import ProfileIdsInput
from ..forms import ConsoleForm
from ..validators import CouponCode, stripped


class FindCouponForm(ConsoleForm):
    class Meta:
        csrf = False  # a GET search form

    code = StringField("Coupon code", filters=[stripped], validators=[CouponCode(required=True)],
                       render_kw={"placeholder": "SUMMER20", "autocomplete": "off"})


class ReservationsForm(ProfileIdsInput, ConsoleForm):
    action = RadioField("Change", default="reserve", validators=[InputRequired()],
                        choices=[SelectChoice("reserve", "Reserve for these profiles"),
                                 SelectChoice("remove", "Remove their reservations")])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.validate_sources() and valid
