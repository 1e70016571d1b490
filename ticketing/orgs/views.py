"""Administration pages for enterprises and universities (zone administrators only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ticketing import permissions, writes
from ticketing.orgs import queries, services
from ticketing.orgs.forms import EnterpriseForm, PlaceForm, UniversityForm
from ticketing.orgs.models import County, Enterprise, Park, University
from ticketing.tickets.queues import queues_for

bp = Blueprint("orgs", __name__, url_prefix="/admin")
pages = Blueprint("enterprises", __name__)


@pages.get("/enterprises/<int(max=2147483647):enterprise_id>")
@login_required
def enterprise(enterprise_id: int) -> str:
    """An enterprise's page: for admins, its commissioners and the staff on its tickets."""
    page = queries.enterprise_page(current_user, enterprise_id)
    return render_template(
        "orgs/enterprise.html",
        page=page,
        e=page.enterprise,
        can_edit=permissions.is_admin(current_user),
        queue=_queue_for_enterprise(),
    )


def _queue_for_enterprise() -> str | None:
    """The queue in which the person finds all of an enterprise's tickets they may see."""
    for queue in queues_for(current_user):
        if queue.key in ("all", "mine", "university", "assigned"):
            return queue.key
    return None


@bp.before_request
@login_required
def _admins_only() -> None:
    if not permissions.is_admin(current_user):
        abort(404)


@bp.get("/enterprises")
def enterprises() -> str:
    page = queries.enterprises_with_commissioners(request.args)
    return render_template("admin/enterprises.html", page=page, rows=page.rows)


@bp.route("/enterprises/new", methods=["GET", "POST"], defaults={"enterprise_id": None})
@bp.route("/enterprises/<int(max=2147483647):enterprise_id>", methods=["GET", "POST"])
def edit_enterprise(enterprise_id: int | None) -> ResponseReturnValue:
    enterprise = queries.get_or_404(Enterprise, enterprise_id)
    form = EnterpriseForm(obj=enterprise) if request.method == "GET" else EnterpriseForm()
    kept = enterprise or Enterprise()
    form.park_id.choices = [(0, "—")] + [(p.id, p.name) for p in queries.parks(kept.park_id)]
    form.county_id.choices = [(0, "—")] + [(c.id, c.name) for c in queries.counties(kept.county_id)]
    form.partner_university_id.choices = [(0, "—")] + [
        (u.id, u.name) for u in queries.universities(kept.partner_university_id)
    ]
    if request.method == "GET" and enterprise is not None:
        form.park_id.data = enterprise.park_id or 0
        form.county_id.data = enterprise.county_id or 0
        form.partner_university_id.data = enterprise.partner_university_id or 0
    title = enterprise.name if enterprise else _("New enterprise")
    return _save(
        form,
        title,
        "orgs.enterprises",
        lambda data: services.save_enterprise(enterprise, current_user, **data),
    )


@bp.get("/places")
def places() -> str:
    return render_template(
        "admin/places.html",
        parks=queries.places_with_enterprises(Park),
        counties=queries.places_with_enterprises(County),
    )


PLACES = {"park": Park, "county": County}


@bp.route("/places/<kind>/new", methods=["GET", "POST"], defaults={"place_id": None})
@bp.route("/places/<kind>/<int(max=2147483647):place_id>", methods=["GET", "POST"])
def edit_place(kind: str, place_id: int | None) -> ResponseReturnValue:
    model = PLACES.get(kind)
    if model is None:
        abort(404)
    place = queries.get_or_404(model, place_id)
    form = PlaceForm(obj=place) if request.method == "GET" else PlaceForm()
    if place is not None:
        title = place.name
    else:
        title = _("New park") if model is Park else _("New county or district")
    return _save(
        form,
        title,
        "orgs.places",
        lambda data: services.save_place(model, place, current_user, **data),
    )


@bp.get("/universities")
def universities() -> str:
    return render_template("admin/universities.html", rows=queries.universities_with_people())


@bp.route("/universities/new", methods=["GET", "POST"], defaults={"university_id": None})
@bp.route("/universities/<int(max=2147483647):university_id>", methods=["GET", "POST"])
def edit_university(university_id: int | None) -> ResponseReturnValue:
    university = queries.get_or_404(University, university_id)
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
) -> ResponseReturnValue:
    def saved(row: Any) -> Response:
        flash(_("Saved %(name)s.", name=row.name), "success")
        return redirect(url_for(back))

    def again(status: int, _message: str | None) -> tuple[str, int]:
        page = render_template("admin/form.html", form=form, title=title, back=url_for(back))
        return page, status

    data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    return writes.submit(form, lambda: save(data), done=saved, again=again)
