"""The zone dashboard page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ticketing.accounts.models import Role
from ticketing.reports.queries import dashboard
from ticketing.tickets.models import CATEGORY_LABELS
from ticketing.workflow import STATE_LABELS

bp = Blueprint("reports", __name__)


@bp.get("/dashboard")
@login_required
def overview() -> str:
    if Role.ADMIN not in current_user.roles:
        abort(404)
    figures = dashboard(current_user)
    return render_template(
        "reports/dashboard.html", figures=figures, states=STATE_LABELS, categories=CATEGORY_LABELS
    )
