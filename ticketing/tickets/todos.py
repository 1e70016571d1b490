"""What waits for each person (需我处理): the to-do lists on their home page and the count
beside them in the navigation.

- a liaison: the tickets at their university that wait for an expert;
- an expert: the tickets that wait for their answer, and those in progress with no visit
  record for VISIT_REMINDER_DAYS days;
- a commissioner: resolutions of their enterprises to confirm, and their own drafts;
- an administrator: tickets returned by a university, tickets to route, overdue steps.

Every list is read oldest first from an index that starts with the person's id and the state
(or the due date), so it costs the same at 1,000,000 tickets as at 1,000; each list shows
SHOWN rows and is counted up to COUNT_CAP. All lists of a page are one statement, their
counts another, and both are built once per kind of viewer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    bindparam,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from ticketing import db
from ticketing.accounts.models import Role, User
from ticketing.db import local_today, utcnow
from ticketing.orgs.models import Enterprise, University
from ticketing.permissions import BOUND, Viewer, viewer, viewer_params, visibility
from ticketing.tickets.models import Ticket, Visit
from ticketing.tickets.queues import Row, row_columns
from ticketing.workflow import State

SHOWN = 10
COUNT_CAP = 99


@dataclass(frozen=True)
class TodoList:
    key: str
    label: Any
    role: str
    empty: Any
    hint: Any = None
    # the queue (and its filters) that lists all of them, where one does
    queue: tuple[str, dict[str, str]] | None = None


LISTS = (
    TodoList(
        "returned",
        _l("Returned by a university"),
        Role.ADMIN,
        _l("No ticket has been returned."),
        _l("Route them again, to another university or the same one with a note."),
    ),
    TodoList(
        "to_route",
        _l("To route"),
        Role.ADMIN,
        _l("No tickets are waiting to be routed."),
        queue=("to_route", {}),
    ),
    TodoList(
        "overdue",
        _l("Overdue steps"),
        Role.ADMIN,
        _l("No step is overdue."),
        queue=("all", {"overdue": "1"}),
    ),
    TodoList(
        "awaiting_expert",
        _l("Waiting for an expert"),
        Role.LIAISON,
        _l("No ticket at your university waits for an expert."),
        queue=("university", {"state": State.UNIVERSITY_ASSIGNED}),
    ),
    TodoList(
        "awaiting_answer",
        _l("Waiting for your answer"),
        Role.EXPERT,
        _l("No new ticket waits for your answer."),
        _l("Accept and start, or decline with a reason."),
        queue=("assigned", {"state": State.EXPERT_ASSIGNED}),
    ),
    TodoList(
        "no_visit",
        _l("In progress, no recent visit"),
        Role.EXPERT,
        _l("Every ticket you work on has a recent visit record."),
        _l("No visit recorded in the last %(days)d days."),
    ),
    TodoList(
        "to_confirm",
        _l("Resolutions to confirm"),
        Role.COMMISSIONER,
        _l("No resolution waits for the enterprise's confirmation."),
        _l("Confirm and close, reopen, or record a cooperation intention."),
        queue=("mine", {"state": State.RESOLVED}),
    ),
    TodoList(
        "drafts",
        _l("Your drafts"),
        Role.COMMISSIONER,
        _l("No drafts."),
        queue=("mine", {"state": State.DRAFT}),
    ),
)
BY_KEY = {todo.key: todo for todo in LISTS}

NOW = bindparam("now", type_=DateTime(timezone=True))
STALE_SINCE = bindparam("stale_since", type_=DateTime(timezone=True))
VISITED_SINCE = bindparam("visited_since")


def _where(key: str) -> tuple[list[ColumnElement[bool]], Any]:
    """The list's conditions and the column it is read in order of (oldest first)."""
    me, university = BOUND.viewer, BOUND.university
    if key == "returned":
        return [Ticket.state == State.SUBMITTED, Ticket.returned_at.is_not(None)], (
            Ticket.returned_at
        )
    if key == "to_route":
        return [Ticket.state == State.SUBMITTED, Ticket.returned_at.is_(None)], Ticket.updated_at
    if key == "overdue":
        return [Ticket.due_at < NOW], Ticket.due_at
    if key == "awaiting_expert":
        return [
            Ticket.university_id == university,
            Ticket.state == State.UNIVERSITY_ASSIGNED,
        ], Ticket.updated_at
    if key == "awaiting_answer":
        return [Ticket.expert_id == me, Ticket.state == State.EXPERT_ASSIGNED], Ticket.updated_at
    if key == "no_visit":
        recent = exists().where(Visit.ticket_id == Ticket.id, Visit.visited_on >= VISITED_SINCE)
        return [
            Ticket.expert_id == me,
            Ticket.state == State.IN_PROGRESS,
            Ticket.started_at < STALE_SINCE,
            ~recent,
        ], Ticket.updated_at
    if key == "to_confirm":
        return [
            Ticket.enterprise_id.in_(BOUND.enterprises),
            Ticket.state == State.RESOLVED,
        ], Ticket.updated_at
    if key == "drafts":
        return [Ticket.filer_id == me, Ticket.state == State.DRAFT], Ticket.updated_at
    raise KeyError(key)


