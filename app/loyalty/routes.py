"""Loyalty programs and cards (DESIGN.md section 3):

    /loyalty/                                  programs, card search, profile-program look-up
    /loyalty/<program>/cards/<identifier>      a card: status, links, balances, chart, points, transactions
    /loyalty/<program>/customers/<id>          a profile in a profile-based program, the same sections
    /loyalty/<program>/cards/<identifier>/link, /unlink, /status, /replace,
    /loyalty/<program>/cards/new  (changes; replacing a card blocks it for good)
    /loyalty/<program>/cards/<identifier>/adjust-points, /loyalty/<program>/customers/<id>/adjust-points
                                               points added or deducted by hand (points.py)

Lookups are for everyone; link, unlink, status, replace and generate need `loyalty_cards`;
adding or deducting points `loyalty_points`, within the role's caps (app/points_caps.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..permissions import can, require
from ..customer_profiles import customer_url, find_profile, profile_or_404
from ..talon import talon
from ..talon.errors import TalonError, TalonNotFound
from ..changes import MISMATCH, PENDING_ELSEWHERE, UNKNOWN, audit_refusal, earlier, submit
from ..talon_failures import status_for
from ..templating import navigate, render_section
from ..validators import card_id_problem, integration_id_problem
from . import blocking, cards, points, sections
from .durations import duration_words
from .forms import (
    CardSearchForm,
    CardStatusForm,
    GenerateCardForm,
    LinkForm,
    PointsForm,
    ProfileProgramForm,
    ReplaceCardForm,
    UnlinkForm,
)
from .ledger import LedgerAccount

bp = Blueprint("loyalty", __name__, url_prefix="/loyalty", template_folder="templates",
               static_folder="static", static_url_path="/assets")


# -- programs and search --------------------------------------------------------------------


def _programs_page(search, lookup, status=200, **more):
    listed, error = cards.programs_or_error()
    cards.offer_programs(search, lookup, listed)
    return render_template("loyalty/programs.html", programs=listed, programs_error=error,
                           search=search, lookup=lookup, duration_words=duration_words, **more), status


@bp.get("/")
@require("lookup")
def programs():
    return _programs_page(CardSearchForm(formdata=None), ProfileProgramForm(formdata=None))


@bp.get("/cards")
@require("lookup")
def search():
    """Open a card by identifier; several matches are listed."""
    if not request.args:
        return programs()
    form, lookup = CardSearchForm(formdata=request.args), ProfileProgramForm(formdata=None)
    listed, _ = cards.programs_or_error()
    cards.offer_programs(form, lookup, listed)
    if not form.validate():
        return _programs_page(form, lookup, 422)
    identifier, program_id = form.identifier.data, form.program.data
    try:
        matches = cards.find_cards(identifier, program_id)
    except TalonError as error:
        return _programs_page(form, lookup, status_for(error), search_error=error)
    exact = [c for c in matches if c.identifier == identifier]
    if len(exact) == 1:
        return redirect(url_for("loyalty.card", program_id=exact[0].program_id, identifier=identifier))
    if not matches:
        form.identifier.errors = [f"No loyalty card {identifier} in "
                                  f"{cards.program_name(listed, program_id)}."]
        return _programs_page(form, lookup, 404)
    return _programs_page(form, lookup, matches=matches)


@bp.get("/customers")
@require("lookup")
def profile_lookup():
    """Open a profile's balances in a profile-based program."""
    if not request.args:
        return programs()
    search, form = CardSearchForm(formdata=None), ProfileProgramForm(formdata=request.args)
    listed, _ = cards.programs_or_error()
    cards.offer_programs(search, form, listed)
    if not form.validate():
        return _programs_page(search, form, 422)
    return redirect(url_for("loyalty.profile_balances", program_id=form.program.data,
                            integration_id=form.profile_id.data))


# -- a card ---------------------------------------------------------------------------------


def _card_or_404(program_id: int, identifier: str):
    problem = card_id_problem(identifier)
    if problem:
        abort(404, description=problem)
    try:
        return talon.management.get_loyalty_card(program_id, identifier)
    except TalonNotFound:
        abort(404, description=f"Program {program_id} has no loyalty card {identifier}.")


