"""Fair and ceremony pages: the list, a fair's page (agenda, problems, results; prints on A4),
the form, picking problems, and linking cooperations. Admins run them; the liaisons of
invited universities read them; everyone else gets 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ticketing import permissions, writes
from ticketing.db import local_today
from ticketing.fairs import queries, services
from ticketing.fairs.forms import FairForm, LinkForm, ProblemForm
from ticketing.fairs.models import FAIR_KIND_LABELS, FairKind
from ticketing.tickets.models import CATEGORY_LABELS

bp = Blueprint("fairs", __name__, url_prefix="/fairs")
FAIR_ID = "<int(max=2147483647):fair_id>"


@bp.before_request
@login_required
def _signed_in() -> None:
    return None


def _admin() -> None:
    if not permissions.is_admin(current_user):
        abort(404)


@bp.get("")
def index() -> str:
    page = queries.fairs(current_user, request.args, local_today())
    return render_template(
        "fairs/list.html",
        page=page,
        can_edit=permissions.is_admin(current_user),
        kinds=FAIR_KIND_LABELS,
    )


@bp.get(f"/{FAIR_ID}")
def detail(fair_id: int) -> str:
    return _detail(fair_id, LinkForm(), 200)[0]


def _detail(fair_id: int, link_form: LinkForm, status: int) -> tuple[str, int]:
    page = queries.fair_page(current_user, fair_id)
    admin = permissions.is_admin(current_user)
    page_html = render_template(
        "fairs/detail.html",
        page=page,
        fair=page.fair,
        problems=queries.problems(page.fair),
        results=queries.results(current_user, page.fair),
        can_edit=admin,
        link_form=link_form if admin else None,
        kinds=FAIR_KIND_LABELS,
        ceremony=page.fair.kind == FairKind.CEREMONY,
    )
    return page_html, status


@bp.post(f"/{FAIR_ID}/link")
def link(fair_id: int) -> ResponseReturnValue:
    _admin()
    fair = queries.fair_page(current_user, fair_id).fair
    form = LinkForm()

    def done(cooperation: Any) -> Response:
        flash(_("Recorded the cooperation at %(title)s.", title=fair.title), "success")
        return redirect(url_for("fairs.detail", fair_id=fair.id, _anchor="results"))

    def again(status: int, message: str | None) -> ResponseReturnValue:
        if message:
            form.form_errors.append(message)
        return _detail(fair_id, form, status)

    return writes.submit(
        form,
        lambda: services.link_by_number(
            fair, current_user, number=form.number.data, stage=form.stage.data
        ),
        done=done,
        again=again,
    )


@bp.route("/new", methods=["GET", "POST"], defaults={"fair_id": None})
@bp.route(f"/{FAIR_ID}/edit", methods=["GET", "POST"])
def edit(fair_id: int | None) -> ResponseReturnValue:
    _admin()
    fair = queries.fair_page(current_user, fair_id).fair if fair_id is not None else None
    form = FairForm(obj=fair) if request.method == "GET" else FairForm()
    parks, campaigns, universities = queries.form_choices()
    kept_park = fair.park_id if fair else None
    kept_universities = {u.id for u in fair.universities} if fair else set()
    form.park_id.choices = [(0, "—")] + [
        (p.id, p.name) for p in parks if p.active or p.id == kept_park
    ]
    form.campaign_id.choices = [(0, "—")] + [(c.id, c.name) for c in campaigns]
    form.university_ids.choices = [
        (u.id, u.name) for u in universities if u.active or u.id in kept_universities
    ]
    if request.method == "GET" and fair is not None:
        form.park_id.data = fair.park_id or 0
        form.campaign_id.data = fair.campaign_id or 0
        form.university_ids.data = sorted(kept_universities)
    title = fair.title if fair else _("New fair or ceremony")

    def saved(row: Any) -> Response:
        flash(_("Saved %(name)s.", name=row.title), "success")
        return redirect(url_for("fairs.detail", fair_id=row.id))

    def again(status: int, message: str | None) -> tuple[str, int]:
        if message:
            form.form_errors.append(message)
        back = url_for("fairs.detail", fair_id=fair.id) if fair else url_for("fairs.index")
        return render_template("admin/form.html", form=form, title=title, back=back), status

    def save() -> Any:
        data = {name: f.data for name, f in form._fields.items() if name != "csrf_token"}
        return services.save_fair(fair, current_user, **data)

    return writes.submit(form, save, done=saved, again=again)


@bp.get(f"/{FAIR_ID}/problems")
def pick(fair_id: int) -> str:
    _admin()
    page = queries.fair_page(current_user, fair_id, universities=False)
    filters = queries.Filters.from_args(request.args)
    return render_template(
        "fairs/pick.html",
        page=page,
        fair=page.fair,
        problems=queries.problems(page.fair),
        found=queries.candidates(page.fair, filters),
        filters=filters,
        parks=queries.parks(),
        industries=queries.industries(),
        categories=CATEGORY_LABELS,
        form=ProblemForm(),
    )


@bp.post(f"/{FAIR_ID}/problems/<change>")
def change_problem(fair_id: int, change: str) -> ResponseReturnValue:
    _admin()
    services_by_change = {
        "add": services.add_problem,
        "remove": services.remove_problem,
        "move": services.move_problem,
    }
    if change not in services_by_change:
        abort(404)
    fair = queries.fair_page(current_user, fair_id, universities=False).fair
    form = ProblemForm()
    back = url_for("fairs.pick", fair_id=fair.id, **request.args.to_dict())

    def run() -> Any:
        data: dict[str, Any] = {"ticket_id": form.ticket_id.data}
        if change == "move":
            data["direction"] = form.direction.data
        return services_by_change[change](fair, current_user, **data)

    def done(_result: Any) -> Response:
        return redirect(back)

    def again(status: int, message: str | None) -> Response:
        errors = [message] if message else []
        errors += [e for f in form for e in f.errors] + list(form.form_errors)
        flash(
            " ".join(str(e) for e in errors) or _("The form expired. Please send it again."),
            "error",
        )
        response = redirect(back)
        response.status_code = 303
        return response

    return writes.submit(form, run, done=done, again=again)
