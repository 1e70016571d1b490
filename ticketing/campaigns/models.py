"""A campaign (专项行动, e.g. 博士专家企业行): its period, who takes part, what it covers.

Tickets filed during a campaign, by an enterprise in the places it covers, carry its id
(`ticket.campaign_id`), set once when the ticket is submitted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.accounts.models import User
from ticketing.db import Base, utcnow
from ticketing.orgs.models import County, Park, University


def _link(name: str, other: str) -> Table:
    return Table(
        f"campaign_{name}",
        Base.metadata,
        Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{name}_id", ForeignKey(f"{other}.id"), primary_key=True, index=True),
    )


campaign_university = _link("university", "university")
campaign_expert = _link("expert", "user")
campaign_county = _link("county", "county")
campaign_park = _link("park", "park")


class Campaign(Base):
    __tablename__ = "campaign"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    universities: Mapped[list[University]] = relationship(secondary=campaign_university)
    experts: Mapped[list[User]] = relationship(secondary=campaign_expert)
    counties: Mapped[list[County]] = relationship(secondary=campaign_county)
    parks: Mapped[list[Park]] = relationship(secondary=campaign_park)