@bp.get("/<int:program_id>/cards/<identifier>")
@require("lookup")
def card(program_id: int, identifier: str):
    problem = card_id_problem(identifier)
    if problem:
        abort(404, description=problem)
    account = LedgerAccount.card(program_id, identifier)
    reads = {"card": lambda: talon.management.get_loyalty_card(program_id, identifier)}
    may_give_points = can(current_user, "loyalty_points")
    if may_give_points:  # the points form names the program's defaults (a cached read)
        reads["program"] = lambda: talon.management.get_loyalty_program(program_id)
    parts, extra = sections.read_all(account, reads)
    found = extra["card"]
    if isinstance(found, TalonNotFound):
        abort(404, description=f"Program {program_id} has no loyalty card {identifier}.")
    if isinstance(found, TalonError):
        raise found
    state = cards.state_of(found)
    points_context = {}
    program = extra.get("program")
    if may_give_points and state == "active" and not isinstance(program, TalonError):
        target = points.PointsTarget(account, program, ("loyalty_card", cards.audit_id(found)),
                                     f"card {identifier}")
        points_context = _points_context(
            target, parts["balances"].get("balances"), request.path,
            url_for("loyalty.card_adjust_points", program_id=program_id, identifier=identifier))
    return render_template("loyalty/card.html", card=found, state=state,
                           account=account,
                           sections=sections.render_all(parts),
                           link_form=LinkForm(formdata=None),
                           may_change=can(current_user, "loyalty_cards"), **points_context)


def section(program_id: int, section: str, identifier: str | None = None,
            integration_id: str | None = None):
    """One section alone: paging, filters and "Try again" (a page of its own without htmx)."""
    if identifier is not None:
        problem, account = card_id_problem(identifier), LedgerAccount.card(program_id, identifier)
    else:
        problem = integration_id_problem(integration_id)
        account = LedgerAccount.profile(program_id, integration_id)
    if problem:
        abort(404, description=problem)
    context = sections.read_one(account, section, request.args)
    error = context.get("error")
    status = 200 if error is None else status_for(error)
    return render_section("loyalty/section.html", f"loyalty/_{section}.html",
                          section=section, **context), status


def _section_view(name: str):
    def view(program_id: int, identifier: str | None = None, integration_id: str | None = None):
        return section(program_id, name, identifier, integration_id)

    view.__name__ = view.__qualname__ = f"{name}_section"
    return require("lookup")(view)


# One URL per section and kind of account, e.g. /loyalty/1/cards/4000-0002/transactions
# (endpoint loyalty.card_transactions_section) and /loyalty/2/customers/cust-0001/points.
for _name in sections.SECTIONS:
    bp.add_url_rule(f"/<int:program_id>/cards/<identifier>/{_name}", f"card_{_name}_section",
                    _section_view(_name), methods=["GET"])
    bp.add_url_rule(f"/<int:program_id>/customers/<integration_id>/{_name}",
                    f"profile_{_name}_section", _section_view(_name), methods=["GET"])


# -- link and unlink ------------------------------------------------------------------------


def _send_link_change(action: str, card, profile_id: str, operation):
    """Link or unlink one profile, audited on the card."""
    return submit(lambda: operation(card.program_id, card.identifier, profile_id),
                  action=f"loyalty_card.{action}", target=("loyalty_card", cards.audit_id(card)),
                  summary={"profile": profile_id})


def _link_section(card, form, status=200, **more):
    return render_section("loyalty/link.html", "loyalty/_link.html", card=card, link_form=form,
                          **more), status


@bp.get("/<int:program_id>/cards/<identifier>/link")
@require("loyalty_cards")
def link_form(program_id: int, identifier: str):
    return _link_section(_card_or_404(program_id, identifier), LinkForm(formdata=None))


@bp.post("/<int:program_id>/cards/<identifier>/link")
@require("loyalty_cards")
def link(program_id: int, identifier: str):
    """Step 1 (lookup): show the profile and the card's user limit. Step 2 (confirm): link."""
    card = _card_or_404(program_id, identifier)
    form = LinkForm()
    if not form.validate_on_submit():
        return _link_section(card, form, 422)
    profile_id = form.profile_id.data
    profile = find_profile(profile_id)
    if profile is None:
        form.profile_id.errors.append(f"Talon.One has no customer profile {profile_id}.")
        return _link_section(card, form, 422)
    refusal = cards.link_refusal(card, profile_id)
    if refusal:
        cards.audit_link_refusal(card, profile_id, refusal)
        return _link_section(card, form, 409, refusal=refusal)
    if profile_id in card.linked_profile_ids:
        return _link_section(card, form, notice=f"{profile_id} is already linked to this card.")
    if form.step.data != "confirm":
        return _link_section(card, form, candidate=profile)

    sent = _send_link_change("link", card, profile_id, talon.integration.link_loyalty_card_to_profile)
    if sent.ok:
        flash(f"Card {identifier} is now linked to {profile_id}.", "success")
        return navigate(url_for("loyalty.card", program_id=program_id, identifier=identifier))
    fresh = cards.reread(card)
    return _link_section(fresh, form, sent.status,
                         refusal=cards.upstream_refusal(fresh, profile_id, sent),
                         unknown=sent.may_have_happened)


