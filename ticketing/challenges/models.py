"""An open challenge beside a submitted ticket, and the universities' proposals for it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.accounts.models import User
from ticketing.db import Base, utcnow
from ticketing.orgs.models import University
from ticketing.tickets.models import Ticket


class ChallengeStatus(StrEnum):
    OPEN = "open"
    AWARDED = "awarded"
    WITHDRAWN = "withdrawn"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    PICKED = "picked"
    NOT_PICKED = "not_picked"


CHALLENGE_STATUS_LABELS = {
    ChallengeStatus.OPEN: _l("Open for proposals"),
    ChallengeStatus.AWARDED: _l("Proposal picked"),
    ChallengeStatus.WITHDRAWN: _l("Withdrawn"),
}
PROPOSAL_STATUS_LABELS = {
    ProposalStatus.PENDING: _l("Waiting for the pick"),
    ProposalStatus.PICKED: _l("Picked"),
    ProposalStatus.NOT_PICKED: _l("Not picked"),
}
OPEN_ONLY = text("status = 'open'")


class Challenge(Base):
    """A submitted ticket published as an open challenge (揭榜挂帅) until `deadline`."""

    __tablename__ = "challenge"
    __table_args__ = (
        CheckConstraint("status IN ('awarded', 'open', 'withdrawn')", name="known_status"),
        # one open challenge per ticket; closed ones stay as the record
        Index(
            "uq_challenge_open_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        ),
        Index("ix_challenge_status_deadline", "status", "deadline", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)  # proposals until the end of this day
    status: Mapped[str] = mapped_column(String(10), default=ChallengeStatus.OPEN)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    published_by: Mapped[User] = relationship()
    proposals: Mapped[list[Proposal]] = relationship(
        back_populates="challenge", order_by="Proposal.id"
    )


class Proposal(Base):
    """One university's answer to a challenge: approach, expert, days and cost (万元).
    One per university and challenge, edited in place until the deadline or the pick."""

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("status IN ('not_picked', 'pending', 'picked')", name="known_status"),
        CheckConstraint("days >= 1", name="days_positive"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        UniqueConstraint("challenge_id", "university_id", name="uq_proposal_challenge_university"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"))
    university_id: Mapped[int] = mapped_column(ForeignKey("university.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    approach: Mapped[str] = mapped_column(Text)
    days: Mapped[int]
    cost: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(12), default=ProposalStatus.PENDING)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship(back_populates="proposals")
    university: Mapped[University] = relationship()
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
