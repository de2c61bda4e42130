"""/audit: read-only view of the audit log with filters, and its CSV export. There are no routes
that edit or delete entries, by design."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for

from ..extensions import db
from ..models import utcnow
from ..permissions import require
from ..routing import page_arg
from ..templating import render_section
from .export import stream_csv
from .filters import AuditFilterForm, entry_sort, filtered_entries
from ..audit_log import record

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


def _filters() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    return form


@bp.get("")
@require("audit")
def index():
    form = _filters()
    sort = entry_sort(request.args.get("sort"))
    entries = db.paginate(filtered_entries(form, sort), page=page_arg(),
                          per_page=current_app.config["AUDIT_PAGE_SIZE"], error_out=False)
    # The filter's own fields only: request arguments never reach url_for (_scheme, _method...).
    export_query = {f.name: request.args[f.name] for f in form if request.args.get(f.name)}
    return render_section("audit/index.html", "audit/_entries.html", form=form, entries=entries,
                          export_query=export_query, sort=sort,
                          sort_href=url_for("audit.index", **export_query))


@bp.get("/export.csv")
@require("audit")
def export_csv():
    form = _filters()
    filters = {k: v for k, v in request.args.items() if v}
    # Who took a copy of the log, and of which part, is itself worth knowing.
    record("audit.export", "audit_log", None, summary={"filters": filters})
    filename = f"audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        stream_with_context(stream_csv(filtered_entries(form))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
