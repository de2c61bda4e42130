"""The /audit filter form and the query it builds (shared by the page and the CSV export)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..extensions import db
from ..forms import ConsoleForm
from ..models import OUTCOMES, AuditEntry
from ..sorting import Column, Sort


class AuditFilterForm(ConsoleForm):
    """Read from the query string; GET needs no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField("Actor", validators=[Optional(), Length(max=80)])
    action = StringField("Action", validators=[Optional(), Length(max=80)],
                         description="Exact name, or a prefix ending in a dot (session.)")
    target_type = SelectField("Target type", validators=[Optional()], choices=[])
    target_id = StringField("Target ID", validators=[Optional(), Length(max=255)])
    outcome = SelectField("Outcome", validators=[Optional()],
                          choices=[SelectChoice("", "any")] + [SelectChoice(o) for o in OUTCOMES])
    date_from = DateField("From (UTC)", validators=[Optional()])
    date_to = DateField("To (UTC)", validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        known = db.session.scalars(
            sa.select(AuditEntry.target_type).where(AuditEntry.target_type.is_not(None))
            .distinct().order_by(AuditEntry.target_type)
        ).all()
        self.target_type.choices = [SelectChoice("", "any")] + [SelectChoice(t) for t in known]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Must not be before the start date.")


# The log's sortable columns, sorted by the database query over the whole log (every page),
# not in the browser. Details (free JSON) is not sortable.
COLUMNS = (
    Column("time", "Time", "created_at", descending_first=True),
    Column("actor", "Actor", "actor"),
    Column("action", "Action", "action"),
    Column("target", "Target", "target"),
    Column("outcome", "Outcome", "outcome"),
)
ORDER = "-time"
_ORDER_BY = {
    "time": (AuditEntry.created_at,),
    "actor": (AuditEntry.actor,),
    "action": (AuditEntry.action,),
    "target": (AuditEntry.target_type, AuditEntry.target_id),
    "outcome": (AuditEntry.outcome,),
}


def entry_sort(raw: str | None) -> Sort:
    return Sort.read(raw, COLUMNS, ORDER)


def filtered_entries(form: AuditFilterForm, sort: Sort | None = None) -> sa.Select:
    """Newest first, or in ``sort``'s order (ties newest first). Call form.validate() first:
    fields with errors are ignored (the page shows the errors next to them)."""
    query = sa.select(AuditEntry)

    def value(field):
        return None if field.errors else field.data

    if actor := (value(form.actor) or "").strip():
        query = query.where(AuditEntry.actor == actor)
    if action := (value(form.action) or "").strip():
        if action.endswith("."):
            query = query.where(AuditEntry.action.startswith(action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == action)
    if target_type := value(form.target_type):
        query = query.where(AuditEntry.target_type == target_type)
    if target_id := (value(form.target_id) or "").strip():
        query = query.where(AuditEntry.target_id == target_id)
    if outcome := value(form.outcome):
        query = query.where(AuditEntry.outcome == outcome)
    if date_from := value(form.date_from):
        query = query.where(AuditEntry.created_at >= datetime.combine(date_from, time.min))
    if date_to := value(form.date_to):
        # inclusive: everything before the next midnight
        query = query.where(AuditEntry.created_at < datetime.combine(date_to + timedelta(days=1), time.min))
    sort = sort or entry_sort(None)
    columns = [c.desc() if sort.descending else c.asc() for c in _ORDER_BY[sort.key]]
    return query.order_by(*columns, AuditEntry.created_at.desc(), AuditEntry.id.desc())
