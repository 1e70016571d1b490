"""Counting working time on the zone's calendar.

A working day is a weekday that is not a public holiday, or a weekend day the calendar marks
as an adjusted working day (调休). A target of N working days is N × 24 hours of working-day
time in Asia/Shanghai: a step that starts on Friday at 15:00 with three working days is due on
Wednesday at 15:00; one that starts on Saturday is due at the end of Wednesday (Thursday 00:00),
and a public holiday between them pushes the due time past it. Beyond the days the calendar
lists, only weekends are days off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from ticketing.db import ZONE_TIME

DAY = 86_400


@dataclass(frozen=True)
class WorkCalendar:
    special: Mapping[date, bool] = field(default_factory=dict)  # day → is it a working day

    def is_working(self, day: date) -> bool:
        listed = self.special.get(day)
        return day.weekday() < 5 if listed is None else listed

    def add(self, start: datetime, days: int) -> datetime:
        """The moment `days` working days of time after `start` (UTC, timezone-aware)."""
        local = start.astimezone(ZONE_TIME)
        remaining = days * DAY
        day = local.date()
        midnight = _midnight(day)
        if self.is_working(day):
            left_today = int((midnight + timedelta(days=1) - local).total_seconds())
            if remaining <= left_today:
                return (local + timedelta(seconds=remaining)).astimezone(UTC)
            remaining -= left_today
        while True:
            day += timedelta(days=1)
            if not self.is_working(day):
                continue
            if remaining <= DAY:
                return (_midnight(day) + timedelta(seconds=remaining)).astimezone(UTC)
            remaining -= DAY

    def soon_from(self, due: datetime) -> datetime:
        """When a step due at `due` becomes due soon: from the start of the last working day
        before the day it is due, so that it is due soon on that day and on its due day (on a
        Friday, a step due on Monday is due soon)."""
        due_day = (due - timedelta(microseconds=1)).astimezone(ZONE_TIME).date()
        day = due_day - timedelta(days=1)
        for _ in range(366):
            if self.is_working(day):
                break
            day -= timedelta(days=1)
        return _midnight(day).astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZONE_TIME)
