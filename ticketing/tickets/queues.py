"""The queues: which tickets each role works from, filtered, newest activity first.

A page costs the same on a zone of 1,000 tickets as on a province of 1,000,000, and the same on
its first page as a thousand pages in: rows are read in queue order straight from an index
that ends in (updated_at, id) (keyset pagination: the next page starts after the last row
shown), the number of matches is counted up to COUNT_CAP only, and the page joins the few
things a row shows for its 20 rows alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, true, tuple_
from sqlalchemy.orm import aliased

from ticketing import db
from ticketing.accounts.models import Role, User
from ticketing.orgs.models import Enterprise, University
from ticketing.permissions import visible_tickets
from ticketing.tickets.models import Category, Priority, Ticket
from ticketing.values import row_id
from ticketing.workflow import State

COUNT_CAP = 1000
NUMBER = re.compile(r"[A-Za-z]{1,8}-\d{4}-\d{4,7}")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    role: str
    empty: Any


QUEUES = (
    Queue("to_route", _l("To route"), Role.ADMIN, _l("No tickets are waiting to be routed.")),
    Queue("all", _l("All tickets"), Role.ADMIN, _l("No tickets match.")),
    Queue(
        "university",
        _l("Routed to my university"),
        Role.LIAISON,
        _l("No tickets are with your university now."),
    ),
    Queue("assigned", _l("Assigned to me"), Role.EXPERT, _l("No tickets are assigned to you.")),
    Queue(
        "mine",
        _l("My enterprises' tickets"),
        Role.COMMISSIONER,
        _l("No tickets yet. File the first one with “New ticket”."),
    ),
)
QUEUE_BY_KEY = {queue.key: queue for queue in QUEUES}


def queues_for(user: User) -> list[Queue]:
    return [queue for queue in QUEUES if queue.role in user.roles]


def home_queue(user: User) -> Queue | None:
    queues = queues_for(user)
    return queues[0] if queues else None


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just after (older) or just before (newer) this row."""

    updated_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.updated_at - EPOCH) // MICRO}_{self.id}"

    @classmethod
    def parse(cls, value: Any) -> Cursor | None:
        micros, _, ident = str(value or "").partition("_")
        ticket_id = row_id(ident)
        if not (micros.isascii() and micros.isdigit()) or len(micros) > 17 or ticket_id is None:
            return None
        return cls(EPOCH + int(micros) * MICRO, ticket_id)