@bp.route("/<int:program_id>/cards/<identifier>/unlink", methods=["GET", "POST"])
@require("loyalty_cards")
def unlink(program_id: int, identifier: str):
    """GET asks for confirmation (of ?profile_id=..., or of one of the linked profiles), POST
    unlinks."""
    card = _card_or_404(program_id, identifier)
    form = UnlinkForm(formdata=None, profile_id=request.args.get("profile_id", "")) \
        if request.method == "GET" else UnlinkForm()
    profile_id = form.profile_id.data or ""
    context = {"card": card, "form": form, "profile_id": profile_id,
               "card_url": url_for("loyalty.card", program_id=program_id, identifier=identifier)}
    if request.method == "GET" and not profile_id:
        return render_template("loyalty/unlink.html", **context)
    if request.method == "POST" and not form.validate_on_submit() or integration_id_problem(profile_id):
        return render_template("loyalty/unlink.html", **{**context, "profile_id": ""},
                               problem=integration_id_problem(profile_id) or "Choose a linked profile."), 422
    if profile_id not in card.linked_profile_ids:
        return render_template("loyalty/unlink.html", **context,
                               problem=f"{profile_id} is not linked to card {identifier}."), 409
    if request.method == "GET":
        return render_template("loyalty/unlink.html", **context)
    sent = _send_link_change("unlink", card, profile_id,
                             talon.integration.unlink_loyalty_card_from_profile)
    if sent.ok:
        flash(f"{profile_id} is no longer linked to card {identifier}.", "success")
        return navigate(context["card_url"])
    return render_template("loyalty/unlink.html", **context, problem=sent.message,
                           unknown=sent.may_have_happened), sent.status


# -- generate -------------------------------------------------------------------------------


@bp.route("/<int:program_id>/cards/new", methods=["GET", "POST"])
@require("loyalty_cards")
def generate(program_id: int):
    program = cards.card_program_or_404(program_id)
    form = GenerateCardForm(formdata=None, **cards.generate_defaults(request.args)) \
        if request.method == "GET" else GenerateCardForm()

    def page(status=200, **more):
        return render_template("loyalty/generate.html", program=program, form=form, **more), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(422)
    body = cards.generate_request(form)
    scope, key = f"generate_card:{program_id}", form.submission.data
    # An earlier send of this very form is answered from its record before any check with
    # Talon.One: one whose card may exist is told so, not that its identifier is taken.
    if earlier(scope, key) is None and not cards.check_generate(form, program_id):
        return page(422)
    sent = submit(
        lambda: talon.integration.generate_loyalty_card(program_id, **body),
        action="loyalty_card.generate", target=("loyalty_program", program_id),
        scope=scope, key=key, payload=body,
        summary={"identifier": body.get("card_identifier"), "status": body["status"],
                 "profile": form.profile_id.data or None},
        kept=lambda card: {"identifier": card.identifier},
        target_of=lambda card: ("loyalty_card", cards.audit_id(card)))
    if sent.ok and sent.earlier:  # generated by an earlier send of this form
        flash(f"Card {sent.answer.get('identifier')} was already generated by this form.", "info")
        return navigate(url_for("loyalty.card", program_id=program_id, identifier=sent.answer.get("identifier")))
    if not sent.ok:
        return page(sent.status, problem=sent.message,
                    unknown=sent.state in (UNKNOWN, PENDING_ELSEWHERE))
    flash(cards.generated_message(sent.value, form), "success")
    return navigate(url_for("loyalty.card", program_id=program_id, identifier=sent.value.identifier))


# -- status and replacement -------------------------------------------------------------------


