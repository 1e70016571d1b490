"""Work records, university records and rewards pages, with their .xlsx and CSV downloads.

A list's cells are built once (`*_cells`) and shown on the screen or written to the download,
so the download has exactly the rows on the screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ticketing import db, permissions, writes
from ticketing.accounts.models import Role
from ticketing.outcomes.models import RewardSubject
from ticketing.records import queries, services
from ticketing.records.forms import (
    CommissionerNominationForm,
    DecisionForm,
    OutcomeNominationForm,
)
from ticketing.records.queries import CommissionerRow, ExpertRow, RewardedOutcome
from ticketing.reports.exports import as_csv, as_xlsx
from ticketing.values import whole_number
from ticketing.web import admin_required

bp = Blueprint("records", __name__, url_prefix="/records")

COMMISSIONER_HEADERS = (
    _l("Commissioner"),
    _l("Enterprises served"),
    _l("Problems filed"),
    _l("Routed (%)"),
    _l("Resolved (%)"),
    _l("Mean satisfaction"),
    _l("Ratings"),
)
EXPERT_HEADERS = (
    _l("Expert"),
    _l("University"),
    _l("Tickets"),
    _l("Visit records"),
    _l("Mean days to start"),
    _l("Mean days to resolve"),
    _l("Intentions"),
    _l("Agreements"),
    _l("Landed"),
    _l("Close satisfaction"),
    _l("Close ratings"),
    _l("Cooperation satisfaction"),
    _l("Cooperation ratings"),
)
REWARDED_HEADERS = (
    _l("Ticket number"),
    _l("Title"),
    _l("Cooperation"),
    _l("Enterprise"),
    _l("University"),
    _l("Reward"),
    _l("Amount (10,000 yuan)"),
)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def commissioner_cells(row: CommissionerRow) -> list[Any]:
    return [
        row.name,
        row.enterprises,
        row.filed,
        _percent(row.share_routed),
        _percent(row.share_resolved),
        _round(row.satisfaction),
        row.rated,
    ]


def expert_cells(row: ExpertRow) -> list[Any]:
    return [
        row.name,
        row.university,
        row.tickets,
        row.visits,
        _round(row.days_to_start, 1),
        _round(row.days_to_resolve, 1),
        row.intentions,
        row.agreements,
        row.landed,
        _round(row.satisfaction),
        row.rated,
        _round(row.coop_satisfaction),
        row.coop_rated,
    ]


def rewarded_cells(row: RewardedOutcome) -> list[Any]:
    return [
        row.number,
        row.title,
        row.cooperation,
        row.enterprise,
        row.university,
        row.reward,
        row.amount,
    ]


def _year() -> int:
    year = whole_number(request.args.get("year", ""))
    this_year = db.local_today().year
    return year if year is not None and 2000 <= year <= this_year + 1 else this_year


def _table(
    title: str,
    headers: Sequence[Any],
    rows: list[list[Any]],
    links: list[str | None],
    year: int,
    filename: str,
    **page: Any,
) -> ResponseReturnValue:
    """The list as a page, or as .xlsx / CSV when ?format= asks for it."""
    wanted = request.args.get("format")
    if wanted == "xlsx":
        return as_xlsx(filename, title, headers, rows)
    if wanted == "csv":
        return as_csv(filename, headers, rows)
    return render_template(
        "records/table.html",
        title=title,
        headers=headers,
        rows=list(zip(links, rows, strict=True)),
        year=year,
        **page,
    )


@bp.get("/commissioners")
@login_required
def commissioners() -> ResponseReturnValue:
    if not (permissions.is_admin(current_user) or Role.COMMISSIONER in current_user.roles):
        abort(404)
    year = _year()
    rows = queries.commissioner_rows(current_user, year)
    title = _("Commissioners' work records %(year)d", year=year)
    links = [url_for("records.commissioner", person_id=r.id, year=year) for r in rows]
    cells = [commissioner_cells(r) for r in rows]
    return _table(title, COMMISSIONER_HEADERS, cells, links, year, f"commissioners-{year}")


@bp.get("/experts")
@login_required
def experts() -> ResponseReturnValue:
    roles = current_user.roles
    if not (permissions.is_admin(current_user) or {Role.LIAISON, Role.EXPERT} & roles):
        abort(404)
    year = _year()
    rows = queries.expert_rows(current_user, year)
    title = _("Experts' work records %(year)d", year=year)
    links = [url_for("records.expert", person_id=r.id, year=year) for r in rows]
    cells = [expert_cells(r) for r in rows]
    return _table(title, EXPERT_HEADERS, cells, links, year, f"experts-{year}")


@bp.get("/commissioners/<int(max=2147483647):person_id>")
@login_required
def commissioner(person_id: int) -> str:
    if not queries.sees_commissioner(current_user, person_id):
        abort(404)
    person = queries.person(person_id, Role.COMMISSIONER)
    years = queries.commissioner_years(person_id)
    return render_template(
        "records/commissioner.html",
        person=person,
        headers=COMMISSIONER_HEADERS[1:],
        years=[(r.year, commissioner_cells(r)[1:]) for r in years],
        awards=queries.commissioner_awards(person_id),
    )


@bp.get("/experts/<int(max=2147483647):person_id>")
@login_required
def expert(person_id: int) -> str:
    person = queries.person(person_id, Role.EXPERT)
    if not queries.sees_expert(current_user, person):
        abort(404)
    years = queries.expert_years(person_id)
    return render_template(
        "records/expert.html",
        person=person,
        headers=EXPERT_HEADERS[2:],
        years=[(r.year, expert_cells(r)[2:]) for r in years],
    )


@bp.get("/universities/<int(max=2147483647):university_id>")
@login_required
def university(university_id: int) -> str:
    if not queries.sees_university(current_user, university_id):
        abort(404)
    year = _year()
    page = queries.university_record(current_user, university_id, year)
    return render_template(
        "records/university.html",
        page=page,
        year=year,
        headers=EXPERT_HEADERS[:1] + EXPERT_HEADERS[2:],
        experts=[
            (url_for("records.expert", person_id=r.id), [expert_cells(r)[0], *expert_cells(r)[2:]])
            for r in page.experts
        ],
    )


@bp.get("/rewards/awarded")
@login_required
def rewarded() -> ResponseReturnValue:
    """The outcomes rewarded in a year: for everyone signed in, confidential ones masked."""
    year = _year()
    rows = queries.rewarded_outcomes(current_user, year)
    links = [url_for("tickets.detail", number=r.number) if r.number else None for r in rows]
    title = _("Rewarded outcomes in %(year)d", year=year)
    cells = [rewarded_cells(r) for r in rows]
    return _table(title, REWARDED_HEADERS, cells, links, year, f"rewarded-{year}")


@bp.get("/rewards")
@admin_required
def rewards() -> str:
    return render_template("records/rewards.html", rows=queries.nominations())


SUBJECT_FORMS = {
    RewardSubject.OUTCOME: (OutcomeNominationForm, _l("Nominate a cooperation")),
    RewardSubject.COMMISSIONER: (CommissionerNominationForm, _l("Nominate a commissioner")),
}


@bp.route("/rewards/nominate/<subject>", methods=["GET", "POST"])
@admin_required
def nominate(subject: str) -> ResponseReturnValue:
    if subject not in SUBJECT_FORMS:
        abort(404)
    form_class, title = SUBJECT_FORMS[RewardSubject(subject)]
    form = form_class()
    if request.method == "GET":
        form.year.data = str(db.local_today().year)
    if isinstance(form, CommissionerNominationForm):
        form.commissioner_id.choices = [(0, "—"), *queries.commissioners_to_choose()]
    data = _data(form)
    return _save(
        form,
        str(title),
        lambda: services.nominate(current_user, subject=subject, **data),
        _("Nominated for %(name)s.", name=data.get("name") or ""),
    )


@bp.route("/rewards/<int(max=2147483647):reward_id>/decide", methods=["GET", "POST"])
@admin_required
def decide(reward_id: int) -> ResponseReturnValue:
    reward = queries.get_reward(reward_id)
    form = DecisionForm()
    title = _("Decide: %(name)s %(year)d", name=reward.name, year=reward.year)
    data = _data(form)
    return _save(
        form,
        title,
        lambda: services.decide(reward, current_user, **data),
        _("The decision is recorded."),
    )


def _data(form: FlaskForm) -> dict[str, Any]:
    return {name: f.data for name, f in form._fields.items() if name != "csrf_token"}


def _save(
    form: FlaskForm, title: str, service: Callable[[], Any], message: str
) -> ResponseReturnValue:
    back = url_for("records.rewards")

    def done(_result: Any) -> Response:
        flash(message, "success")
        return redirect(back)

    def again(status: int, error: str | None) -> tuple[str, int]:
        if error:
            form.form_errors.append(error)
        page = render_template("admin/form.html", form=form, title=title, back=back)
        return page, status

    return writes.submit(form, service, done=done, again=again)
