"""Time targets: when the current step of a ticket is due, whether it is overdue or due soon,
and which steps were done within their targets. Targets count working days on the zone's
calendar (ticketing/worktime)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ticketing.workflow import State
from ticketing.worktime.calendar import WorkCalendar

# Which target runs in which state; the resolve target depends on the priority.
STEP_TARGET = {
    State.SUBMITTED: "route",
    State.UNIVERSITY_ASSIGNED: "assign",
    State.EXPERT_ASSIGNED: "start",
    State.IN_PROGRESS: "resolve",
}
STATE_OF_STEP = {step: state for state, step in STEP_TARGET.items()}

# The bits of Ticket.on_time_steps: the steps the dashboard counts, each done by its due time.
ROUTE, ASSIGN, RESOLVE = 1, 2, 4


@dataclass(frozen=True)
class Targets:
    """Working days per step and priority: what an administrator set, else the configured
    default (TIME_TARGETS, keyed "route", "assign", "start", "resolve_<priority>")."""

    defaults: Mapping[str, int]
    chosen: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def days(self, step: str, priority: str) -> int:
        set_days = self.chosen.get((step, priority))
        if set_days:
            return set_days
        return self.defaults[f"resolve_{priority}" if step == "resolve" else step]


def due_at(
    state: str, priority: str, entered: datetime, targets: Targets, calendar: WorkCalendar
) -> datetime | None:
    """When a ticket that entered `state` at `entered` must leave it; None if no target runs."""
    step = STEP_TARGET.get(State(state))
    if step is None:
        return None
    return calendar.add(entered, targets.days(step, priority))


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and now > due


def steps_on_time(mask: int, source: str, target: str, due: datetime | None, now: datetime) -> int:
    """`mask` after a transition from `source` to `target` at `now`, when the step being left
    was due at `due`: the route, assign and resolve steps' bits are set when done in time and
    cleared when done late (the latest time a step is done counts)."""
    in_time = due is None or now <= due

    def mark(bit: int, ok: bool) -> int:
        return mask | bit if ok else mask & ~bit

    if source == State.SUBMITTED and target in (State.UNIVERSITY_ASSIGNED, State.EXPERT_ASSIGNED):
        mask = mark(ROUTE, in_time)
        if target == State.EXPERT_ASSIGNED:  # routed and assigned at once: no assign step ran
            mask = mark(ASSIGN, True)
    elif source == State.UNIVERSITY_ASSIGNED and target == State.EXPERT_ASSIGNED:
        mask = mark(ASSIGN, in_time)
    elif source == State.IN_PROGRESS and target == State.RESOLVED:
        mask = mark(RESOLVE, in_time)
    return mask
