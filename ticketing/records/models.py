"""Per-person-per-year tallies behind the work records, kept by history.record() in the same
transaction as every change (records/tallies.py), so a yearly list over everyone reads a few
thousand small rows instead of the ticket table."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base


class CommissionerYear(Base):
    """A filer's problems filed in a year (Asia/Shanghai) for one enterprise, with how many of
    them are routed now, reached resolved or beyond, and their close ratings."""

    __tablename__ = "commissioner_year"

    commissioner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    filed: Mapped[int] = mapped_column(Integer, default=0)
    routed: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)


class ExpertYear(Base):
    """An expert's year: the tickets assigned to them that year (by the time of the current
    assignment) with their days to start and resolve and their close ratings; the visit records
    and cooperation steps of their tickets that happened that year, with cooperation ratings."""

    __tablename__ = "expert_year"

    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    started: Mapped[int] = mapped_column(Integer, default=0)
    start_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolve_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    intentions: Mapped[int] = mapped_column(Integer, default=0)
    agreements: Mapped[int] = mapped_column(Integer, default=0)
    landed: Mapped[int] = mapped_column(Integer, default=0)
    coop_rated: Mapped[int] = mapped_column(Integer, default=0)
    coop_rating_sum: Mapped[int] = mapped_column(Integer, default=0)
