"""The API's reads beside the pages' own (queues, ticket page): query-string schemas, the
comments and visit records of one ticket, and rows turned into response schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from flask import url_for
from pydantic import Field, RootModel
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ticketing import db
from ticketing.accounts.models import User
from ticketing.api import schemas
from ticketing.permissions import can_see_internal
from ticketing.tickets import queries as ticket_queries
from ticketing.tickets.models import Attachment, Comment, Ticket, Visit
from ticketing.tickets.queues import QUEUE_BY_KEY, Cursor, Filters, Row

QueueName = Literal[tuple(QUEUE_BY_KEY)]  # type: ignore[valid-type]
CURSOR = r"^\d{1,17}_\d{1,10}$"
MOST_ITEMS = 500  # comments or visit records of one ticket in one answer


class TicketQuery(schemas.Schema):
    """The queue's filters, as the queue pages take them, and the page's position."""

    queue: QueueName | None = None
    state: schemas.StateName | None = None
    category: schemas.CategoryName | None = None
    priority: schemas.PriorityName | None = None
    enterprise: int | None = Field(None, ge=1, le=2**31 - 1)
    university: int | None = Field(None, ge=1, le=2**31 - 1)
    q: str | None = Field(None, max_length=100, description="Words, or a ticket number")
    overdue: bool = False
    cursor: str | None = Field(None, pattern=CURSOR, description="next_cursor of the last page")
    limit: int = Field(20, ge=1, description="Rows per page; at most 100 are returned")

    def filters(self) -> Filters:
        filters = Filters(
            state=self.state,
            category=self.category,
            priority=self.priority,
            enterprise_id=self.enterprise,
            university_id=self.university,
            q=" ".join((self.q or "").split()) or None,
            overdue=self.overdue,
            recent=True,  # a search by words is paged in queue order too
        )
        filters.after = Cursor.parse(self.cursor) if self.cursor else None
        return filters


class FairQuery(schemas.Schema):
    cursor: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}_\d{1,10}$")


class ExpertQuery(schemas.Schema):
    university: int | None = Field(None, ge=1, le=2**31 - 1)


NamedList = RootModel[list[schemas.Named]]
ExpertList = RootModel[list[schemas.Expert]]
CommentList = RootModel[list[schemas.Comment]]
VisitList = RootModel[list[schemas.Visit]]
CooperationList = RootModel[list[schemas.Cooperation]]
AttachmentList = RootModel[list[schemas.Attachment]]
CampaignList = RootModel[list[schemas.Campaign]]


def summary(row: Row) -> schemas.TicketSummary:
    return schemas.TicketSummary(
        number=row.number,
        title=row.title,
        confidential=row.confidential,
        state=row.state,
        priority=row.priority,
        category=row.category,
        enterprise=row.enterprise,
        university=row.university,
        expert=row.expert,
        due_at=row.due_at,
        updated_at=row.updated_at,
    )


def detail(ticket: Ticket, user: User) -> schemas.Ticket:
    """The ticket with its latest history, internal items only for those who may see them
    (the ticket page's timeline)."""
    timeline = ticket_queries.timeline(ticket, user)
    university = ticket.university
    return schemas.Ticket(
        number=ticket.number,
        title=ticket.title,
        confidential=ticket.confidential,
        state=ticket.state,
        priority=ticket.priority,
        category=ticket.category,
        enterprise=ticket.enterprise.name,
        university=(university.short_name or university.name) if university else None,
        expert=ticket.expert.name if ticket.expert else None,
        due_at=ticket.due_at,
        updated_at=ticket.updated_at,
        description=ticket.description,
        enterprise_id=ticket.enterprise_id,
        university_id=ticket.university_id,
        expert_id=ticket.expert_id,
        filer=ticket.filer.name,
        resolution=ticket.resolution,
        version=ticket.version,
        history=[_event(entry) for entry in timeline.entries],
        earlier_history=timeline.earlier is not None,
    )


def _event(entry: ticket_queries.TimelineEntry) -> schemas.Event:
    event = entry.event
    return schemas.Event(
        id=event.id,
        at=event.at,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        actor=entry.actor,
        data=event.data or {},
        comment=entry.comment.body if entry.comment else None,
        file=entry.attachment.original_name if entry.attachment else None,
    )


def comments(ticket: Ticket, user: User) -> list[schemas.Comment]:
    """The ticket's comments, oldest first; internal notes only for those who may see them."""
    author = aliased(User)
    query = (
        select(Comment.id, Comment.created_at, author.name, Comment.body, Comment.internal)
        .join(author, author.id == Comment.author_id)
        .where(Comment.ticket_id == ticket.id)
        .order_by(Comment.created_at, Comment.id)
        .limit(MOST_ITEMS)
    )
    if not can_see_internal(user, ticket):
        query = query.where(Comment.internal.is_(False))
    return [
        schemas.Comment(id=r[0], at=r[1], author=r[2], body=r[3], internal=r[4])
        for r in db.session.execute(query)
    ]


def comment_out(comment: Comment, author: str) -> schemas.Comment:
    return schemas.Comment(
        id=comment.id,
        at=comment.created_at,
        author=author,
        body=comment.body,
        internal=comment.internal,
    )


def visits(ticket: Ticket) -> list[schemas.Visit]:
    """The ticket's visit records, in the order of the visits."""
    expert = aliased(User)
    query = (
        select(Visit, expert.name)
        .join(expert, expert.id == Visit.expert_id)
        .where(Visit.ticket_id == ticket.id)
        .order_by(Visit.visited_on, Visit.id)
        .limit(MOST_ITEMS)
    )
    return [visit_out(visit, name) for visit, name in db.session.execute(query)]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def cooperations(ticket: Ticket) -> list[schemas.Cooperation]:
    """The ticket's cooperations, oldest first, as the ticket page shows them (one query)."""
    return [
        schemas.Cooperation(
            id=o.id,
            title=o.title,
            stage=o.stage.value,
            form=o.cooperation_form,
            university=o.university.name if o.university else None,
            intention_date=o.intention_date,
            intention_fair=o.intention_fair.name if o.intention_fair else None,
            agreement_number=o.agreement_number,
            agreement_date=o.agreement_date,
            agreement_fair=o.agreement_fair.name if o.agreement_fair else None,
            amount=_money(o.amount),
            landed_date=o.landed_date,
            landing_description=o.landing_description,
            economic_benefit=_money(o.economic_benefit),
            cost_saving=_money(o.cost_saving),
            satisfaction=o.satisfaction,
            abandoned_reason=o.abandoned_reason,
        )
        for o in ticket_queries.outcomes_of(ticket)
    ]


def visit_out(visit: Visit, expert: str) -> schemas.Visit:
    return schemas.Visit(
        id=visit.id,
        visited_on=visit.visited_on,
        expert=expert,
        place=visit.place,
        participants=visit.participants,
        findings=visit.findings,
        agreed=visit.agreed,
    )


def attachments(ticket: Ticket, user: User) -> list[schemas.Attachment]:
    """The ticket's files, oldest first; internal ones only for those who may see them."""
    uploader = aliased(User)
    query = (
        select(Attachment, uploader.name)
        .join(uploader, uploader.id == Attachment.uploader_id)
        .where(Attachment.ticket_id == ticket.id)
        .order_by(Attachment.created_at, Attachment.id)
        .limit(MOST_ITEMS)
    )
    if not can_see_internal(user, ticket):
        query = query.where(Attachment.internal.is_(False))
    return [attachment_out(a, name) for a, name in db.session.execute(query)]


def attachment_out(attachment: Attachment, uploader: str) -> schemas.Attachment:
    return schemas.Attachment(
        id=attachment.id,
        at=attachment.created_at,
        uploader=uploader,
        name=attachment.original_name,
        size=attachment.size,
        content_type=attachment.content_type,
        internal=attachment.internal,
        download=url_for("api.download", attachment_id=attachment.id),
    )


def expert_out(row: Any) -> schemas.Expert:
    return schemas.Expert(
        id=row.id,
        name=row.name,
        title=row.title,
        expertise=row.expertise,
        open_tickets=row.open,
        capacity=row.capacity,
    )


def campaign_out(campaign: Any) -> schemas.Campaign:
    return schemas.Campaign(
        id=campaign.id,
        name=campaign.name,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        description=campaign.description or "",
        universities=[u.name for u in campaign.universities],
    )


def fair_page(page: Any) -> schemas.FairPage:
    """The fairs page's rows, latest date first, with the cursor of the next page."""
    rows = [*reversed(page.upcoming), *page.past]
    return schemas.FairPage(
        items=[
            schemas.Fair(
                id=row.id,
                kind=row.kind,
                title=row.title,
                held_on=row.held_on,
                place=row.place,
                park=row.park,
                problems=row.problems,
                intentions=row.intentions,
                agreements=row.agreements,
                amount=f"{Decimal(row.amount or 0):.2f}",
            )
            for row in rows
        ],
        next_cursor=str(page.next) if page.next else None,
    )