def lists_for(who: Viewer) -> tuple[TodoList, ...]:
    roles = {
        Role.ADMIN: who.admin,
        Role.LIAISON: who.liaison,
        Role.EXPERT: who.expert,
        Role.COMMISSIONER: who.commissioner,
    }
    if not who.active:
        return ()
    return tuple(todo for todo in LISTS if roles[todo.role])


@cache
def _rows_statement(who: Viewer) -> Select[Any] | None:
    parts = []
    expert = aliased(User)
    for todo in lists_for(who):
        where, order = _where(todo.key)
        picked = (
            select(Ticket.id, order.label("sort_key"))
            .where(*where, visibility(who))
            .order_by(order, Ticket.id)
            .limit(SHOWN)
            .subquery()
        )
        parts.append(
            select(literal(todo.key).label("list"), picked.c.sort_key, *row_columns(expert))
            .join(picked, picked.c.id == Ticket.id)
            .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
            .outerjoin(University, University.id == Ticket.university_id)
            .outerjoin(expert, expert.id == Ticket.expert_id)
        )
    if not parts:
        return None
    return union_all(*parts)  # type: ignore[return-value]


@cache
def _count_statement(who: Viewer) -> Select[Any] | None:
    parts = []
    for todo in lists_for(who):
        where, _order = _where(todo.key)
        capped = select(Ticket.id).where(*where, visibility(who)).limit(COUNT_CAP + 1).subquery()
        parts.append(select(literal(todo.key), func.count()).select_from(capped))
    if not parts:
        return None
    return union_all(*parts)  # type: ignore[return-value]


def _params(user: User) -> dict[str, Any]:
    days = current_app.config["VISIT_REMINDER_DAYS"]
    return {
        **viewer_params(user),
        "now": utcnow(),
        "stale_since": utcnow() - timedelta(days=days),
        "visited_since": local_today() - timedelta(days=days),
    }


@dataclass
class Todos:
    lists: list[TodoList]
    counts: dict[str, int]
    rows: dict[str, list[Row]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def capped(self) -> bool:
        return any(n > COUNT_CAP for n in self.counts.values())


SESSION_KEY = "todo_counts"


def counts(user: User, *, fresh: bool = False) -> Todos:
    """How many tickets wait in each of the person's lists (each counted up to COUNT_CAP + 1),
    for the navigation and the home page. The navigation reuses the person's last counts for
    TODO_COUNT_SECONDS (kept in their session), so that a page costs no statement for them;
    the home page (fresh=True) and the page after any change of theirs count anew."""
    known = g.get("todo_counts")
    if known is not None:
        return known
    who = viewer(user)
    lists = list(lists_for(who))
    seconds = current_app.config["TODO_COUNT_SECONDS"]
    kept = session.get(SESSION_KEY) if seconds and not fresh else None
    if kept and kept[0] == user.id and 0 <= time.time() - kept[1] < seconds:
        todos = Todos(lists, {key: int(n) for key, n in kept[2].items()})
    else:
        statement = _count_statement(who)
        found = dict(db.rows(statement, _params(user))) if statement is not None else {}
        todos = Todos(lists, {key: int(n) for key, n in found.items()})
        if seconds:
            session[SESSION_KEY] = [user.id, time.time(), todos.counts]
    g.todo_counts = todos
    return todos


def forget_counts() -> None:
    """Before a change the person makes (any POST): their next page counts anew."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        session.pop(SESSION_KEY, None)


def todos(user: User) -> Todos:
    """The person's lists with their first SHOWN tickets each, oldest first."""
    result = counts(user, fresh=True)
    statement = _rows_statement(viewer(user))
    if statement is None:
        return result
    grouped: dict[str, list[Any]] = {todo.key: [] for todo in result.lists}
    for row in db.rows(statement, _params(user)):
        grouped[row[0]].append(row)
    for key, rows in grouped.items():
        rows.sort(key=lambda row: (row[1] is None, row[1], row[2]))
        result.rows[key] = [Row(*row[2:]) for row in rows]
    return result


def nav_count(user: User) -> int:
    return counts(user).total
