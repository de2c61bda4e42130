"""Forms of the profile pages. Typed attribute values are checked in attributes.py (the type of
an attribute comes from Talon.One's definitions or the profile, not from the form), everything
else here."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..changes import new_key
from ..forms import ConsoleForm
from ..validators import INTEGRATION_ID_MAX, AttributeName, ProfileId, stripped
from .attributes import KINDS

# Talon.One publishes no cap on a profile's attributes (the spec's attributes object has no
# maxProperties): the editor holds every attribute a profile has, up to a bound far above what an
# account defines, and says so past it instead of cutting the form short.
MAX_ATTRIBUTE_ROWS = 10_000


class AttributeRowForm(Form):
    """One existing attribute: its name travels hidden, its type is looked up on the server."""

    name = HiddenField(validators=[DataRequired(), Length(max=64)])
    value = StringField("Value")


class EditAttributesForm(ConsoleForm):
    rows = FieldList(FormField(AttributeRowForm), max_entries=MAX_ATTRIBUTE_ROWS)
    new_name = StringField(
        "New attribute", filters=[stripped],
        validators=[Optional(),
                    AttributeName()])
    new_kind = SelectField("Type", choices=[SelectChoice(k, label) for k, label in KINDS.items()], default="string",
                           description="An attribute Talon.One declares keeps its declared type.")
    new_value = StringField("Value")
    # The changes the user previewed (a fingerprint); Save only sends what was previewed.
    previewed = HiddenField(validators=[Optional(), Length(max=64)])
    preview = SubmitField("Preview effects")
    save = SubmitField("Save changes")


class AudienceChangeForm(ConsoleForm):
    audience_id = IntegerField("Audience", validators=[DataRequired("Choose an audience."),
                                                       NumberRange(min=1)])
    action = SelectField("Action", choices=[SelectChoice("add", "Add"), SelectChoice("delete", "Remove")])


class ReferralForm(ConsoleForm):
    campaign_id = SelectField("Referral campaign", coerce=int, choices=[],
                              validate_choice=True)
    usage_limit = IntegerField(
        "Uses", default=1,
        validators=[InputRequired("Enter how often the code may be used (0 for no limit)."),
                    NumberRange(min=0, max=999_999, message="Between 0 (no limit) and 999999.")],
        description="How many friends may use the code; 0 means no limit of its own.")
    expiry_date = DateField("Valid until (optional)", validators=[Optional()])
    friend_id = StringField(
        "Friend's profile ID (optional)", filters=[stripped],
        validators=[Optional(), ProfileId()],
        description="Only this profile may use the code.")
    submission = HiddenField(default=new_key,
                             validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def validate_expiry_date(self, field) -> None:
        if field.data and field.data <= date.today():
            raise ValidationError("Choose a date after today.")


class DeleteDataForm(ConsoleForm):
    confirm_id = StringField(
        "Type the profile ID to confirm", filters=[stripped],
        validators=[DataRequired("Type the profile ID exactly as shown."),
                    Length(max=INTEGRATION_ID_MAX + 1)],
        render_kw={"autocomplete": "off", "spellcheck": "false"})

    def __init__(self, integration_id: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.integration_id = integration_id

    def validate_confirm_id(self, field) -> None:
        if field.data != self.integration_id:
            raise ValidationError(f"This is not {self.integration_id}. Type it exactly as shown to confirm.")


def referral_request(advocate_id: str, form: ReferralForm) -> dict:
    """createReferral's arguments from a validated form (the code is valid until the end of the
    chosen day, UTC)."""
    expiry = form.expiry_date.data
    return {
        "campaign_id": form.campaign_id.data,
        "advocate_profile_integration_id": advocate_id,
        "friend_profile_integration_id": form.friend_id.data or None,
        "usage_limit": form.usage_limit.data,
        "expiry_date": (datetime.combine(expiry, time(23, 59, 59), timezone.utc)
                        if expiry else None),
    }
