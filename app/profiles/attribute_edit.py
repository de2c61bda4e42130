"""The attribute edit form and the changes it asks for: attributes have their declared type (or
keep the type of their value), only values that differ are sent, and Save sends exactly what the
preview showed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..formatting import effect_wording
from ..talon.effects import EffectLine
from ..talon.models import IntegrationState
from .attributes import Attribute, AttributeValueError, as_text, declared_types, editable_kind, parse


def too_many_rows(form, attributes: list[Attribute]) -> str | None:
    """Why the editor cannot hold this profile's attributes, or None."""
    editable = sum(1 for a in attributes if a.editable)
    if editable <= form.rows.max_entries:
        return None
    return (f"This profile has {editable:,} attributes; the editor holds at most "
            f"{form.rows.max_entries:,}. Change them through Talon.One instead.")


def fill_rows(form, attributes: list[Attribute]) -> None:
    """One row per editable attribute, holding its current value (none when there are more
    than the form holds: too_many_rows says so)."""
    if too_many_rows(form, attributes):
        return
    for attribute in attributes:
        if attribute.editable:
            form.rows.append_entry({"name": attribute.name,
                                    "value": as_text(attribute.value, attribute.kind)})


def collect_changes(form, attributes: list[Attribute]) -> tuple[dict[str, Any], bool]:
    """({name: new typed value} for what differs, whether every field was fine). Problems are
    added to the fields' errors, so the form shows them next to the values."""
    known = {a.name: a for a in attributes}
    changes: dict[str, Any] = {}
    fine = True
    seen: set[str] = set()
    for row in form.rows:
        name = row.form.name.data or ""
        attribute = known.get(name)
        if attribute is None or not attribute.editable or name in seen:
            row.form.value.errors = [*row.form.value.errors,
                                     "This attribute is not on the profile (any more); reload the page."]
            fine = False
            continue
        seen.add(name)
        if (row.form.value.data or "") == as_text(attribute.value, attribute.kind):
            continue  # untouched: not re-parsed, so a stored value of another type stays as it is
        try:
            value = parse(row.form.value.data, attribute.kind)
        except AttributeValueError as problem:
            row.form.value.errors = [*row.form.value.errors, str(problem)]
            fine = False
            continue
        if value != attribute.value:
            changes[name] = value
    new_name = form.new_name.data or ""
    if new_name and not form.new_name.errors:
        problem = _new_attribute_problem(new_name, known)
        if problem:
            form.new_name.errors = [problem]
            fine = False
        else:
            try:
                changes[new_name] = parse(form.new_value.data, _new_kind(new_name, form.new_kind.data))
            except AttributeValueError as problem:
                form.new_value.errors = [*form.new_value.errors, str(problem)]
                fine = False
    elif not new_name and (form.new_value.data or "").strip():
        form.new_name.errors = [*form.new_name.errors, "Name the new attribute, or clear its value."]
        fine = False
    return changes, fine


def _new_attribute_problem(name: str, known: dict[str, Attribute]) -> str | None:
    if name in known:
        return f"{name} exists already: change it in its row above."
    declared = declared_types().get(name)
    if declared is not None and editable_kind(declared) is None:
        return f"Talon.One declares {name} as {declared}, which this form cannot edit."
    return None


def _new_kind(name: str, chosen: str) -> str:
    """A declared attribute takes its declared type, whatever was chosen; others the choice."""
    declared = declared_types().get(name)
    return editable_kind(declared) if declared is not None else chosen


def fingerprint(changes: dict[str, Any]) -> str:
    """Identifies one set of changes, so Save can insist on what was previewed."""
    return hashlib.sha256(json.dumps(changes, sort_keys=True).encode()).hexdigest()


def effect_lines(state: IntegrationState | None) -> list[EffectLine]:
    if state is None or not state.effects:
        return []
    return effect_wording().describe_all(state.effects)


@dataclass(frozen=True)
class Change:
    name: str
    before: Any
    after: Any
    new: bool


@dataclass(frozen=True)
class Preview:
    """What the dry run said: the changes, the effects runRuleEngine would have, the campaigns
    it would trigger."""

    changes: list[Change]
    effects: list[EffectLine]
    campaigns: list[str]
    fingerprint: str

    @classmethod
    def of(cls, changes: dict, current: dict, state: IntegrationState, fingerprint: str) -> "Preview":
        rows = [Change(name, current.get(name), value, name not in current)
                for name, value in sorted(changes.items())]
        campaigns = [c.name or f"campaign {c.id}" for c in state.triggered_campaigns]
        return cls(rows, effect_lines(state), campaigns, fingerprint)
