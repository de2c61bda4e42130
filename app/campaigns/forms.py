"""Forms of the test bench and the saved test cases, validated on the server; each error shows
next to its field. BenchForm.bench_input() turns a valid form into a BenchInput."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import ConsoleForm
from ..validators import (
    SESSION_CODE_MAX,
    attribute_name_problem,
    card_id_problem,
    coupon_code_problem,
    integration_id_problem,
    plain_text,
    stripped,
    text_problem,
)
from ..talon.models import CART_ITEMS_LIMIT
from .evaluation import PROFILE_MODES, BenchInput, now_problem
from .schedules import SOON_HOURS_MAX, time_of_day_problem

EFFECT_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
LIST_SEPARATORS = re.compile(r"[\s,;]+")
MAX_ITEMS = CART_ITEMS_LIMIT  # Talon.One's own cap on a cart
MAX_CODES = 20
MAX_ATTRIBUTES = 50
VALUE_MAX = 1000
NAME_MAX = 200


def session_code_problem(code: str, noun: str = "coupon code") -> str | None:
    # a code the bench puts into a session: couponCodes/referralCode hold at most 100
    return coupon_code_problem(code, limit=SESSION_CODE_MAX, noun=noun)


def split_list(text: str | None) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(text or "") if part]


def check_each(text: str | None, what: str, problem_of) -> None:
    """A list of codes or cards: at most MAX_CODES, each without a problem."""
    values = split_list(text)
    if len(values) > MAX_CODES:
        raise ValidationError(f"At most {MAX_CODES} {what}.")
    for value in values:
        problem = problem_of(value)
        if problem:
            raise ValidationError(f"{value[:40]}: {problem}")


def parse_attributes(text: str | None) -> dict:
    """``name = value`` per line. A value that reads as JSON (12, true, "12", [1, 2]) is used
    as such; anything else is text. Raises ValidationError naming the line."""
    attributes: dict = {}
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_ATTRIBUTES:
        raise ValidationError(f"At most {MAX_ATTRIBUTES} attributes.")
    for number, line in enumerate(lines, start=1):
        name, separator, raw = line.partition("=")
        name, raw = name.strip(), raw.strip()
        if not separator:
            raise ValidationError(f"Line {number}: write name = value.")
        if attribute_name_problem(name):
            raise ValidationError(f"Line {number}: “{name[:40]}” is not an attribute name "
                                  "(a letter, then letters, digits or _).")
        if len(raw) > VALUE_MAX:
            raise ValidationError(f"Line {number}: the value is longer than {VALUE_MAX} characters.")
        if text_problem(raw):
            raise ValidationError(f"Line {number}: use plain text (no < or >).")
        if name in attributes:
            raise ValidationError(f"Line {number}: {name} is given twice.")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if isinstance(value, float) and not math.isfinite(value):
            value = raw
        attributes[name] = value
    return attributes


def attributes_text(attributes: dict) -> str:
    """The textarea form of parse_attributes' input."""
    return "\n".join(f"{name} = {value if isinstance(value, str) else json.dumps(value)}"
                     for name, value in attributes.items())


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and Infinity (Decimal parses them; range checks would
    then fail or even raise)."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("Not a valid decimal value.")


class CartItemForm(Form):
    """One cart line; a line left empty is ignored."""

    # Not Optional(): an empty SKU on a line with a price must still reach validate_sku.
    sku = StringField("SKU", filters=[stripped], validators=[Length(max=100), plain_text])
    quantity = IntegerField("Qty", validators=[Optional(), NumberRange(min=1, max=10_000)])
    price = FiniteDecimalField("Price", places=2, validators=[
        Optional(), NumberRange(min=Decimal("0"), max=Decimal("1000000"))])
    category = StringField("Category", filters=[stripped],
                           validators=[Optional(), Length(max=100), plain_text])

    @property
    def is_blank(self) -> bool:
        return not (self.sku.data or self.quantity.data or self.price.data or self.category.data)

    def validate_sku(self, field) -> None:
        if not field.data and not self.is_blank:
            raise ValidationError("Give the SKU of this line.")