@dataclass
class Filters:
    state: str | None = None
    category: str | None = None
    priority: str | None = None
    enterprise_id: int | None = None
    enterprise_name: str | None = None
    university_id: int | None = None
    q: str | None = None
    overdue: bool = False
    after: Cursor | None = None
    before: Cursor | None = None

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Read filters from a query string; unknown values are dropped, not trusted."""
        filters = cls()
        state = args.get("state") or None
        filters.state = state if state in set(State) else None
        category = args.get("category") or None
        filters.category = category if category in set(Category) else None
        priority = args.get("priority") or None
        filters.priority = priority if priority in set(Priority) else None
        filters.enterprise_id = row_id(args.get("enterprise"))
        filters.enterprise_name = " ".join((args.get("enterprise_name") or "").split())[:60] or None
        filters.university_id = row_id(args.get("university"))
        filters.q = " ".join((args.get("q") or "").split())[:100] or None
        filters.overdue = args.get("overdue") == "1"
        filters.after = Cursor.parse(args.get("after"))
        filters.before = None if filters.after else Cursor.parse(args.get("before"))
        return filters

    def as_args(self) -> dict[str, Any]:
        """The filters as query arguments (without the page's position)."""
        pairs = {
            "state": self.state,
            "category": self.category,
            "priority": self.priority,
            "enterprise": self.enterprise_id,
            "enterprise_name": self.enterprise_name,
            "university": self.university_id,
            "q": self.q,
            "overdue": "1" if self.overdue else None,
        }
        return {key: value for key, value in pairs.items() if value}


@dataclass(frozen=True)
class Row:
    """What a queue shows of one ticket."""

    id: int
    number: str
    title: str
    confidential: bool
    state: str
    priority: str
    category: str
    due_at: datetime | None
    updated_at: datetime
    enterprise: str
    university: str | None
    expert: str | None


@dataclass
class Page:
    rows: list[Row]
    matches: int  # counted up to COUNT_CAP + 1
    older: Cursor | None
    newer: Cursor | None

    @property
    def more_than_cap(self) -> bool:
        return self.matches > COUNT_CAP


def _queue_clause(queue: Queue, user: User) -> ColumnElement[bool]:
    if queue.key == "to_route":
        return Ticket.state == State.SUBMITTED
    if queue.key == "university":
        return Ticket.university_id == user.university_id
    if queue.key == "assigned":
        return Ticket.expert_id == user.id
    if queue.key == "mine":
        own_drafts = and_(Ticket.filer_id == user.id, Ticket.state == State.DRAFT)
        return or_(Ticket.enterprise_id.in_(user.enterprise_ids), own_drafts)
    return true()


def _conditions(user: User, queue: Queue, filters: Filters) -> list[ColumnElement[bool]]:
    where = [visible_tickets(user), _queue_clause(queue, user)]
    for column, value in (
        (Ticket.state, filters.state),
        (Ticket.category, filters.category),
        (Ticket.priority, filters.priority),
        (Ticket.enterprise_id, filters.enterprise_id),
        (Ticket.university_id, filters.university_id),
    ):
        if value:
            where.append(column == value)
    if filters.enterprise_name:
        named = select(Enterprise.id).where(Enterprise.name.contains(filters.enterprise_name))
        where.append(Ticket.enterprise_id.in_(named))
    if filters.overdue:
        where.append(Ticket.due_at < db.utcnow())
    if filters.q:
        where.append(_matching(filters.q))
    return where


def _matching(q: str) -> ColumnElement[bool]:
    """A ticket number is found by equality; words in the title."""
    if NUMBER.fullmatch(q):
        return Ticket.number == q.upper()
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Ticket.title.ilike(pattern, escape="\\")


def list_queue(user: User, queue: Queue, filters: Filters, per_page: int) -> Page:
    """One page of a queue: two statements whatever the page size or position."""
    where = _conditions(user, queue, filters)
    key = tuple_(Ticket.updated_at, Ticket.id)
    newer_first = filters.before is None
    if filters.after:
        where.append(key < tuple_(literal(filters.after.updated_at, Ticket.updated_at.type),
                                  literal(filters.after.id)))  # fmt: skip
    if filters.before:
        where.append(key > tuple_(literal(filters.before.updated_at, Ticket.updated_at.type),
                                  literal(filters.before.id)))  # fmt: skip
    found = list(db.session.execute(_rows(where, newer_first, per_page + 1)))
    rows = [Row(**row._mapping) for row in found[:per_page]]
    more = len(found) > per_page
    if not newer_first:
        rows.reverse()
    moved = filters.after is not None or filters.before is not None
    older = newer = None
    if rows:
        first, last = (
            Cursor(rows[0].updated_at, rows[0].id),
            Cursor(rows[-1].updated_at, rows[-1].id),
        )
        older = last if (more if newer_first else moved) else None
        newer = first if (moved if newer_first else more) else None
    counted = _conditions(user, queue, filters)
    return Page(rows, _count(counted), older, newer)


def _order(updated_at: Any, ident: Any, descending: bool) -> tuple[Any, Any]:
    if descending:
        return updated_at.desc(), ident.desc()
    return updated_at.asc(), ident.asc()


def _rows(where: list[ColumnElement[bool]], descending: bool, limit: int) -> Select[Any]:
    """The page's tickets first, in index order; then the names a row shows, for them only."""
    page = (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.title,
            Ticket.confidential,
            Ticket.state,
            Ticket.priority,
            Ticket.category,
            Ticket.due_at,
            Ticket.updated_at,
            Ticket.enterprise_id,
            Ticket.university_id,
            Ticket.expert_id,
        )
        .where(*where)
        .order_by(*_order(Ticket.updated_at, Ticket.id, descending))
        .limit(limit)
        .subquery()
    )
    expert = aliased(User)
    return (
        select(
            page.c.id,
            page.c.number,
            page.c.title,
            page.c.confidential,
            page.c.state,
            page.c.priority,
            page.c.category,
            page.c.due_at,
            page.c.updated_at,
            Enterprise.name.label("enterprise"),
            func.coalesce(func.nullif(University.short_name, ""), University.name).label(
                "university"
            ),
            expert.name.label("expert"),
        )
        .join(Enterprise, Enterprise.id == page.c.enterprise_id)
        .outerjoin(University, University.id == page.c.university_id)
        .outerjoin(expert, expert.id == page.c.expert_id)
        .order_by(*_order(page.c.updated_at, page.c.id, descending))
    )


def _count(where: list[ColumnElement[bool]]) -> int:
    """How many tickets match, counted up to COUNT_CAP + 1 (the page shows “1,000+”)."""
    capped = select(Ticket.id).where(*where).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(capped)) or 0