@bp.route("/<int:program_id>/cards/<identifier>/status", methods=["GET", "POST"])
@require("loyalty_cards")
def change_status(program_id: int, identifier: str):
    """Activate or deactivate (?status=active|inactive on GET asks, POST sends); never for a
    blocked card, which Talon.One does not activate again."""
    card = _card_or_404(program_id, identifier)
    wanted = request.args.get("status") if request.method == "GET" else request.form.get("status")
    form = CardStatusForm(formdata=None, status=wanted) if request.method == "GET" else CardStatusForm()
    card_url = url_for("loyalty.card", program_id=program_id, identifier=identifier)
    if wanted not in ("active", "inactive"):
        abort(404, description="Choose active or inactive.")

    def page(status=200, **more):
        return render_template("loyalty/status.html", card=card, form=form, wanted=wanted,
                               card_url=card_url, **more), status

    refusal = blocking.status_refusal(card, wanted)
    if refusal:
        if request.method == "POST":
            blocking.audit_card_refusal(card, "activate" if wanted == "active" else "deactivate", refusal)
        return page(409 if request.method == "POST" else 200, refusal=refusal)
    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(422)
    sent = blocking.set_status(card, wanted)
    if sent.ok:
        flash(f"Card {identifier} is {wanted} now.", "success")
        return navigate(card_url)
    return page(sent.status, problem=sent.message, unknown=sent.may_have_happened)


@bp.route("/<int:program_id>/cards/<identifier>/replace", methods=["GET", "POST"])
@require("loyalty_cards")
def replace(program_id: int, identifier: str):
    """Replace a lost or broken card: Talon.One's transfer moves its profiles, balances and
    transactions to the new card and blocks it for good. Once per form (a double click, a
    retry after a lost answer)."""
    card = _card_or_404(program_id, identifier)
    form = ReplaceCardForm(formdata=None) if request.method == "GET" else ReplaceCardForm()
    card_url = url_for("loyalty.card", program_id=program_id, identifier=identifier)

    def page(status=200, **more):
        return render_template("loyalty/replace.html", card=card, form=form, card_url=card_url, **more), status

    def new_card_url(new_identifier: str) -> str:
        return url_for("loyalty.card", program_id=program_id, identifier=new_identifier)

    if request.method == "GET":
        refusal = blocking.replace_refusal(card)
        return page(refusal=refusal) if refusal else page()
    if not form.validate_on_submit():
        return page(422)
    new_identifier = form.new_identifier.data
    # An earlier send of this very form is answered from its record; a new form is checked first.
    if earlier(blocking.replace_scope(card), form.submission.data) is None:
        refusal = blocking.replace_refusal(card)
        if refusal:
            blocking.audit_card_refusal(card, "replace", refusal)
            return page(409, refusal=refusal)
        problem = None
        if new_identifier == identifier:
            problem = "A card cannot replace itself."
        else:
            try:
                if cards.card_exists(program_id, new_identifier):
                    problem = f"Card {new_identifier} exists already: a replacement must be a new card."
            except TalonError as error:
                problem = f"Could not check with Talon.One: {error.message}"
        if problem:
            form.new_identifier.errors.append(problem)
            return page(422)
    sent = blocking.replace(card, new_identifier, form.reason.data, key=form.submission.data)
    if sent.ok and sent.earlier:  # replaced by an earlier send of this form
        flash(f"Card {identifier} was already replaced by {new_identifier} from this form.", "info")
        return navigate(new_card_url(new_identifier))
    if sent.ok:
        flash(f"Card {new_identifier} replaces {identifier}: it has its profiles, balances and transactions. "
              f"{identifier} is blocked for good (“{form.reason.data}”).", "success")
        return navigate(new_card_url(new_identifier))
    if sent.state in (PENDING_ELSEWHERE, MISMATCH) and blocking.replaced_by(program_id, identifier, new_identifier):
        # an earlier send whose answer was lost did happen
        flash(f"Card {identifier} is replaced by {new_identifier}.", "info")
        return navigate(new_card_url(new_identifier))
    return page(sent.status, problem=sent.message,
                unknown=sent.state in (UNKNOWN, PENDING_ELSEWHERE))


# -- a profile in a profile-based program ---------------------------------------------------


@bp.get("/<int:program_id>/customers/<integration_id>")
@require("lookup")
def profile_balances(program_id: int, integration_id: str):
    program = cards.program_or_404(program_id)
    if program.card_based:
        abort(404, description=f"{program.title or program.name} is card-based: open one of the "
                               f"customer's cards instead.")
    profile = profile_or_404(integration_id)
    account = LedgerAccount.profile(program_id, integration_id)
    parts, _ = sections.read_all(account)
    points_context = {}
    if can(current_user, "loyalty_points"):
        target = points.PointsTarget(account, program, ("customer", integration_id),
                                     f"{integration_id} in {program.title or program.name}")
        points_context = _points_context(
            target, parts["balances"].get("balances"), request.path,
            url_for("loyalty.profile_adjust_points", program_id=program_id,
                    integration_id=integration_id))
    return render_template("loyalty/profile.html", program=program, profile=profile,
                           account=account, sections=sections.render_all(parts),
                           customer_url=customer_url(integration_id), **points_context)


