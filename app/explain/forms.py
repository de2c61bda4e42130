"""The "Why not?" form of the coupon page: a customer for a code. The customer page's (a code
for a customer) is the core's, app/why_not.py: that page renders it with its first answer. A
session's own explanation is one button (its form holds only the CSRF token)."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import Optional

from ..forms import ConsoleForm
from ..validators import ProfileId, SessionId, stripped
from ..why_not import SESSION_HINT


class ExplainForCustomerForm(ConsoleForm):
    """Coupon page: why does this code not work for this customer?"""

    profile_id = StringField("Customer (profile ID)", filters=[stripped],
                             validators=[Optional(), ProfileId()],
                             description="Empty: an anonymous customer.",
                             render_kw={"placeholder": "cust-0001", "autocomplete": "off"})
    session_id = StringField("Session (optional)", filters=[stripped],
                             validators=[Optional(), SessionId()], description=SESSION_HINT,
                             render_kw={"placeholder": "sess-00006", "autocomplete": "off"})
