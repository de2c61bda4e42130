"""The "Why not?" forms: a code typed for a customer (customer page), a customer for a code
(coupon page). A session's own explanation is one button (its form holds only the CSRF
token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from ..validators import SESSION_CODE_MAX, Check, ProfileId, SessionId, coupon_code_problem, stripped

KINDS = [SelectChoice("coupon", "Coupon code"), SelectChoice("referral", "Referral code")]
SESSION_HINT = ("The cart to try it with. Empty: the customer's newest open session, or an empty "
                "cart if there is none.")


def SessionCode() -> Check:
    """A code as a session carries it (NewCustomerSessionV2: at most 100 characters)."""
    return Check(coupon_code_problem, limit=SESSION_CODE_MAX, noun="code")


class ExplainCodeForm(FlaskForm):
    """Customer page: why does this code not work for this customer?"""

    code = StringField("Code the customer typed", filters=[stripped],
                       validators=[InputRequired("Enter the code the customer typed."), SessionCode()],
                       render_kw={"placeholder": "VIPONLY-002", "autocomplete": "off"})
    kind = SelectField("Kind", choices=KINDS, default="coupon")
    session_id = StringField("Session (optional)", filters=[stripped],
                             validators=[Optional(), SessionId()], description=SESSION_HINT,
                             render_kw={"placeholder": "sess-00006", "autocomplete": "off"})


class ExplainForCustomerForm(FlaskForm):
    """Coupon page: why does this code not work for this customer?"""

    profile_id = StringField("Customer (profile ID)", filters=[stripped],
                             validators=[Optional(), ProfileId()],
                             description="Empty: an anonymous customer.",
                             render_kw={"placeholder": "cust-0001", "autocomplete": "off"})
    session_id = StringField("Session (optional)", filters=[stripped],
                             validators=[Optional(), SessionId()], description=SESSION_HINT,
                             render_kw={"placeholder": "sess-00006", "autocomplete": "off"})