class CampaignChoice(SelectMultipleField):
    """Checkboxes; a value that is not one of the application's campaigns gets a clear message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        known = {int(choice.value) for choice in self.choices}
        unknown = [str(v) for v in self.data or () if v not in known]
        if unknown:
            raise ValidationError(f"Not a campaign of this application: {', '.join(unknown)}.")


class BenchForm(ConsoleForm):
    campaigns = CampaignChoice("Campaigns to evaluate", coerce=int, choices=[],
                               validators=[DataRequired("Pick at least one campaign.")])
    state = RadioField("Evaluate the session as", default="open", choices=[
        SelectChoice("open", "an open cart"), SelectChoice("closed", "a checkout (closed)")])
    items = FieldList(FormField(CartItemForm), min_entries=3, max_entries=MAX_ITEMS)
    coupon_codes = StringField("Coupon codes", filters=[stripped],
                               description="Separated by spaces or commas.",
                               render_kw={"placeholder": "BF30 SUMMER20", "autocomplete": "off"})
    referral_code = StringField("Referral code", filters=[stripped],
                                render_kw={"placeholder": "REF-ALICE", "autocomplete": "off"})
    loyalty_cards = StringField("Loyalty cards", filters=[stripped],
                                description="Separated by spaces or commas.",
                                render_kw={"placeholder": "4000-0001", "autocomplete": "off"})
    session_attributes = TextAreaField("Session attributes", render_kw={"rows": 2},
                                       description="One name = value per line.")
    profile_mode = RadioField("Customer", default="throwaway", choices=[
        SelectChoice("throwaway", "a throwaway test profile (new each run)"),
        SelectChoice("existing", "this profile:"),
        SelectChoice("anonymous", "no profile (anonymous session)")])
    profile_id = StringField("Profile ID", filters=[stripped],
                             render_kw={"placeholder": "cust-0001", "autocomplete": "off"})
    profile_attributes = TextAreaField(
        "Profile attributes", render_kw={"rows": 2},
        description="One name = value per line; tried in a separate profile dry run.")
    now = StringField("Evaluate at (optional)", filters=[stripped],
                      description="A future time in RFC 3339, e.g. 2030-12-05T10:00:00Z.",
                      render_kw={"placeholder": "2030-12-05T10:00:00Z", "autocomplete": "off"})
    # Saving the run as a test case
    case_name = StringField("Test case name", filters=[stripped],
                            validators=[Optional(), Length(max=NAME_MAX), plain_text])
    suite = SelectField("Suite", coerce=int, choices=[], default=0, validate_choice=False)
    new_suite_name = StringField("…or a new suite named", filters=[stripped],
                                 validators=[Optional(), Length(max=NAME_MAX), plain_text])
    new_suite_campaign = SelectField("for campaign", coerce=int, choices=[],
                                     validate_choice=False)

    def set_campaigns(self, campaigns, state_of, window_of=lambda c: "") -> None:
        choices = [SelectChoice(c.id, f"{c.name} (#{c.id}, {state_of(c)}"
                                      + (f", {window_of(c)})" if window_of(c) else ")")) for c in campaigns]
        self.campaigns.choices = choices
        self.new_suite_campaign.choices = [SelectChoice(c.id, f"{c.name} (#{c.id})")
                                           for c in campaigns]

    def validate_items(self, field) -> None:
        if not any(not entry.form.is_blank for entry in field.entries):
            raise ValidationError("Add at least one cart item (SKU, quantity and price).")
        for entry in field.entries:
            line = entry.form
            if not line.is_blank and (line.quantity.data is None or line.price.data is None):
                raise ValidationError(f"Give the quantity and price of {line.sku.data or 'each line'}.")

    def validate_coupon_codes(self, field) -> None:
        check_each(field.data, "coupon codes", session_code_problem)

    def validate_referral_code(self, field) -> None:
        if field.data:
            problem = session_code_problem(field.data, "referral code")
            if problem:
                raise ValidationError(problem)

    def validate_loyalty_cards(self, field) -> None:
        check_each(field.data, "cards", card_id_problem)

    def validate_session_attributes(self, field) -> None:
        parse_attributes(field.data)

    def validate_profile_attributes(self, field) -> None:
        parse_attributes(field.data)
        if field.data and field.data.strip() and self.profile_mode.data == "anonymous":
            raise ValidationError("Profile attributes need a profile (existing or throwaway).")

    def validate_profile_mode(self, field) -> None:
        if field.data not in PROFILE_MODES:
            raise ValidationError("Choose a kind of customer.")

    def validate_profile_id(self, field) -> None:
        if self.profile_mode.data == "existing":
            problem = integration_id_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_now(self, field) -> None:
        if field.data:
            problem = now_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def bench_input(self) -> BenchInput:
        return BenchInput(
            campaign_ids=list(self.campaigns.data),
            cart=[{"sku": line.sku.data, "quantity": line.quantity.data,
                   "price": str(line.price.data), "category": line.category.data or ""}
                  for line in (entry.form for entry in self.items.entries) if not line.is_blank],
            coupon_codes=split_list(self.coupon_codes.data),
            referral_code=self.referral_code.data or "",
            loyalty_cards=split_list(self.loyalty_cards.data),
            session_attributes=parse_attributes(self.session_attributes.data),
            profile_attributes=parse_attributes(self.profile_attributes.data),
            profile_mode=self.profile_mode.data,
            profile_id=self.profile_id.data if self.profile_mode.data == "existing" else "",
            state=self.state.data, now=self.now.data or "")

    def fill(self, bench: BenchInput) -> None:
        """Show a saved case or a session template in the form."""
        self.campaigns.data = list(bench.campaign_ids)
        self.state.data = bench.state
        while len(self.items.entries):
            self.items.pop_entry()
        for item in bench.cart:
            self.items.append_entry({"sku": item["sku"], "quantity": item["quantity"],
                                     "price": Decimal(str(item["price"])),
                                     "category": item.get("category") or ""})
        while len(self.items.entries) < self.items.min_entries:
            self.items.append_entry()
        self.coupon_codes.data = " ".join(bench.coupon_codes)
        self.referral_code.data = bench.referral_code
        self.loyalty_cards.data = " ".join(bench.loyalty_cards)
        self.session_attributes.data = attributes_text(bench.session_attributes)
        self.profile_attributes.data = attributes_text(bench.profile_attributes)
        self.profile_mode.data = bench.profile_mode
        self.profile_id.data = bench.profile_id
        self.now.data = bench.now


class TemplateSessionForm(ConsoleForm):
    class Meta:
        csrf = False  # a GET form that only reads

    session = StringField("Start from an existing session", filters=[stripped],
                          validators=[DataRequired("Enter a session ID."), Length(max=255),
                                      plain_text],
                          render_kw={"placeholder": "sess-00001", "autocomplete": "off"})


class ExpectationsForm(ConsoleForm):
    """A case's name and expectations, edited as text (see expectations.py for the meaning)."""

    name = StringField("Name", filters=[stripped],
                       validators=[DataRequired("Give the case a name."), Length(max=NAME_MAX),
                                   plain_text])
    effects = StringField("Effects that must appear", filters=[stripped],
                          description="Effect types, e.g. setDiscount acceptCoupon.")
    absent_effects = StringField("Effects that must not appear", filters=[stripped])
    amounts = TextAreaField("Amounts", render_kw={"rows": 3},
                            description="One “effect type = amount” per line: the sum of the "
                                        "effects' values (money or points).")
    tolerance = FiniteDecimalField("Tolerance", places=2, default=Decimal("0.01"),
                             validators=[InputRequired("Give a tolerance, e.g. 0.01."),
                                         NumberRange(min=Decimal("0"), max=Decimal("1000000"))])
    coupons_accepted = StringField("Coupons that must be accepted", filters=[stripped])
    coupons_rejected = TextAreaField("Coupons that must be rejected", render_kw={"rows": 2},
                                     description="One code per line, optionally followed by "
                                                 "the reason, e.g. VIPONLY-001 CouponReservationRequired.")

    @staticmethod
    def _effect_types(text: str | None) -> list[str]:
        types = split_list(text)
        for effect_type in types:
            if not EFFECT_TYPE.match(effect_type):
                raise ValidationError(f"“{effect_type[:40]}” is not an effect type (e.g. setDiscount).")
        return types

    def validate_effects(self, field) -> None:
        self._effect_types(field.data)

    def validate_absent_effects(self, field) -> None:
        self._effect_types(field.data)

    def validate_amounts(self, field) -> None:
        self.parsed_amounts()

    def validate_coupons_accepted(self, field) -> None:
        check_each(field.data, "coupon codes", coupon_code_problem)

    def validate_coupons_rejected(self, field) -> None:
        self.parsed_rejections()

    def parsed_amounts(self) -> dict[str, str]:
        amounts = {}
        for number, line in enumerate((self.amounts.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            name, separator, raw = line.partition("=")
            name = name.strip()
            if not separator or not EFFECT_TYPE.match(name):
                raise ValidationError(f"Line {number}: write effect type = amount, "
                                      "e.g. setDiscount = 24.00.")
            try:
                amount = Decimal(raw.strip())
            except ArithmeticError:
                raise ValidationError(f"Line {number}: “{raw.strip()[:40]}” is not a number.") from None
            if not amount.is_finite() or abs(amount) > Decimal("1e12"):
                raise ValidationError(f"Line {number}: “{raw.strip()[:40]}” is not a usable amount.")
            amounts[name] = f"{amount:.2f}"
        return amounts

    def parsed_rejections(self) -> dict[str, str]:
        rejected = {}
        for number, line in enumerate((self.coupons_rejected.data or "").splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            code, reason = parts[0], " ".join(parts[1:])
            problem = coupon_code_problem(code)
            if problem:
                raise ValidationError(f"Line {number}: {problem}")
            if reason and not EFFECT_TYPE.match(reason):
                raise ValidationError(f"Line {number}: the reason is one word such as "
                                      "CouponReservationRequired.")
            rejected[code] = reason
        return rejected

    def expectations(self) -> dict:
        return {"effects": self._effect_types(self.effects.data),
                "absent_effects": self._effect_types(self.absent_effects.data),
                "amounts": self.parsed_amounts(), "tolerance": f"{self.tolerance.data:.2f}",
                "coupons_accepted": split_list(self.coupons_accepted.data),
                "coupons_rejected": self.parsed_rejections()}

    def fill(self, name: str, expected: dict) -> None:
        self.name.data = name
        self.effects.data = " ".join(expected.get("effects", []))
        self.absent_effects.data = " ".join(expected.get("absent_effects", []))
        self.amounts.data = "\n".join(f"{k} = {v}" for k, v in (expected.get("amounts") or {}).items())
        self.tolerance.data = Decimal(str(expected.get("tolerance") or "0.01"))
        self.coupons_accepted.data = " ".join(expected.get("coupons_accepted", []))
        self.coupons_rejected.data = "\n".join(
            f"{code} {reason}".strip() for code, reason in (expected.get("coupons_rejected") or {}).items())


class ImportForm(ConsoleForm):
    upload = FileField("Suite file (JSON, exported from the test bench)",
                       render_kw={"accept": ".json,application/json"})

    def validate_upload(self, field) -> None:
        if not getattr(field.data, "filename", None):
            raise ValidationError("Choose a JSON file exported from a suite.")


class ScheduleForm(ConsoleForm):
    """A suite's schedule (schedules.py says when each kind is due); errors next to the field."""

    schedule = SelectField("Run this suite", default="off", choices=[
        SelectChoice("off", "only when someone runs it"),
        SelectChoice("nightly", "every night at …"),
        SelectChoice("hourly", "every hour"),
        SelectChoice("before_start", "every hour while the campaign starts within …"),
    ])
    schedule_time = StringField("Time of the nightly run (UTC)", filters=[stripped],
                                description="HH:MM on a 24-hour clock, e.g. 02:00.",
                                render_kw={"inputmode": "numeric", "placeholder": "02:00"})
    soon_hours = StringField("Hours before the campaign's start", filters=[stripped],
                             render_kw={"inputmode": "numeric"},
                             description=f"From 1 to {SOON_HOURS_MAX}; e.g. 48 runs it "
                                          "hourly over the last two days before the start.")
    on_change = BooleanField("Also run it when the campaign changes in Talon.One",
                             description="Checked every minute against the campaign's "
                                         "“updated” time.")

    def validate_schedule_time(self, field) -> None:
        if self.schedule.data == "nightly":
            problem = time_of_day_problem(field.data)
            if problem:
                raise ValidationError(problem)
        elif field.data and time_of_day_problem(field.data):
            raise ValidationError(time_of_day_problem(field.data))

    def validate_soon_hours(self, field) -> None:
        if not field.data:
            if self.schedule.data == "before_start":
                raise ValidationError("Say how many hours before the start to begin, e.g. 48.")
            return
        if not re.fullmatch(r"[0-9]{1,4}", field.data) or not 1 <= int(field.data) <= SOON_HOURS_MAX:
            raise ValidationError(f"Give a whole number of hours from 1 to {SOON_HOURS_MAX}.")

    @property
    def hours(self) -> int | None:
        return int(self.soon_hours.data) if self.soon_hours.data else None

    def fill(self, suite) -> None:
        self.schedule.data = suite.schedule
        self.schedule_time.data = suite.schedule_time or ""
        self.soon_hours.data = str(suite.soon_hours) if suite.soon_hours else ""
        self.on_change.data = suite.on_change
