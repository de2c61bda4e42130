"""Forms of the loyalty pages: card search, link (look up, then confirm), unlink, generate,
activate or deactivate, replace, and the filters of the points and transaction lists (read from the query string, no CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from ..routing import page_arg
from ..changes import new_key
from ..validators import CardIdentifier, ProfileId, SafeText, SessionId, stripped

TRANSACTION_TYPES = [SelectChoice("", "any")] + [SelectChoice(t) for t in ("session", "manual", "import")]
POINT_STATUSES = [SelectChoice(s) for s in ("active", "pending", "expired")]
BLOCK_REASON_MAX = 200


def page_number(args) -> int:
    """?page= of a list (app.routing.page_arg)."""
    return page_arg(args)


class CardSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    program = SelectField("Program", coerce=int, choices=[], validate_choice=True)
    identifier = StringField(
        "Card identifier", filters=[stripped],
        validators=[DataRequired("Enter a card identifier, such as 4000-0002."),
                    CardIdentifier()],
        render_kw={"placeholder": "4000-0002", "autocomplete": "off"})


class ProfileProgramForm(FlaskForm):
    class Meta:
        csrf = False

    program = SelectField("Program", coerce=int, choices=[], validate_choice=True)
    profile_id = StringField(
        "Customer profile ID", filters=[stripped],
        validators=[DataRequired("Enter a customer profile ID, such as cust-0001."),
                    ProfileId()],
        render_kw={"placeholder": "cust-0001", "autocomplete": "off"})


class LinkForm(FlaskForm):
    """Step "lookup" shows the profile; step "confirm" links it."""

    profile_id = StringField(
        "Customer profile ID", filters=[stripped],
        validators=[DataRequired("Enter the customer profile ID to link."),
                    ProfileId()],
        render_kw={"placeholder": "cust-0001", "autocomplete": "off"})
    step = HiddenField(default="lookup", validators=[Regexp(r"^(lookup|confirm)$")])


class UnlinkForm(FlaskForm):
    profile_id = HiddenField(validators=[DataRequired(), ProfileId()])


class GenerateCardForm(FlaskForm):
    identifier = StringField(
        "Card identifier (optional)", filters=[stripped],
        validators=[Optional(), CardIdentifier()],
        description="Leave empty to let Talon.One generate one.",
        render_kw={"autocomplete": "off"})
    status = SelectField("Status", choices=[SelectChoice("active"), SelectChoice("inactive")])
    profile_id = StringField(
        "Link to customer profile (optional)", filters=[stripped],
        validators=[Optional(), ProfileId()],
        render_kw={"placeholder": "cust-0001", "autocomplete": "off"})
    submission = HiddenField(default=new_key,
                             validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])


class CardStatusForm(FlaskForm):
    """Activate or deactivate (reversible; a blocked card is neither)."""

    status = HiddenField(validators=[DataRequired(), Regexp(r"^(active|inactive)$", message="Not a status.")])
    confirm = BooleanField("Yes, change the card's status",
                           validators=[DataRequired("Tick the box to change the status.")])


class ReplaceCardForm(FlaskForm):
    """Talon.One's transfer: the new card takes everything, the old one is blocked for good."""

    new_identifier = StringField(
        "New card identifier", filters=[stripped],
        validators=[DataRequired("Enter the identifier of the card handed to the customer."), CardIdentifier()],
        description="The physical or digital card that replaces this one; it must not exist yet.",
        render_kw={"autocomplete": "off", "placeholder": "4000-9001"})
    reason = StringField(
        "Reason", filters=[stripped],
        validators=[DataRequired("Say why the card is replaced, such as “Reported lost by the customer”."),
                    SafeText(BLOCK_REASON_MAX)],
        description=f"Kept in Talon.One as the old card's block reason (at most {BLOCK_REASON_MAX} characters).",
        render_kw={"autocomplete": "off", "placeholder": "Reported lost by the customer"})
    confirm = BooleanField("Replace it: the old card is blocked for good; Talon.One never activates it again",
                           validators=[DataRequired("Tick the box to replace the card.")])
    submission = HiddenField(default=new_key,
                             validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])


class PointsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Status", choices=POINT_STATUSES, default="active")


class TransactionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField("Type", choices=TRANSACTION_TYPES, default="")
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    session = StringField("Session ID", filters=[stripped],
                          validators=[Optional(), SessionId()],
                          render_kw={"placeholder": "sess-00001"})

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("Must not be before the start date.")
