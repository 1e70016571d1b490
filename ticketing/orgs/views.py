"""Administration pages for enterprises and universities (zone administrators only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from ticketing import db
from ticketing.accounts.models import Role, User, commissioner_enterprise
from ticketing.errors import RuleViolation, apply_violation
from ticketing.orgs import services
from ticketing.orgs.forms import EnterpriseForm, UniversityForm
from ticketing.orgs.models import County, Enterprise, Park, University

bp = Blueprint("orgs", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    if Role.ADMIN not in current_user.roles:
        abort(404)


@bp.get("/enterprises")
def enterprises() -> str:
    commissioners = (
        select(func.count())
        .where(commissioner_enterprise.c.enterprise_id == Enterprise.id)
        .correlate(Enterprise)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Enterprise, commissioners)
        .options(joinedload(Enterprise.park), joinedload(Enterprise.county))
        .order_by(Enterprise.name)
    ).all()
    return render_template("admin/enterprises.html", rows=rows)


@bp.route("/enterprises/new", methods=["GET", "POST"], defaults={"enterprise_id": None})
@bp.route("/enterprises/<int(max=2147483647):enterprise_id>", methods=["GET", "POST"])
def edit_enterprise(enterprise_id: int | None) -> str | Response | tuple[str, int]:
    enterprise = db.session.get(Enterprise, enterprise_id) if enterprise_id else None
    if enterprise_id and enterprise is None:
        abort(404)
    form = EnterpriseForm(obj=enterprise) if request.method == "GET" else EnterpriseForm()
    form.park_id.choices = [(0, "—")] + [
        (p.id, p.name) for p in db.session.scalars(select(Park).order_by(Park.name))
    ]
    form.county_id.choices = [(0, "—")] + [
        (c.id, c.name) for c in db.session.scalars(select(County).order_by(County.name))
    ]
    if request.method == "GET" and enterprise is not None:
        form.park_id.data = enterprise.park_id or 0
        form.county_id.data = enterprise.county_id or 0
    title = enterprise.name if enterprise else _("New enterprise")
    return _save(
        form,
        title,
        "orgs.enterprises",
        lambda data: services.save_enterprise(enterprise, current_user, **data),
    )


@bp.get("/universities")
def universities() -> str:
    people = (
        select(func.count(User.id))
        .where(User.university_id == University.id)
        .correlate(University)
        .scalar_subquery()
    )
    rows = db.session.execute(select(University, people).order_by(University.name)).all()
    return render_template("admin/universities.html", rows=rows)


@bp.route("/universities/new", methods=["GET", "POST"], defaults={"university_id": None})
@bp.route("/universities/<int(max=2147483647):university_id>", methods=["GET", "POST"])
def edit_university(university_id: int | None) -> str | Response | tuple[str, int]:
    university = db.session.get(University, university_id) if university_id else None
    if university_id and university is None:
        abort(404)
    form = UniversityForm(obj=university) if request.method == "GET" else UniversityForm()
    title = university.name if university else _("New university")
    return _save(
        form,
        title,
        "orgs.universities",
        lambda data: services.save_university(university, current_user, **data),
    )


def _save(
    form: FlaskForm, title: str, back: str, save: Callable[[dict[str, Any]], Any]
) -> Response | tuple[str, int]:
    """Validate, save through the service, commit; or show the form with its errors."""
    if form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            saved = save(data)
        except RuleViolation as violation:
            db.session.rollback()
            apply_violation(form, violation)
        else:
            db.session.commit()
            flash(_("Saved %(name)s.", name=saved.name), "success")
            return redirect(url_for(back))
    page = render_template("admin/form.html", form=form, title=title, back=url_for(back))
    return page, 422 if form.errors else 200
