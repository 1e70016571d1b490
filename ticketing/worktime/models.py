"""The zone's time targets and its calendar of days off and adjusted working days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base, utcnow

STEPS = ("route", "assign", "start", "resolve")
PRIORITIES = ("urgent", "high", "normal", "low")


class TimeTarget(Base):
    """Working days a step may take at a priority, as an administrator set it; a step and
    priority without a row keeps the configured default (TARGET_*_DAYS)."""

    __tablename__ = "time_target"
    __table_args__ = (
        CheckConstraint("days BETWEEN 1 AND 365", name="days_in_range"),
        CheckConstraint("step IN ('route', 'assign', 'start', 'resolve')", name="known_step"),
        CheckConstraint("priority IN ('urgent', 'high', 'normal', 'low')", name="known_priority"),
    )

    step: Mapped[str] = mapped_column(String(10), primary_key=True)
    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class CalendarDay(Base):
    """A day the calendar treats unlike its weekday: a public holiday (working False) or an
    adjusted working day on a weekend (调休, working True)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    working: Mapped[bool]
    name: Mapped[str] = mapped_column(String(40), default="")
