"""The dashboard and the lists behind its figures, with their downloads (.xlsx and CSV).

For admins (the zone) and liaisons (their university's figures only); everyone else gets 404,
as admin_required pages do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ticketing import db
from ticketing.accounts.models import Role
from ticketing.permissions import is_admin
from ticketing.reports import exports, periods, queries
from ticketing.reports.filters import Filters, parse
from ticketing.reports.measures import COOPERATION_PREDICATES, TICKET_PREDICATES
from ticketing.tickets.models import CATEGORY_LABELS
from ticketing.values import row_id
from ticketing.workflow import STATE_LABELS

bp = Blueprint("reports", __name__)


def dashboard_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        liaison = Role.LIAISON in current_user.roles and current_user.university_id is not None
        if not (is_admin(current_user) or (current_user.is_active and liaison)):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/dashboard")
@dashboard_required
def overview() -> str:
    filters, errors = parse(request.args, current_user)
    return render_template(
        "reports/dashboard.html",
        figures=queries.dashboard(filters),
        filters=filters,
        errors=errors,
        names=queries.names(),
        categories=CATEGORY_LABELS,
        admin=is_admin(current_user),
    )


def _list(kind: str) -> Any:
    filters, errors = parse(request.args, current_user)
    known = TICKET_PREDICATES if kind == "tickets" else COOPERATION_PREDICATES
    figure = request.args.get("figure") or ("filed" if kind == "tickets" else "intentions")
    if figure not in known:
        abort(404)
    read = queries.ticket_rows if kind == "tickets" else queries.cooperation_rows
    counts = queries.TICKET_COUNTS if kind == "tickets" else queries.COOPERATION_COUNTS
    download = request.args.get("format")
    if download in ("xlsx", "csv"):
        rows = read(current_user, filters, figure, None, limit=queries.EXPORT_CAP)
        return _export(kind, download, rows)
    after = row_id(request.args.get("after"))
    rows = read(current_user, filters, figure, after, limit=queries.PAGE + 1)
    more = len(rows) > queries.PAGE
    rows = rows[: queries.PAGE]
    column = counts.get(figure)
    return render_template(
        f"reports/{kind}.html",
        rows=rows,
        figure=figure,
        filters=filters,
        errors=errors,
        total=queries.list_count(filters, column) if column else None,
        next_after=rows[-1]["id"] if more else None,
        after=after,
        names=queries.names(),
        categories=CATEGORY_LABELS,
        states=STATE_LABELS,
        cap=queries.EXPORT_CAP,
    )


def _ticket_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Number"),
        _("Title"),
        _("Category"),
        _("State"),
        _("Enterprise"),
        _("Park"),
        _("County"),
        _("University"),
        _("Filed at"),
        _("Visit records"),
        _("Satisfaction"),
    ]
    body = [
        [
            r["number"],
            r["title"],
            str(CATEGORY_LABELS.get(r["category"], r["category"])),
            str(STATE_LABELS.get(r["state"], r["state"])),
            r["enterprise"],
            r["park"],
            r["county"],
            r["university"],
            r["submitted_at"],
            r["visits"],
            r["satisfaction"],
        ]
        for r in rows
    ]
    return headers, body


def _cooperation_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Number"),
        _("Problem"),
        _("Cooperation"),
        _("Enterprise"),
        _("University"),
        _("Intention date"),
        _("Agreement date"),
        _("Amount (10,000 yuan)"),
        _("Landed on"),
        _("Economic benefit (10,000 yuan)"),
    ]
    body = [
        [
            r["number"],
            r["title"],
            r["cooperation"],
            r["enterprise"],
            r["university"],
            r["intention_date"],
            r["agreement_date"],
            r["amount"],
            r["landed_date"],
            r["economic_benefit"],
        ]
        for r in rows
    ]
    return headers, body


def _export(kind: str, download: str, rows: list[dict[str, Any]]) -> Any:
    table = _ticket_table if kind == "tickets" else _cooperation_table
    headers, body = table(rows)
    name = _("Problems") if kind == "tickets" else _("Cooperations")
    if download == "xlsx":
        return exports.as_xlsx(name, name, headers, body)
    return exports.as_csv(name, headers, body)


@bp.get("/reports/tickets")
@dashboard_required
def tickets() -> Any:
    return _list("tickets")


@bp.get("/reports/cooperations")
@dashboard_required
def cooperations() -> Any:
    return _list("cooperations")


def _period(monthly: bool) -> Any:
    """The monthly or yearly report: this month (or year) unless one is asked for; the zone's
    for admins, their university's for liaisons (and for an admin who picks one)."""
    asked, errors = parse(request.args, current_user)
    today = db.local_today()
    year = asked.year or today.year
    month = (asked.month or (today.month if year == today.year else 12)) if monthly else None
    filters = Filters(year=year, month=month, university=asked.university)
    report = periods.period_report(filters)
    rows = periods.summary_rows(report)
    download = request.args.get("format")
    if download in ("xlsx", "csv"):
        name = _("Monthly report") if monthly else _("Yearly report")
        name = f"{name} {year}" + (f"-{month:02d}" if month else "")
        headers = [_("Figure"), _("Value")]
        if download == "xlsx":
            return exports.as_xlsx(name, name, headers, rows)
        return exports.as_csv(name, headers, rows)
    page = render_template(
        "reports/period.html", report=report, rows=rows, errors=errors, names=queries.names()
    )
    return page


@bp.get("/reports/monthly")
@dashboard_required
def monthly() -> Any:
    return _period(monthly=True)


@bp.get("/reports/yearly")
@dashboard_required
def yearly() -> Any:
    return _period(monthly=False)
