"""Forms of the audience pages, validated on the server; errors show next to their field."""

from __future__ import annotations

import json
import math

from wtforms import (BooleanField, HiddenField, IntegerField, RadioField, SelectChoice, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..bulk.reader import ProfileIdsInput
from ..forms import ConsoleForm
from ..validators import AttributeName, plain_text, stripped

NAME_MAX = 200
DESCRIPTION_MAX = 1000
ATTRIBUTE_VALUE_MAX = 1000

class AudienceForm(ConsoleForm):
    name = StringField("Name", filters=[stripped],
                       validators=[DataRequired("Give the audience a name."), Length(max=NAME_MAX),
                                   plain_text])
    description = TextAreaField("Description", filters=[stripped],
                                validators=[Optional(), Length(max=DESCRIPTION_MAX), plain_text],
                                render_kw={"rows": 2})
    # One token per rendered form: a double submit creates the audience once.
    submission = HiddenField()


class RenameForm(ConsoleForm):
    name = StringField("New name", filters=[stripped],
                       validators=[DataRequired("Give the audience a name."), Length(max=NAME_MAX),
                                   plain_text])


class DeleteForm(ConsoleForm):
    confirm_name = StringField("Type the audience's name to confirm",
                               validators=[DataRequired("Type the name to confirm.")],
                               render_kw={"autocomplete": "off"})

    def check_name(self, name: str) -> bool:
        if (self.confirm_name.data or "").strip() != name:
            self.confirm_name.errors = list(self.confirm_name.errors) + [
                "That is not the audience's name; nothing was deleted."]
            return False
        return True


class ClearForm(ConsoleForm):
    confirm = BooleanField("Yes, remove every member from this audience",
                           validators=[DataRequired("Tick the box to confirm.")])


class MembersForm(ProfileIdsInput, ConsoleForm):
    action = RadioField("Change", choices=[SelectChoice("add", "Add to the audience"),
                                           SelectChoice("remove", "Remove from the audience")],
                        default="add", validators=[InputRequired()])
    create_unknown = BooleanField(
        "When adding: let Talon.One create the profiles it does not know, without checking first",
        description="For a list of new customers: much faster for a large list. Left unticked, "
                    "every ID is looked up first and you choose what happens to the unknown ones.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.validate_sources() and valid


ATTRIBUTE_TYPES = [SelectChoice("string", "Text"), SelectChoice("number", "Number"),
                   SelectChoice("boolean", "True / false")]


class AttributeForm(ConsoleForm):
    """Set one profile attribute on every member. Talon.One has no dry run for this, so the
    preview step states how many members change and the confirmation repeats that count."""

    attribute = StringField("Profile attribute", filters=[stripped],
                            validators=[DataRequired("Name the attribute."), AttributeName()],
                            render_kw={"placeholder": "Tier", "autocomplete": "off"})
    kind = RadioField("Type", choices=ATTRIBUTE_TYPES, default="string")
    value = StringField("Value", validators=[Length(max=ATTRIBUTE_VALUE_MAX), plain_text],
                        render_kw={"autocomplete": "off"})
    # Set by the preview; the change is refused if the audience has changed size since.
    expected_members = IntegerField(validators=[Optional()])
    confirm = BooleanField("I understand this changes the attribute of every member")

    def validate_value(self, field) -> None:
        self.typed_value()  # raises ValidationError for a value that does not fit the type

    def typed_value(self):
        text = (self.value.data or "").strip()
        if self.kind.data == "number":
            try:
                number = json.loads(text)
            except ValueError:
                number = None
            if (isinstance(number, bool) or not isinstance(number, (int, float))
                    or not math.isfinite(number)):
                raise ValidationError("Not a number (use a dot for decimals, e.g. 12.5).")
            return number
        if self.kind.data == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValidationError("Enter true or false.")
            return text.lower() == "true"
        if not text:
            raise ValidationError("Enter a value.")
        return text
