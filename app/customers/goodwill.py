"""The customer page's goodwill widget: reserve a goodwill coupon for the customer, the next
free code of the goodwill family (GOODWILL_COUPON_PREFIX) or a code the agent types. The widget
renders with the page (its lookup runs in the page's fan-out, sections.py) and replaces itself
with each answer (its views are in routes.py)."""

from __future__ import annotations

from flask import current_app

from ..changes import Result, submit
from ..promotions import coupon_state
from ..talon import talon
from ..talon.errors import TalonError
from ..talon.models import Coupon
from ..talon_failures import read_message, status_for
from .forms import GoodwillForm

DEFAULT_PREFIX = "GOODWILL-"
SEARCH_PAGES = 10  # of 50 codes: how far the widget looks for a free one


def prefix() -> str:
    return current_app.config.get("GOODWILL_COUPON_PREFIX", DEFAULT_PREFIX)


def next_free(*, shown_only: bool = False) -> Coupon | None:
    """The first goodwill code nobody has reserved or used, that is valid now. ``shown_only``:
    the widget only shows it, so the search may come from the read cache (the console's own
    reservations refresh it); reserving reads afresh."""
    family = prefix()
    for page in range(SEARCH_PAGES):
        found = talon.management.search_coupons(family, exact_match=False, page_size=50,
                                                skip=page * 50, cached=shown_only)
        for coupon in found:
            if (coupon.value.upper().startswith(family.upper()) and not coupon.reservation_counter
                    and coupon.uses_left != 0 and coupon_state(coupon, None)[1] == "redeemable"):
                return coupon
        if not found.has_more:
            return None
    return None


def widget_context(free, may_reserve: bool, *, form: GoodwillForm | None = None,
                   reserved=None) -> dict:
    """What customers/_goodwill.html needs besides the customer's ID. ``free`` is the next free
    goodwill coupon, None, or the TalonError of looking it up; the customer page passes what its
    own parallel fetch found, so the widget renders with the page."""
    lookup_error = free if isinstance(free, TalonError) else None
    return {"form": form or GoodwillForm(formdata=None, prefix="goodwill"),
            "free": None if lookup_error else free, "lookup_error": lookup_error,
            "reserved": reserved, "may_reserve": may_reserve, "prefix": prefix()}


def reserve(form: GoodwillForm, integration_id: str) -> tuple[Coupon | None, int]:
    """(the reserved coupon, 200) or (None, status) with the reason on the form."""
    try:
        if form.choice.data == "next":
            coupon = next_free()
            if coupon is None:
                form.choice.errors = [f"No free {prefix()}* code is left; type a code instead."]
                return None, 409
        else:
            coupon = talon.management.find_coupon(form.code.data)
            if coupon is None:
                form.code.errors = [f"No coupon has the code “{form.code.data}”."]
                return None, 404
    except TalonError as exc:
        form.choice.errors = [f"Talon.One could not be asked. {read_message(exc)}"]
        return None, status_for(exc)
    if coupon.uses_left == 0:
        form.code.errors = [f"{coupon.value} is used up ({coupon.usage_counter} of "
                            f"{coupon.usage_limit} uses)."]
        return None, 409
    sent: Result = submit(
        lambda: talon.integration.create_coupon_reservation(coupon.value, [integration_id]),
        action="coupon.reserve", target=("coupon", coupon.value),
        summary={"profiles": [integration_id], "via": "goodwill widget",
                 "mandatory": bool(coupon.is_reservation_mandatory)},
        success_status=201, what="The reservation")
    if not sent.ok:
        form.choice.errors = [sent.message]
        return None, sent.status
    return coupon, 200
