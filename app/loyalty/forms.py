"""Forms of the loyalty pages: card search, link (look up, then confirm), unlink, generate,
activate or deactivate, replace, points added or deducted by hand, and the filters of the points and transaction lists (read from the query string, no CSRF)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from ..forms import ConsoleForm
from ..routing import page_arg
from ..changes import new_key
from ..points_caps import NOTE_MAX, REASONS
from ..validators import CardIdentifier, Check, ProfileId, SafeText, SessionId, stripped
from .durations import DURATION

TRANSACTION_TYPES = [SelectChoice("", "any")] + [SelectChoice(t) for t in ("session", "manual", "import")]
POINT_STATUSES = [SelectChoice(s) for s in ("active", "pending", "expired")]
BLOCK_REASON_MAX = 200


def page_number(args) -> int:
    """?page= of a list (app.routing.page_arg)."""
    return page_arg(args)


class CardSearchForm(ConsoleForm):
    class Meta:
        csrf = False  # a GET search

    program = SelectField("Program", coerce=int, choices=[], validate_choice=True)
    identifier = StringField(
        "Card identifier", filters=[stripped],
        validators=[DataRequired("Enter a card identifier, such as 4000-0002."),
                    CardIdentifier()],
        render_kw={"placeholder": "4000-0002", "autocomplete": "off"})


class ProfileProgramForm(ConsoleForm):
    class Meta:
        csrf = False

    program = SelectField("Program", coerce=int, choices=[], validate_choice=True)
    profile_id = StringField(
        "Customer profile ID", filters=[stripped],
        validators=[DataRequired("Enter a customer profile ID, such as cust-0001."),
                    ProfileId()],
        render_kw={"placeholder": "cust-0001", "autocomplete": "off"})


class LinkForm(ConsoleForm):
    """Step "lookup" shows the profile; step "confirm" links it."""

    profile_id = StringField(
        "Customer profile ID", filters=[stripped],
        validators=[DataRequired("Enter the customer profile ID to link."),
                    ProfileId()],
        render_kw={"placeholder": "cust-0001", "autocomplete": "off"})
    step = HiddenField(default="lookup", validators=[Regexp(r"^(lookup|confirm)$")])


class UnlinkForm(ConsoleForm):
    profile_id = HiddenField(validators=[DataRequired(), ProfileId()])


class GenerateCardForm(ConsoleForm):
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


class CardStatusForm(ConsoleForm):
    """Activate or deactivate (reversible; a blocked card is neither)."""

    status = HiddenField(validators=[DataRequired(), Regexp(r"^(active|inactive)$", message="Not a status.")])
    confirm = BooleanField("Yes, change the card's status",
                           validators=[DataRequired("Tick the box to change the status.")])


class ReplaceCardForm(ConsoleForm):
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


class PointsFilterForm(ConsoleForm):
    class Meta:
        csrf = False

    status = SelectField("Status", choices=POINT_STATUSES, default="active")


class TransactionFilterForm(ConsoleForm):
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


# -- points added or deducted by hand ---------------------------------------------------------

#: the largest amount AddLoyaltyPoints/DeductLoyaltyPoints take (points: maximum 999999999999.99)
POINTS_MAX = Decimal("999999999999.99")


def points_problem(value: str | None) -> str | None:
    """A positive number of points with at most two decimals; None when it is one."""
    text = (value or "").strip().replace(",", "")
    if not text:
        return "Enter how many points, such as 50."
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return "Enter a number of points, such as 50."
    if not amount.is_finite():
        return "Enter a number of points, such as 50."
    if amount <= 0:
        return "Enter more than 0 points: choose Deduct to take points away."
    if amount > POINTS_MAX:
        return f"At most {POINTS_MAX:,} points."
    if amount != amount.quantize(Decimal("0.01")):
        return "At most two decimals."
    return None


def duration_problem(value: str | None, none_word: str) -> str | None:
    """The spec's duration format (AddLoyaltyPoints.validityDuration / pendingDuration): an
    integer and one of s m h D W M Y, optionally rounded by _D (days only) or _U (days, weeks,
    months, years), or ``none_word`` (``unlimited`` / ``immediate``)."""
    if value == none_word:
        return None
    match = DURATION.match(value or "")
    if not match or not 0 < int(match[1]) <= 999999:
        return (f"Not a duration: a number and one of s m h D W M Y, such as 30D (30 days) or "
                f"1M_U (one month, to the end of the month), or {none_word}.")
    if match[3] == "_D" and match[2] != "D":
        return "_D (from the start of the day) rounds days only, such as 7D_D."
    if match[3] == "_U" and match[2] in "smh":
        return "_U (to the end of the period) rounds days, weeks, months and years only."
    return None


class PointsForm(ConsoleForm):
    """Add or deduct points on a card or a profile (app/points_caps.py: reasons and caps). The
    subledger choices are the program's, set by the view."""

    direction = RadioField("Change", choices=[SelectChoice("add", "Add points"),
                                              SelectChoice("deduct", "Deduct points")],
                           default="add", validators=[DataRequired("Choose add or deduct.")])
    points = StringField("Points", filters=[stripped],
                         validators=[Check(points_problem, required=True)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "50"})
    reason = SelectField("Reason", choices=[SelectChoice("", "Choose a reason")]
                         + [SelectChoice(v, label) for v, label in REASONS],
                         validators=[DataRequired("Choose a reason.")])
    note = TextAreaField("Note", filters=[stripped],
                         validators=[DataRequired("Say what happened, for the audit log and the customer's history."),
                                     SafeText(NOTE_MAX)],
                         description=f"What happened, for the audit log (at most {NOTE_MAX} characters).",
                         render_kw={"rows": 2})
    subledger = SelectField("Subledger", choices=[], validate_choice=False)
    validity = StringField("Expires after (additions)", filters=[stripped],
                           validators=[Optional(), Check(duration_problem, none_word="unlimited")],
                           render_kw={"autocomplete": "off", "placeholder": "30D"})
    pending = StringField("Pending for (additions)", filters=[stripped],
                          validators=[Optional(), Check(duration_problem, none_word="immediate")],
                          render_kw={"autocomplete": "off", "placeholder": "immediate"})
    submission = HiddenField(default=new_key,
                             validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def validate_subledger(self, field) -> None:
        if field.data not in {c.value if isinstance(c, SelectChoice) else c[0] for c in field.choices}:
            raise ValidationError("Not a subledger of this program: choose one from the list.")

    def validate_validity(self, field) -> None:
        if field.data and self.direction.data == "deduct":
            raise ValidationError("Only added points expire: leave this empty for a deduction.")

    def validate_pending(self, field) -> None:
        if field.data and self.direction.data == "deduct":
            raise ValidationError("Only added points can be pending: leave this empty for a deduction.")

    @property
    def amount(self) -> Decimal:
        return Decimal(self.points.data.replace(",", ""))