# -- points added or deducted by hand (goodwill points; points.py) ------------------------------


def _points_context(target: points.PointsTarget, balances, page_url: str, form_url: str,
                   form=None, **more) -> dict:
    """What loyalty/_adjust_points.html shows (on the account's page, or on its own)."""
    if form is None:
        form = PointsForm(formdata=None)
        form.subledger.choices = points.subledger_choices(target.program, balances)
    return dict(target=target, points_form=form, page_url=page_url, points_url=form_url,
                defaults=points.defaults(target.program), **points.cap_words(), **more)


def _points_page(target: points.PointsTarget, form, page_url: str, form_url: str, status=200, **more):
    context = _points_context(target, None, page_url, form_url, form, **more)
    return render_section("loyalty/adjust_points.html", "loyalty/_adjust_points.html",
                          **context), status


def _adjust_points(target: points.PointsTarget, page_url: str, form_url: str, refusal: str | None,
                   balances=None):
    form = PointsForm(formdata=None) if request.method == "GET" else PointsForm()
    form.subledger.choices = points.subledger_choices(target.program, balances)
    page = lambda status=200, **more: _points_page(target, form, page_url, form_url, status, **more)  # noqa: E731
    if request.method == "GET":
        return page(refusal=refusal)
    if not form.validate_on_submit():
        return page(422)
    if refusal:  # the account cannot take points now (an inactive or blocked card)
        audit_refusal(f"loyalty_points.{form.direction.data}", *target.audit_target, refusal)
        return page(409, refusal=refusal)
    result, cap_refusal = points.send(target, form)
    if cap_refusal:
        form.points.errors.append(cap_refusal)
        return page(403)
    if result.ok:
        flash(points.done_message(target, form, result), "success" if not result.earlier else "info")
        return navigate(page_url)
    return page(result.status, problem=result.message, unknown=result.may_have_happened)


def _balances_for(program, account: LedgerAccount):
    """The account's balances when the program has subledgers (their names are the choices)."""
    if not program.allow_subledger:
        return None
    try:
        return account.balances()
    except TalonError:
        return None


@bp.route("/<int:program_id>/cards/<identifier>/adjust-points", methods=["GET", "POST"])
@require("loyalty_points")
def card_adjust_points(program_id: int, identifier: str):
    """Add or deduct points on an active card (addLoyaltyCardPoints, deductLoyaltyCardPoints)."""
    card = _card_or_404(program_id, identifier)
    program = cards.card_program_or_404(program_id)
    account = LedgerAccount.card(program_id, identifier)
    target = points.PointsTarget(account, program, ("loyalty_card", cards.audit_id(card)),
                                 f"card {identifier}")
    state = cards.state_of(card)
    refusal = None if state == "active" else (
        f"Card {identifier} is {state}: its points cannot change"
        + (" until it is activated." if state == "inactive" else "."))
    return _adjust_points(target, url_for("loyalty.card", program_id=program_id, identifier=identifier),
                          url_for("loyalty.card_adjust_points", program_id=program_id, identifier=identifier),
                          refusal, _balances_for(program, account))


@bp.route("/<int:program_id>/customers/<integration_id>/adjust-points", methods=["GET", "POST"])
@require("loyalty_points")
def profile_adjust_points(program_id: int, integration_id: str):
    """Add or deduct a profile's points in a profile-based program (addLoyaltyPoints,
    removeLoyaltyPoints)."""
    program = cards.program_or_404(program_id)
    if program.card_based:
        abort(404, description=f"{program.title or program.name} is card-based: change a card's points.")
    profile_or_404(integration_id)
    account = LedgerAccount.profile(program_id, integration_id)
    target = points.PointsTarget(account, program, ("customer", integration_id),
                                 f"{integration_id} in {program.title or program.name}")
    return _adjust_points(target, url_for("loyalty.profile_balances", program_id=program_id,
                                          integration_id=integration_id),
                          url_for("loyalty.profile_adjust_points", program_id=program_id,
                                  integration_id=integration_id),
                          None, _balances_for(program, account))
