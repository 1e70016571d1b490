"""Matchmaking fairs (科技成果推介洽谈会) and signing ceremonies (签约仪式).

A fair presents open problems to invited universities; a ceremony is where agreements are
signed in a batch. Cooperations record the fair where their intention was reached
(`outcome.intention_fair_id`) and the one where their agreement was signed
(`outcome.agreement_fair_id`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.db import Base, utcnow
from ticketing.orgs.models import Park, University


class FairKind(StrEnum):
    FAIR = "fair"
    CEREMONY = "ceremony"


FAIR_KIND_LABELS = {
    FairKind.FAIR: _l("Matchmaking fair"),
    FairKind.CEREMONY: _l("Signing ceremony"),
}

fair_university = Table(
    "fair_university",
    Base.metadata,
    Column("fair_id", ForeignKey("fair.id", ondelete="CASCADE"), primary_key=True),
    Column("university_id", ForeignKey("university.id"), primary_key=True, index=True),
)


class Fair(Base):
    __tablename__ = "fair"
    __table_args__ = (CheckConstraint("kind IN ('ceremony', 'fair')", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default=FairKind.FAIR)
    title: Mapped[str] = mapped_column(String(200))  # the theme
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    agenda: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    park: Mapped[Park | None] = relationship()
    universities: Mapped[list[University]] = relationship(secondary=fair_university)


class FairTicket(Base):
    """A problem presented at a fair, in the order of the agenda."""

    __tablename__ = "fair_ticket"

    fair_id: Mapped[int] = mapped_column(
        ForeignKey("fair.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
