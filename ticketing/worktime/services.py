"""Reading and changing the zone's time targets and calendar.

Both are read once per request (kept in flask.g) and apply at once: a changed target or
calendar day recomputes the due time of every step still running that it touches, in the same
transaction as the change, so a queue never shows a due time counted by the old rules.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, bindparam, delete, func, or_, select, update

from ticketing import db
from ticketing.accounts.models import User
from ticketing.audit import services as audit
from ticketing.audit.models import Kind
from ticketing.errors import RuleViolation
from ticketing.tickets import deadlines
from ticketing.tickets.models import Ticket
from ticketing.worktime import official
from ticketing.worktime.calendar import WorkCalendar
from ticketing.worktime.models import PRIORITIES, STEPS, CalendarDay, TimeTarget

BATCH = 5000


def targets() -> deadlines.Targets:
    if "time_targets" not in g:
        chosen = {(t.step, t.priority): t.days for t in db.session.scalars(select(TimeTarget))}
        g.time_targets = deadlines.Targets(current_app.config["TIME_TARGETS"], chosen)
    return g.time_targets  # type: ignore[no-any-return]


def calendar() -> WorkCalendar:
    if "work_calendar" not in g:
        rows = db.session.execute(select(CalendarDay.day, CalendarDay.working)).all()
        g.work_calendar = WorkCalendar({day: working for day, working in rows})
    return g.work_calendar  # type: ignore[no-any-return]


def forget() -> None:
    """Drop this request's copies after a change."""
    g.pop("time_targets", None)
    g.pop("work_calendar", None)


def due_at(state: str, priority: str, entered: datetime) -> datetime | None:
    return deadlines.due_at(state, priority, entered, targets(), calendar())


def soon_from(due: datetime | None) -> datetime | None:
    """When a step due at `due` is shown as due soon (see WorkCalendar.soon_from)."""
    return None if due is None else calendar().soon_from(due)


def set_due(ticket: Ticket, entered: datetime) -> None:
    """Set when the ticket's current step, entered at `entered`, is due and due soon."""
    ticket.due_at = due_at(ticket.state, ticket.priority, entered)
    ticket.due_soon_at = soon_from(ticket.due_at)


def last_listed_day() -> date | None:
    """The last day the calendar lists: beyond it only weekends are days off."""
    return db.session.scalar(select(func.max(CalendarDay.day)))


# -- changes -----------------------------------------------------------------------------------


def save_targets(actor: User, chosen: dict[tuple[str, str], Any]) -> int:
    """Set the working days of each step and priority; returns how many running steps got a
    new due time. Every value is checked before anything is written."""
    clean: dict[tuple[str, str], int] = {}
    for step in STEPS:
        for priority in PRIORITIES:
            raw = chosen.get((step, priority))
            try:
                days = int(str(raw).strip())
            except (TypeError, ValueError):
                days = 0
            if not 1 <= days <= 365:
                raise RuleViolation(
                    f"{step}_{priority}", _l("Enter a whole number of working days from 1 to 365.")
                )
            clean[(step, priority)] = days
    before = targets()
    changed = [key for key, days in clean.items() if before.days(*key) != days]
    existing = {(t.step, t.priority): t for t in db.session.scalars(select(TimeTarget))}
    now = db.utcnow()
    for (step, priority), days in clean.items():
        row = existing.get((step, priority))
        if row is None:
            db.session.add(
                TimeTarget(
                    step=step, priority=priority, days=days, updated_at=now, updated_by_id=actor.id
                )  # fmt: skip
            )
        elif row.days != days:
            row.days, row.updated_at, row.updated_by_id = days, now, actor.id
    db.session.flush()
    forget()
    if not changed:
        return 0
    detail = "time targets: " + ", ".join(
        f"{step}/{priority} {before.days(step, priority)}→{clean[(step, priority)]}"
        for step, priority in changed
    )
    audit.record(Kind.SETTINGS_CHANGED, user=actor, detail=detail)
    touched = [
        (Ticket.state == deadlines.STATE_OF_STEP[step]) & (Ticket.priority == priority)
        for step, priority in changed
    ]
    return recompute(or_(*touched))


def set_day(actor: User, day: date, working: bool, name: str) -> int:
    """List `day` as a holiday or an adjusted working day (replacing what was listed)."""
    name = " ".join(name.split())[:40]
    row = db.session.get(CalendarDay, day)
    if row is None:
        db.session.add(CalendarDay(day=day, working=working, name=name))
    else:
        row.working, row.name = working, name
    db.session.flush()
    forget()
    what = "working day" if working else "day off"
    _note(actor, f"calendar: {day.isoformat()} {what} {name}".rstrip())
    return recompute(_around(day, day))


def remove_day(actor: User, day: date) -> int:
    """Let `day` be what its weekday says again."""
    db.session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    forget()
    _note(actor, f"calendar: {day.isoformat()} removed")
    return recompute(_around(day, day))


def load_official(actor: User, year: int) -> int:
    """Replace the listed days of `year` with the State Council's."""
    days = official.days(year)
    if not days:
        raise RuleViolation("year", _l("There is no official calendar of that year here yet."))
    first, last = date(year, 1, 1), date(year, 12, 31)
    db.session.execute(delete(CalendarDay).where(CalendarDay.day.between(first, last)))
    db.session.add_all(CalendarDay(day=d, working=w, name=n) for d, w, n in days)
    db.session.flush()
    forget()
    _note(actor, f"calendar: official days of {year} loaded ({len(days)} days)")
    return recompute(_around(first, last))


def _note(actor: User, detail: str) -> None:
    """A settings change in the security log, in the change's transaction."""
    audit.record(Kind.SETTINGS_CHANGED, user=actor, detail=detail)


def _around(first: date, last: date) -> ColumnElement[bool]:
    """The running steps whose span may cover a day from `first` to `last`: started before
    the end of `last` and due after the start of `first`."""
    start = datetime.combine(first, time(), db.ZONE_TIME)
    end = datetime.combine(last + timedelta(days=1), time(), db.ZONE_TIME)
    return (Ticket.due_at > start) & (Ticket.step_started_at < end)


def recompute(where: ColumnElement[bool]) -> int:
    """Count again the due time of the running steps `where` selects; returns how many."""
    db.session.flush()
    rows = db.session.execute(
        select(Ticket.id, Ticket.state, Ticket.priority, Ticket.step_started_at, Ticket.updated_at)
        .where(Ticket.state.in_(list(deadlines.STEP_TARGET)), where)
        .order_by(Ticket.id)
    ).all()
    table = Ticket.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            due_at=bindparam("b_due", type_=table.c.due_at.type),
            due_soon_at=bindparam("b_soon", type_=table.c.due_at.type),
        )
    )
    batch: list[dict[str, Any]] = []
    for ticket_id, state, priority, started, updated in rows:
        due = due_at(state, priority, started or updated)
        batch.append({"b_id": ticket_id, "b_due": due, "b_soon": soon_from(due)})
        if len(batch) == BATCH:
            db.session.execute(statement, batch)
            batch = []
    if batch:
        db.session.execute(statement, batch)
    db.session.expire_all()
    return len(rows)
