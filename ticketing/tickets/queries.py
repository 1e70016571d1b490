"""Reads that ticket pages share: queues, the ticket page, its timeline, pickers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from ticketing import db
from ticketing.accounts.models import Role, User
from ticketing.errors import NotFound
from ticketing.orgs.models import Enterprise
from ticketing.outcomes.models import Outcome
from ticketing.permissions import can_see_internal, visible_tickets
from ticketing.tickets.models import (
    Attachment,
    Category,
    Comment,
    Priority,
    Ticket,
    TicketEvent,
    Visit,
)
from ticketing.workflow import State


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


@dataclass
class Filters:
    state: str | None = None
    category: str | None = None
    priority: str | None = None
    enterprise_id: int | None = None
    university_id: int | None = None
    q: str | None = None
    overdue: bool = False
    page: int = 1
    errors: list[str] = field(default_factory=list)

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
        filters.enterprise_id = _positive_int(args.get("enterprise"))
        filters.university_id = _positive_int(args.get("university"))
        q = (args.get("q") or "").strip()
        filters.q = q[:100] or None
        filters.overdue = args.get("overdue") == "1"
        filters.page = _positive_int(args.get("page")) or 1
        return filters

    def as_args(self) -> dict[str, Any]:
        pairs = {
            "state": self.state,
            "category": self.category,
            "priority": self.priority,
            "enterprise": self.enterprise_id,
            "university": self.university_id,
            "q": self.q,
            "overdue": "1" if self.overdue else None,
        }
        return {key: value for key, value in pairs.items() if value}


def _positive_int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _queue_clause(queue: Queue, user: User) -> Any:
    if queue.key == "to_route":
        return Ticket.state == State.SUBMITTED
    if queue.key == "university":
        return Ticket.university_id == user.university_id
    if queue.key == "assigned":
        return Ticket.expert_id == user.id
    if queue.key == "mine":
        return or_(Ticket.enterprise_id.in_(user.enterprise_ids), Ticket.filer_id == user.id)
    return True


def _filtered(user: User, queue: Queue, filters: Filters) -> Select[Any]:
    query = select(Ticket).where(visible_tickets(user), _queue_clause(queue, user))
    if filters.state:
        query = query.where(Ticket.state == filters.state)
    if filters.category:
        query = query.where(Ticket.category == filters.category)
    if filters.priority:
        query = query.where(Ticket.priority == filters.priority)
    if filters.enterprise_id:
        query = query.where(Ticket.enterprise_id == filters.enterprise_id)
    if filters.university_id:
        query = query.where(Ticket.university_id == filters.university_id)
    if filters.overdue:
        query = query.where(Ticket.due_at < db.utcnow())
    if filters.q:
        pattern = (
            "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(Ticket.title.ilike(pattern, escape="\\"), Ticket.number.ilike(pattern, escape="\\"))
        )
    return query


@dataclass
class Page:
    items: list[Ticket]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_queue(user: User, queue: Queue, filters: Filters, per_page: int) -> Page:
    """One page of a queue: two statements whatever the page size."""
    base = _filtered(user, queue, filters)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(filters.page, pages)
    rows = db.session.scalars(
        base.options(
            joinedload(Ticket.enterprise),
            joinedload(Ticket.university),
            joinedload(Ticket.expert),
        )
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique()
    return Page(list(rows), total, page, per_page)


def get_ticket_or_404(user: User, number: str) -> Ticket:
    query = (
        select(Ticket)
        .where(Ticket.number == number, visible_tickets(user))
        .options(
            joinedload(Ticket.enterprise).joinedload(Enterprise.park),
            joinedload(Ticket.university),
            joinedload(Ticket.expert),
            joinedload(Ticket.filer),
        )
    )
    ticket = db.session.scalars(query).unique().one_or_none()
    if ticket is None:
        raise NotFound(_l("Ticket not found"))
    return ticket


@dataclass
class TimelineEntry:
    event: TicketEvent
    comment: Comment | None = None
    attachment: Attachment | None = None
    visit: Visit | None = None

    @property
    def internal(self) -> bool:
        item = self.comment or self.attachment
        return bool(item and item.internal)


def timeline(ticket: Ticket, user: User) -> list[TimelineEntry]:
    """History, comments and files in one list, oldest first; internal items only for staff."""
    internal_ok = can_see_internal(user, ticket)
    events = db.session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .options(joinedload(TicketEvent.actor))
        .order_by(TicketEvent.at, TicketEvent.id)
    ).unique()
    comments_q = select(Comment).where(Comment.ticket_id == ticket.id)
    files_q = select(Attachment).where(Attachment.ticket_id == ticket.id)
    if not internal_ok:
        comments_q = comments_q.where(Comment.internal.is_(False))
        files_q = files_q.where(Attachment.internal.is_(False))
    comments = {c.id: c for c in db.session.scalars(comments_q)}
    visits = {
        v.id: v for v in db.session.scalars(select(Visit).where(Visit.ticket_id == ticket.id))
    }
    files = {a.id: a for a in db.session.scalars(files_q)}
    entries = []
    for event in events:
        if event.action == "comment":
            comment = comments.get(event.data.get("comment_id"))
            if comment is not None:
                entries.append(TimelineEntry(event, comment=comment))
        elif event.action == "attach":
            attachment = files.get(event.data.get("attachment_id"))
            if attachment is not None:
                entries.append(TimelineEntry(event, attachment=attachment))
        elif event.action == "visit":
            entries.append(TimelineEntry(event, visit=visits.get(event.data.get("visit_id"))))
        else:
            entries.append(TimelineEntry(event))
    return entries


def outcomes_of(ticket: Ticket) -> list[Outcome]:
    query = select(Outcome).where(Outcome.ticket_id == ticket.id).order_by(Outcome.id)
    return list(db.session.scalars(query))


def get_attachment_or_404(user: User, attachment_id: int) -> Attachment:
    """An attachment of a ticket the user sees; internal ones only for staff."""
    row = db.session.execute(
        select(Attachment, Ticket)
        .join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(Attachment.id == attachment_id, visible_tickets(user))
    ).one_or_none()
    if row is None:
        raise NotFound(_l("File not found"))
    attachment, ticket = row
    if attachment.internal and not can_see_internal(user, ticket):
        raise NotFound(_l("File not found"))
    return attachment
