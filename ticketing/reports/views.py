"""The zone dashboard page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ticketing.reports.queries import dashboard
from ticketing.tickets.models import CATEGORY_LABELS
from ticketing.web import admin_required
from ticketing.workflow import STATE_LABELS

bp = Blueprint("reports", __name__)


@bp.get("/dashboard")
@admin_required
def overview() -> str:
    figures = dashboard(current_user)
    return render_template(
        "reports/dashboard.html", figures=figures, states=STATE_LABELS, categories=CATEGORY_LABELS
    )
