"""Running tallies the dashboard reads instead of scanning tickets.

Both are kept in the same transaction as every change (reports/tallies.py), so they are exact
at every commit, and `flask rebuild-tallies` recomputes them from the tickets and their history.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base


class TicketTally(Base):
    """How many filed tickets are in each state, by category and current university."""

    __tablename__ = "ticket_tally"

    state: Mapped[str] = mapped_column(String(24), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: none yet
    n: Mapped[int] = mapped_column(Integer, default=0)


class EnterpriseTally(Base):
    """How many filed tickets each enterprise has (an enterprise served has one or more)."""

    __tablename__ = "enterprise_tally"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class EventTally(Base):
    """How many history events of each action happened each month, with the amounts they
    record (an agreement's amount, a landed outcome's economic benefit, in 万元)."""

    __tablename__ = "event_tally"

    action: Mapped[str] = mapped_column(String(30), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # first day, Asia/Shanghai
    n: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
