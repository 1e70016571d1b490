"""Reads of the ticket page: the ticket, its history in pages, its cooperations, its files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, exists, select, tuple_
from sqlalchemy.orm import aliased, joinedload

from ticketing import db
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.errors import NotFound
from ticketing.fairs.models import Fair
from ticketing.orgs.models import Enterprise
from ticketing.outcomes.models import Outcome
from ticketing.permissions import can_see_internal, visible_tickets
from ticketing.tickets.models import (
    Attachment,
    Comment,
    Ticket,
    TicketEvent,
    Visit,
)
from ticketing.tickets.queues import Cursor
from ticketing.workflow import State

# The states in which a ticket can have cooperations (an abandoned one leaves it closed).
WITH_OUTCOMES = frozenset(
    {State.OUTCOME_INTENTION, State.OUTCOME_AGREEMENT, State.OUTCOME_LANDED, State.CLOSED}
)


def get_ticket_or_404(user: User, number: str) -> Ticket:
    query = (
        select(Ticket)
        .where(Ticket.number == number, visible_tickets(user))
        .options(
            joinedload(Ticket.enterprise).joinedload(Enterprise.park),
            joinedload(Ticket.university),
            joinedload(Ticket.expert).joinedload(User.expert_profile),
            joinedload(Ticket.filer),
        )
    )
    ticket = db.session.scalars(query).unique().one_or_none()
    if ticket is None:
        raise NotFound(_l("Ticket not found"))
    return ticket


HISTORY_PAGE = 50


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class CommentRow:
    body: str
    internal: bool


@dataclass(frozen=True)
class FileRow:
    id: int
    original_name: str
    size: int
    internal: bool


@dataclass(frozen=True)
class VisitRow:
    visited_on: date
    place: str
    participants: str
    findings: str
    agreed: str


@dataclass
class TimelineEntry:
    """One entry of a ticket's history as the page shows it (plain rows, not objects)."""

    event: EventRow
    actor: str
    comment: CommentRow | None = None
    attachment: FileRow | None = None
    visit: VisitRow | None = None

    @property
    def internal(self) -> bool:
        item = self.comment or self.attachment
        return bool(item and item.internal)


@dataclass
class Timeline:
    entries: list[TimelineEntry]  # oldest first
    earlier: Cursor | None  # where the entries before these start, if there are any


def timeline(ticket: Ticket, user: User, before: Cursor | None = None) -> Timeline:
    """The latest HISTORY_PAGE entries of the history (or those before `before`) with their
    comments, files and visit records, in one statement; internal items only for staff.
    The page's events are picked first, in index order, and joined to the rest after."""
    internal_ok = can_see_internal(user, ticket)
    statement = _TIMELINE[(internal_ok, before is not None)]
    params: dict[str, Any] = {"ticket": ticket.id}
    if before is not None:
        params.update(before_at=before.updated_at, before_id=before.id)
    rows = db.rows(statement, params)
    entries = [_entry(row) for row in rows[:HISTORY_PAGE]]
    earlier = None
    if len(rows) > HISTORY_PAGE:
        oldest = entries[-1].event
        earlier = Cursor(oldest.at, oldest.id)
    entries.reverse()
    return Timeline(entries, earlier)


def _entry(row: Any) -> TimelineEntry:
    event = EventRow(*row[:6])
    # columns: the event (0-5), the actor (6), then id and fields of the comment (7-9),
    # the file (10-14) and the visit record (15-20); an id is None where there is none
    comment = CommentRow(*row[8:10]) if row.comment_id is not None else None
    attachment = FileRow(*row[11:15]) if row.file_id is not None else None
    visit = VisitRow(*row[16:21]) if row.visit_id is not None else None
    return TimelineEntry(event, row[6], comment, attachment, visit)


def _timeline_statement(internal_ok: bool, paged: bool) -> Select[Any]:
    picked = select(TicketEvent.id).where(TicketEvent.ticket_id == bindparam("ticket"))
    if paged:
        picked = picked.where(
            tuple_(TicketEvent.at, TicketEvent.id)
            < tuple_(bindparam("before_at", type_=TicketEvent.at.type), bindparam("before_id"))
        )
    actor = aliased(User)
    data = TicketEvent.data
    hidden = []
    if not internal_ok:  # an internal note or file is left out, its event too
        internal_comment = exists().where(
            Comment.id == data["comment_id"].as_integer(), Comment.internal.is_(True)
        )
        internal_file = exists().where(
            Attachment.id == data["attachment_id"].as_integer(), Attachment.internal.is_(True)
        )
        hidden = [
            ~and_(TicketEvent.action == "comment", internal_comment),
            ~and_(TicketEvent.action == "attach", internal_file),
        ]
    picked = (
        picked.where(*hidden)
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(HISTORY_PAGE + 1)
        .subquery()
    )
    return (
        select(
            TicketEvent.id,
            TicketEvent.at,
            TicketEvent.action,
            TicketEvent.from_state,
            TicketEvent.to_state,
            TicketEvent.data,
            actor.name,
            Comment.id.label("comment_id"),
            Comment.body,
            Comment.internal,
            Attachment.id.label("file_id"),
            Attachment.id,
            Attachment.original_name,
            Attachment.size,
            Attachment.internal,
            Visit.id.label("visit_id"),
            Visit.visited_on,
            Visit.place,
            Visit.participants,
            Visit.findings,
            Visit.agreed,
        )
        .join(picked, picked.c.id == TicketEvent.id)
        .join(actor, actor.id == TicketEvent.actor_id)
        .outerjoin(
            Comment,
            and_(TicketEvent.action == "comment", Comment.id == data["comment_id"].as_integer()),
        )
        .outerjoin(
            Attachment,
            and_(
                TicketEvent.action == "attach",
                Attachment.id == data["attachment_id"].as_integer(),
            ),
        )
        .outerjoin(
            Visit, and_(TicketEvent.action == "visit", Visit.id == data["visit_id"].as_integer())
        )
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
    )


# built once each: staff or not, first page or earlier
_TIMELINE = {
    (staff, paged): _timeline_statement(staff, paged)
    for staff in (True, False)
    for paged in (True, False)
}


def outcomes_of(ticket: Ticket) -> list[Outcome]:
    """The ticket's cooperations with their university and fairs, oldest first (one query)."""
    if ticket.state not in WITH_OUTCOMES:
        return []
    query = (
        select(Outcome)
        .where(Outcome.ticket_id == ticket.id)
        .order_by(Outcome.id)
        .options(
            joinedload(Outcome.university),
            joinedload(Outcome.intention_fair),
            joinedload(Outcome.agreement_fair),
        )
    )
    return list(db.session.scalars(query))


FAIRS_OFFERED = 60


def fair_choices() -> list[Fair]:
    """The fairs and ceremonies held so far, latest first: where a cooperation was reached."""
    query = (
        select(Fair)
        .where(Fair.held_on <= local_today())
        .order_by(Fair.held_on.desc(), Fair.id.desc())
        .limit(FAIRS_OFFERED)
    )
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
