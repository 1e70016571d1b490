"""The administrator's working-time settings: time targets per step and priority, and the
zone's calendar (public holidays and adjusted working days)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ticketing import db, writes
from ticketing.errors import DomainError, RuleViolation
from ticketing.web import admin_required
from ticketing.worktime import official, services
from ticketing.worktime.forms import (
    STEP_LABELS,
    DayForm,
    OfficialForm,
    RemoveDayForm,
    TargetsForm,
)
from ticketing.worktime.models import PRIORITIES, STEPS, CalendarDay

bp = Blueprint("worktime", __name__)
WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def _year() -> int:
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else db.local_today().year
    return min(max(year, 2000), 2100)


def _page(status: int = 200, **forms: object) -> tuple[str, int]:
    year = _year()
    targets = forms.get("targets") or TargetsForm(formdata=None)
    if "targets" not in forms:
        current = services.targets()
        for step in STEPS:
            for priority in PRIORITIES:
                getattr(targets, f"{step}_{priority}").data = current.days(step, priority)
    days = db.session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarDay.day)
    ).all()
    last = services.last_listed_day()
    today = db.local_today()
    return (
        render_template(
            "worktime/settings.html",
            year=year,
            targets=targets,
            day_form=forms.get("day_form") or DayForm(formdata=None),
            remove_form=RemoveDayForm(formdata=None),
            official_form=OfficialForm(formdata=None),
            days=days,
            steps=STEPS,
            priorities=PRIORITIES,
            step_labels=STEP_LABELS,
            official_years=official.YEARS,
            last_listed=last,
            short=last is None or last.year <= today.year,
            error=forms.get("error"),
            weekday_names=WEEKDAYS,
        ),
        status,
    )


def _done(message: str, changed: int) -> Response:
    flash(message + " " + _("Due times recounted for %(n)d running steps.", n=changed), "success")
    return redirect(url_for("worktime.settings", year=_year()))


@bp.get("/admin/working-time")
@admin_required
def settings() -> tuple[str, int]:
    return _page()


@bp.post("/admin/working-time/targets")
@admin_required
def save_targets() -> ResponseReturnValue:
    form = TargetsForm()
    actor = current_user._get_current_object()
    chosen = {
        (step, priority): getattr(form, f"{step}_{priority}").data
        for step in STEPS
        for priority in PRIORITIES
    }
    return writes.submit(
        form,
        lambda: services.save_targets(actor, chosen),
        done=lambda changed: _done(_("The time targets are saved."), changed),
        again=lambda status, message: _page(status, targets=form, error=message),
    )


@bp.post("/admin/working-time/days")
@admin_required
def set_day() -> ResponseReturnValue:
    form = DayForm()
    actor = current_user._get_current_object()

    def change() -> int:
        day, working = form.day.data, form.working.data == "1"
        if working and day.weekday() < 5:
            raise RuleViolation(
                "working", _("A weekday is a working day already; list it only as a day off.")
            )
        return services.set_day(actor, day, working, form.name.data or "")

    return writes.submit(
        form,
        change,
        done=lambda changed: _done(_("The calendar is saved."), changed),
        again=lambda status, message: _page(status, day_form=form, error=message),
    )


@bp.post("/admin/working-time/days/remove")
@admin_required
def remove_day() -> ResponseReturnValue:
    form = RemoveDayForm()
    actor = current_user._get_current_object()
    try:
        day = date.fromisoformat(form.day.data or "")
    except ValueError:
        return _page(422, error=_("Choose a day."))
    if not form.validate():
        return _page(400, error=_("The form expired. Please send it again."))
    changed = writes.run(lambda: services.remove_day(actor, day))
    return _done(_("The day is removed from the calendar."), changed)


@bp.post("/admin/working-time/official")
@admin_required
def load_official() -> ResponseReturnValue:
    form = OfficialForm()
    actor = current_user._get_current_object()
    raw = form.year.data or ""
    if not form.validate() or not (raw.isdigit() and len(raw) == 4):
        return _page(400, error=_("The form expired. Please send it again."))
    try:
        changed = writes.run(lambda: services.load_official(actor, int(raw)))
    except DomainError as error:
        return _page(error.status, error=str(error.message))
    return _done(_("The official calendar of %(year)s is loaded.", year=raw), changed)
