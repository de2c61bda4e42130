"""The session forms: dry-run preview, return, reopen and cancel. Everything is validated here,
on the server, before anything is sent to Talon.One; checks that need the session (what remains
of each cart item) are in ``check_against_cart``."""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..changes import new_key
from ..forms import CheckboxInput, ConsoleForm, HiddenInput, NumberInput, TextInput
from ..talon.models import CART_ITEMS_LIMIT, CartItem
from ..validators import (
    SESSION_CODE_MAX,
    attribute_name_problem,
    card_id_problem,
    coupon_code_problem,
    plain_text,
    stripped,
    text_problem,
)

REASON_LIMIT = 500
MAX_QUANTITY = 10_000
MAX_PRICE = 1_000_000
MAX_CART_LINES = CART_ITEMS_LIMIT
MAX_CODES = 20
MAX_ATTRIBUTES = 50
SKU_LIMIT = 100
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{16,64}$")

WHOLE_NUMBER = "Enter a whole number, like 1."

class WholeNumberField(IntegerField):
    """An IntegerField whose error for "abc" or "1.5" says what to type."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if text == "":
            self.data = None
            return
        if not re.fullmatch(r"[-+]?\d{1,12}", text):
            self.data = None
            raise ValueError(WHOLE_NUMBER)
        self.data = int(text)


def lines_of(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# -- preview ---------------------------------------------------------------------------------

def _cart_quantity(form, field) -> None:
    if field.data is None:
        return  # not a number: process_formdata said so already
    if field.data < 1:
        raise ValidationError("At least 1; tick Remove to take the item out.")
    if field.data > MAX_QUANTITY:
        raise ValidationError(f"At most {MAX_QUANTITY}.")


class CartLineForm(Form):
    """One cart line of the preview. ``origin`` is the position of the item it started from
    (-1 for an added line), so its attributes and costs are kept."""

    # a row of the cart editor: its inputs are written by the console's quicker widgets (app/forms.py)
    origin = WholeNumberField(default=-1, widget=HiddenInput())
    sku = StringField("SKU", filters=[stripped], widget=TextInput(), validators=[
        DataRequired("Every item needs a SKU."), Length(max=SKU_LIMIT), plain_text])
    name = StringField("Name", filters=[stripped], widget=TextInput(),
                       validators=[Optional(), Length(max=200), plain_text])
    quantity = WholeNumberField("Quantity", widget=NumberInput(),
                                validators=[InputRequired(WHOLE_NUMBER), _cart_quantity])
    price = DecimalField("Price", places=2, widget=NumberInput(step="any"), validators=[
        InputRequired("Enter a price, like 19.90."),
        NumberRange(min=0, max=MAX_PRICE, message=f"Between 0 and {MAX_PRICE:,}."),
    ])
    category = StringField("Category", filters=[stripped], widget=TextInput(),
                           validators=[Optional(), Length(max=100), plain_text])
    remove = BooleanField("Remove", widget=CheckboxInput())


def _codes(problem_of, what: str):
    """A list of codes or cards, one per line, each checked by ``problem_of``."""
    def check(form, field) -> None:
        values = lines_of(field.data)
        if len(values) > MAX_CODES:
            raise ValidationError(f"At most {MAX_CODES} {what}s.")
        for value in values:
            problem = problem_of(value)
            if problem:
                shown = value if len(value) <= 40 else value[:20] + "…"
                raise ValidationError(f"“{shown}” is not a valid {what}: {problem[0].lower()}{problem[1:]}")
        if len(set(values)) != len(values):
            raise ValidationError(f"A {what} is listed twice.")
    return check


def _session_code(noun: str):
    # couponCodes items and referralCode: at most 100 characters in talon-openapi.json
    return lambda code: coupon_code_problem(code, limit=SESSION_CODE_MAX, noun=noun)


def parse_attribute_lines(text: str | None) -> tuple[dict[str, Any], list[str]]:
    """``name = value`` lines → ({name: value}, problems). Values that read as JSON (numbers,
    true/false, "quoted text", lists) are sent as such; anything else as text."""
    attributes: dict[str, Any] = {}
    problems: list[str] = []
    for number, line in enumerate(lines_of(text), start=1):
        name, sep, raw = line.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep:
            problems.append(f"Line {number}: write name = value.")
            continue
        if attribute_name_problem(name):
            problems.append(f"Line {number}: “{name[:30]}” is not an attribute name (letters, digits, _).")
            continue
        if name in attributes:
            problems.append(f"Line {number}: {name} is set twice.")
            continue
        if len(raw) > 500:
            problems.append(f"Line {number}: the value is longer than 500 characters.")
            continue
        if text_problem(raw):
            problems.append(f"Line {number}: use plain text (< and > are not allowed).")
            continue
        try:
            attributes[name] = json.loads(raw) if raw else ""
        except ValueError:
            attributes[name] = raw
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(f"At most {MAX_ATTRIBUTES} attributes.")
    return attributes, problems


def attribute_lines(attributes: dict[str, Any]) -> str:
    return "\n".join(f"{name} = {value if isinstance(value, str) else json.dumps(value)}"
                     for name, value in sorted((attributes or {}).items()))


def _attributes(form, field) -> None:
    _values, problems = parse_attribute_lines(field.data)
    if problems:
        raise ValidationError(" ".join(problems[:3]))


def _shown_field() -> HiddenField:
    """The token of the page the form was sent from: its dry run compares with the session as
    that page showed it (access.keep), not with a second read before the dry run."""
    return HiddenField()


class PreviewForm(ConsoleForm):
    shown = _shown_field()
    items = FieldList(FormField(CartLineForm), max_entries=MAX_CART_LINES)
    coupon_codes = TextAreaField("Coupon codes", description="One per line.",
                                 validators=[_codes(_session_code("coupon code"), "coupon code")])
    referral_code = StringField("Referral code", filters=[stripped], validators=[
        Optional(), _codes(_session_code("referral code"), "referral code")])
    loyalty_cards = TextAreaField("Loyalty cards", description="One card identifier per line.",
                                  validators=[_codes(card_id_problem, "card identifier")])
    attributes = TextAreaField("Session attributes", validators=[Length(max=20_000), _attributes],
                               description="One per line: name = value (numbers and true/false are kept as such).")
    target_state = SelectField("Evaluate as", choices=[])

    def payload_items(self, original: Sequence[CartItem]) -> list[dict[str, Any]]:
        """The cart to send: the kept lines, each on top of the item it started from."""
        items = []
        for entry in self.items:
            line = entry.form
            if line.remove.data:
                continue
            base: dict[str, Any] = {}
            if line.origin.data is not None and 0 <= line.origin.data < len(original):
                source = original[line.origin.data]
                base = {k: v for k, v in source.to_wire().items()
                        if k not in ("position", "returnedQuantity", "remainingQuantity")}
            base.update({"sku": line.sku.data, "quantity": line.quantity.data,
                         "price": float(line.price.data)})
            for key in ("name", "category"):
                value = getattr(line, key).data
                if value:
                    base[key] = value
                else:
                    base.pop(key, None)
            items.append(base)
        return items

    def check_origins(self, original: Sequence[CartItem]) -> bool:
        ok = True
        for entry in self.items:
            origin = entry.form.origin.data
            if origin is not None and origin != -1 and not 0 <= origin < len(original):
                entry.form.sku.errors = list(entry.form.sku.errors) + [
                    f"This session has no item at position {origin}."]
                ok = False
        return ok


# -- returns ---------------------------------------------------------------------------------

def _returnable_quantity(form, field) -> None:
    if field.data is not None and field.data < 0:
        raise ValidationError("Cannot be negative; enter 0 to keep the item.")
    if field.data is not None and field.data > MAX_QUANTITY:
        raise ValidationError(f"At most {MAX_QUANTITY}.")


class ReturnLineForm(Form):
    # a row of the return's table: the console's quicker widgets (app/forms.py)
    position = WholeNumberField(widget=HiddenInput(), validators=[InputRequired("Missing position.")])
    quantity = WholeNumberField("Quantity to return", default=0, widget=NumberInput(), validators=[
        Optional(), _returnable_quantity])


class KeyedForm(ConsoleForm):
    """A form that changes something: it carries the key that makes it apply once."""

    form_key = HiddenField(validators=[
        DataRequired("The form has no key; reload the page."),
        Regexp(IDEMPOTENCY_KEY, message="The form's key is damaged; reload the page."),
    ])
    reason = TextAreaField("Reason", filters=[stripped], validators=[
        DataRequired("Give a reason: it goes into the audit log."),
        Length(max=REASON_LIMIT, message=f"At most {REASON_LIMIT} characters."),
        plain_text,
    ])

    def ensure_key(self) -> None:
        if not self.form_key.data:
            self.form_key.data = new_key()


class ReturnForm(KeyedForm):
    shown = _shown_field()  # for its preview; a confirmed return reads the session afresh
    lines = FieldList(FormField(ReturnLineForm), max_entries=MAX_CART_LINES)
    #: problems with the selection as a whole (shown next to the items table)
    selection_errors: list[str]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.selection_errors = []

    def fill(self, items: Sequence[CartItem]) -> None:
        """One line per cart item, quantity 0 (for a new form); none for a cart longer than
        the form holds (the page says so: cart_too_long)."""
        while len(self.lines.entries):
            self.lines.pop_entry()
        if cart_too_long(items, "returned"):
            return
        for index, item in enumerate(items):
            self.lines.append_entry({"position": _position(item, index), "quantity": 0})

    def requested(self) -> dict[int, int]:
        """{position: quantity} of the lines with a quantity above zero."""
        wanted: dict[int, int] = {}
        for entry in self.lines:
            quantity = entry.form.quantity.data or 0
            if quantity > 0 and entry.form.position.data is not None:
                wanted[entry.form.position.data] = wanted.get(entry.form.position.data, 0) + quantity
        return wanted

    def check_against_cart(self, items: Sequence[CartItem]) -> bool:
        """Positions must exist, appear once, and quantities stay within what remains."""
        by_position = {_position(item, index): item for index, item in enumerate(items)}
        seen: set[int] = set()
        ok = True
        for entry in self.lines:
            line = entry.form
            position = line.position.data
            if position is None:
                continue
            item = by_position.get(position)
            if item is None:
                line.quantity.errors = list(line.quantity.errors) + [
                    f"This session has no item at position {position}."]
                ok = False
                continue
            if position in seen:
                line.quantity.errors = list(line.quantity.errors) + [f"Position {position} is listed twice."]
                ok = False
            seen.add(position)
            quantity = line.quantity.data or 0
            if quantity > item.returnable_quantity:
                left = item.returnable_quantity
                line.quantity.errors = list(line.quantity.errors) + [
                    f"Only {left} of {item.label} can still be returned." if left else
                    f"{item.label} has been returned in full already."]
                ok = False
        return ok

    def check_selection(self) -> bool:
        if self.requested():
            return True
        self.selection_errors.append("Pick at least one item: set a quantity above 0.")
        return False


def cart_too_long(items: Sequence[CartItem], what: str) -> str | None:
    """Why a cart longer than Talon.One takes in one update cannot be used for ``what``
    ("previewed", "returned"), or None."""
    if len(items) <= MAX_CART_LINES:
        return None
    return (f"This session has {len(items):,} cart lines. Talon.One takes at most "
            f"{MAX_CART_LINES:,} in one update, so it cannot be {what} here.")


def _position(item: CartItem, index: int) -> int:
    return int(item.position) if item.position is not None else index


# -- reopen and cancel -----------------------------------------------------------------------

class ReopenForm(KeyedForm):
    pass


class CancelForm(KeyedForm):
    pass
