"""Tickets, their append-only history, comments, attachments and access links."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.accounts.models import User
from ticketing.campaigns.models import Campaign
from ticketing.db import Base, utcnow
from ticketing.orgs.models import Enterprise, University
from ticketing.workflow import TERMINAL, WITH_EXPERT, WITH_RESOLUTION, WITH_UNIVERSITY, State


class Category(StrEnum):
    PRODUCT_RD = "product_rd"
    TECH_UPGRADE = "tech_upgrade"
    BREAKTHROUGH = "breakthrough"
    TRANSFORMATION = "transformation"
    MANAGEMENT = "management"
    TALENT = "talent"


CATEGORY_LABELS = {
    Category.PRODUCT_RD: _l("Product R&D"),
    Category.TECH_UPGRADE: _l("Technical upgrading"),
    Category.BREAKTHROUGH: _l("Technology breakthrough"),
    Category.TRANSFORMATION: _l("Transformation"),
    Category.MANAGEMENT: _l("Management"),
    Category.TALENT: _l("Talent"),
}


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


PRIORITY_LABELS = {
    Priority.URGENT: _l("Urgent"),
    Priority.HIGH: _l("High"),
    Priority.NORMAL: _l("Normal"),
    Priority.LOW: _l("Low"),
}


def _in(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in sorted(values))})"


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        CheckConstraint(_in("state", State), name="known_state"),
        CheckConstraint(_in("category", Category), name="known_category"),
        CheckConstraint(_in("priority", Priority), name="known_priority"),
        CheckConstraint(
            f"university_id IS NOT NULL OR NOT ({_in('state', WITH_UNIVERSITY)})",
            name="university_when_routed",
        ),
        CheckConstraint(
            f"expert_id IS NOT NULL OR NOT ({_in('state', WITH_EXPERT)})",
            name="expert_when_assigned",
        ),
        CheckConstraint(
            f"resolution IS NOT NULL OR NOT ({_in('state', WITH_RESOLUTION)})",
            name="resolution_when_resolved",
        ),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        # each queue reads its page in its order straight from one of these
        Index("ix_ticket_updated", "updated_at", "id"),
        Index("ix_ticket_state_updated", "state", "updated_at", "id"),
        Index("ix_ticket_enterprise_updated", "enterprise_id", "updated_at", "id"),
        Index("ix_ticket_expert_updated", "expert_id", "updated_at", "id"),
        Index("ix_ticket_university_updated", "university_id", "updated_at", "id"),
        Index("ix_ticket_filer_state", "filer_id", "state", "updated_at", "id"),
        # the to-do lists: one person's tickets in one state, oldest first
        Index("ix_ticket_university_state", "university_id", "state", "updated_at", "id"),
        Index("ix_ticket_expert_state", "expert_id", "state", "updated_at", "id"),
        Index("ix_ticket_enterprise_state", "enterprise_id", "state", "updated_at", "id"),
        Index("ix_ticket_returned", "state", "returned_at", "id"),
        # the lists behind the dashboard's figures: a period of filing, newest first
        Index("ix_ticket_filed", "submitted_at", "id"),
        # the queues in order of due time, one lane per index as for the latest activity
        Index("ix_ticket_state_due", "state", "due_at", "id"),
        Index("ix_ticket_university_due", "university_id", "due_at", "id"),
        Index("ix_ticket_expert_due", "expert_id", "due_at", "id"),
        Index("ix_ticket_enterprise_due", "enterprise_id", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL)
    state: Mapped[str] = mapped_column(String(24), default=State.DRAFT)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    filer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    university_id: Mapped[int | None] = mapped_column(ForeignKey("university.id"))
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    routed_at: Mapped[datetime | None]
    # when a university last returned it to the zone; cleared when it is routed again
    returned_at: Mapped[datetime | None]
    expert_assigned_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # When the current step is due (DOMAIN.md time targets); None when no target runs.
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    # from when the step is shown as due soon: its due day and the working day before
    due_soon_at: Mapped[datetime | None]
    # when the current step started (the last transition): its due time is counted from here
    step_started_at: Mapped[datetime | None]
    # the route, assign and resolve steps done by their due time (bits: deadlines.ROUTE, …)
    on_time_steps: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # the campaign (专项行动) it was filed in, set when it is submitted
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    # the enterprise's park and county when the ticket was filed (the dashboard's snapshot,
    # set by reports/tallies.py), so a later move of the enterprise leaves the figures as filed
    filed_park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"), index=True)
    filed_county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"), index=True)

    __mapper_args__ = {"version_id_col": version}

    enterprise: Mapped[Enterprise] = relationship()
    filer: Mapped[User] = relationship(foreign_keys=[filer_id])
    university: Mapped[University | None] = relationship()
    expert: Mapped[User | None] = relationship(foreign_keys=[expert_id])
    campaign: Mapped[Campaign | None] = relationship()

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL


class TicketEvent(Base):
    """One entry of a ticket's history. Rows are inserted, never updated or deleted."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket_at", "ticket_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User] = relationship()


class Comment(Base):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class Visit(Base):
    """A visit record (走访记录): the expert's “把脉问诊” at the enterprise."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    participants: Mapped[str] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text)
    agreed: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    expert: Mapped[User] = relationship()


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploader: Mapped[User] = relationship()


class TicketUniversity(Base):
    """Every university a ticket was ever routed to (its liaisons may read it)."""

    __tablename__ = "ticket_university"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    university_id: Mapped[int] = mapped_column(
        ForeignKey("university.id"), primary_key=True, index=True
    )
    # when this university last returned the ticket to the zone (None: it never did)
    returned_at: Mapped[datetime | None]


class TicketExpert(Base):
    """Every expert a ticket was ever assigned to (they may read it)."""

    __tablename__ = "ticket_expert"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)


class TicketSequence(Base):
    """The last number handed out per zone and year (CZ-2026-00042)."""

    __tablename__ = "ticket_sequence"

    zone_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
