""""Why not?" for a code typed for a customer: the form, in the core because two areas render
it. The customer page (app/customers) shows it empty with its first answer, and the explain
area (app/explain) answers it with the explanation; both through the macro customer_why_not of
app/templates/_why_not.html. Before, the customer page loaded the empty form with a second
request once the page had arrived: a round trip after the page, for a form that needs nothing
from Talon.One (issue 19)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from .forms import ConsoleForm
from .validators import SESSION_CODE_MAX, Check, SessionId, coupon_code_problem, stripped

KINDS = [SelectChoice("coupon", "Coupon code"), SelectChoice("referral", "Referral code")]
SESSION_HINT = ("The cart to try it with. Empty: the customer's newest open session, or an empty "
                "cart if there is none.")


def SessionCode() -> Check:
    """A code as a session carries it (NewCustomerSessionV2: at most 100 characters)."""
    return Check(coupon_code_problem, limit=SESSION_CODE_MAX, noun="code")


class ExplainCodeForm(ConsoleForm):
    """Customer page: why does this code not work for this customer?"""

    code = StringField("Code the customer typed", filters=[stripped],
                       validators=[InputRequired("Enter the code the customer typed."), SessionCode()],
                       render_kw={"placeholder": "VIPONLY-002", "autocomplete": "off"})
    kind = SelectField("Kind", choices=KINDS, default="coupon")
    session_id = StringField("Session (optional)", filters=[stripped],
                             validators=[Optional(), SessionId()], description=SESSION_HINT,
                             render_kw={"placeholder": "sess-00006", "autocomplete": "off"})
