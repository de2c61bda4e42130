"""Forms of /admin/users, /admin/points-caps and /account/password. The account rules themselves (username shape,
password strength in production, store only for managers) live in app.auth.accounts, which the
CLI shares; these forms catch malformed input first and put each message next to its field."""

from __future__ import annotations

import re

from wtforms import (
    BooleanField,
    Form,
    FormField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from ..auth.accounts import USERNAME_PATTERN
from ..forms import ConsoleForm
from ..models import ROLES
from ..validators import Check, SafeText, stripped

STORE_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
PASSWORD_MAX = 200


def _lower(value):
    return value.lower() if isinstance(value, str) else value


class _StoreRule:
    """A store (storeIntegrationId) is only for managers."""

    def validate_store(self, field) -> None:
        if field.data and self.role.data != "manager":
            raise ValidationError("Only managers are tied to a store; leave it empty for this role.")


class CreateUserForm(_StoreRule, ConsoleForm):
    username = StringField(
        "Username", filters=[stripped, _lower],
        validators=[DataRequired("Enter a username."), Length(max=80),
                    SafeText(80),
                    Regexp(USERNAME_PATTERN, message="2-80 characters: lowercase letters, digits, "
                           "dot, dash and underscore, starting with a letter or digit.")],
        render_kw={"autocomplete": "off"})
    role = SelectField("Role", choices=[SelectChoice(r) for r in ROLES], default="agent")
    store = StringField(
        "Store (managers only)", filters=[stripped],
        validators=[Optional(), Length(max=100), SafeText(100),
                    Regexp(STORE_PATTERN, message="A storeIntegrationId such as store-berlin: "
                           "letters, digits, dot, dash and underscore.")],
        description="The storeIntegrationId a manager may return and reopen sessions for; "
                    "empty means every store.")
    password = PasswordField(
        "Initial password", validators=[Optional(), Length(max=PASSWORD_MAX)],
        description="Leave empty to generate a one-time password, shown once.",
        render_kw={"autocomplete": "new-password"})
    must_change = BooleanField("Require a new password at first login", default=True)


class RoleForm(_StoreRule, ConsoleForm):
    role = SelectField("Role", choices=[SelectChoice(r) for r in ROLES])
    store = StringField(
        "Store (managers only)", filters=[stripped],
        validators=[Optional(), Length(max=100), SafeText(100),
                    Regexp(STORE_PATTERN, message="A storeIntegrationId such as store-berlin: "
                           "letters, digits, dot, dash and underscore.")])


class ResetPasswordForm(ConsoleForm):
    mode = RadioField(
        "New password", default="generate",
        choices=[SelectChoice("generate", "Generate a one-time password (shown once; the user "
                                          "must choose a new one when logging in)"),
                 SelectChoice("set", "Set a temporary password I give the user")])
    password = PasswordField("Temporary password", validators=[Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "new-password"})
    must_change = BooleanField("Require a new password at the next login", default=True)

    def validate_password(self, field) -> None:
        if self.mode.data == "set" and not field.data:
            raise ValidationError("Enter the temporary password, or choose to generate one.")


class ConfirmForm(ConsoleForm):
    """A button that changes something: only the CSRF token."""


class ChangeOwnPasswordForm(ConsoleForm):
    # Required by app.auth.accounts.change_own_password unless an admin just set the password.
    current_password = PasswordField(
        "Current password", validators=[Optional(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password", "autofocus": True})
    password = PasswordField(
        "New password", validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX)],
        description="At least 12 characters; not a common password, not made of your username. "
                    "A few unrelated words work well.",
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the new password."),
                    EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"})


# -- the caps on points added or deducted by hand (app/points_caps.py) ------------------------

CAP_MAX = 10**12  # Talon.One takes at most 999999999999.99 points in one change


def cap_problem(value: str | None) -> str | None:
    """Empty (no cap) or a whole number of points above 0."""
    text = (value or "").strip().replace(",", "")
    if not text:
        return None
    if not re.fullmatch(r"-?\d+", text):
        return "Enter a whole number of points, or leave it empty for no cap."
    if int(text) <= 0:
        return "A cap is more than 0 points; leave it empty for no cap."
    if int(text) > CAP_MAX:
        return f"At most {CAP_MAX:,}; leave it empty for no cap."
    return None


class RoleCapForm(Form):
    per_change = StringField("Points per change", filters=[stripped],
                             validators=[Check(cap_problem)], render_kw={"inputmode": "numeric"})
    per_day = StringField("Points per day (per staff member)", filters=[stripped],
                          validators=[Check(cap_problem)], render_kw={"inputmode": "numeric"})

    def validate_per_day(self, field) -> None:
        if cap_problem(field.data) or cap_problem(self.per_change.data):
            return
        if field.data and self.per_change.data and int(field.data) < int(self.per_change.data):
            raise ValidationError("A day's cap is not less than the cap per change.")

    def value(self, name: str) -> int | None:
        text = (getattr(self, name).data or "").replace(",", "")
        return int(text) if text else None


class PointsCapsForm(ConsoleForm):
    """One row per role that may change points: agent, manager, admin (field names
    agent-per_change, agent-per_day, ...)."""

    agent = FormField(RoleCapForm, label="Agent")
    manager = FormField(RoleCapForm, label="Manager")
    admin = FormField(RoleCapForm, label="Admin")
