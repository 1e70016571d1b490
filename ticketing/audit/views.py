"""The administrator's security log: filters, pages newest first, .xlsx and CSV downloads
(each download is itself an event of the log, recorded by reports.exports)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ticketing.audit import queries
from ticketing.audit.models import KIND_LABELS, OUTCOME_LABELS
from ticketing.reports.exports import as_csv, as_xlsx
from ticketing.web import admin_required

bp = Blueprint("audit", __name__, url_prefix="/admin/security-log")


@bp.get("")
@admin_required
def index() -> ResponseReturnValue:
    filters = queries.Filters.from_args(request.args)
    wanted = request.args.get("format")
    if wanted in ("xlsx", "csv"):
        return _download(filters, wanted)
    return render_template(
        "audit/log.html",
        page=queries.page(filters, request.args),
        filters=filters,
        kinds=KIND_LABELS,
        outcomes=OUTCOME_LABELS,
    )


def _download(filters: queries.Filters, wanted: str) -> ResponseReturnValue:
    headers = [
        _("Time"),
        _("Login"),
        _("Name"),
        _("By"),
        _("Address"),
        _("Event"),
        _("Outcome"),
        _("Detail"),
    ]
    rows = [_cells(row) for row in queries.everything(filters)]
    name = _("security-log")
    if wanted == "xlsx":
        return as_xlsx(name, name, headers, rows)
    return as_csv(name, headers, rows)


def _cells(row: Any) -> list[Any]:
    event, name, actor_login, actor_name = row
    by = f"{actor_login} {actor_name}" if actor_login else ""
    return [
        event.at,
        event.login,
        name or "",
        by,
        event.address,
        str(KIND_LABELS.get(event.kind, event.kind)),  # type: ignore[call-overload]
        str(OUTCOME_LABELS.get(event.outcome, event.outcome)),
        event.detail,
    ]
