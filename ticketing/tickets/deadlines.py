"""Time targets: when the current step of a ticket is due, and whether it is overdue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from ticketing.workflow import State

# Which target runs in which state; the resolve target depends on the priority.
STEP_TARGET = {
    State.SUBMITTED: "route",
    State.UNIVERSITY_ASSIGNED: "assign",
    State.EXPERT_ASSIGNED: "start",
    State.IN_PROGRESS: "resolve",
}


def due_at(
    state: str, priority: str, entered: datetime, targets: Mapping[str, int]
) -> datetime | None:
    """When a ticket that entered `state` at `entered` must leave it; None if no target runs."""
    step = STEP_TARGET.get(State(state))
    if step is None:
        return None
    key = f"resolve_{priority}" if step == "resolve" else step
    return entered + timedelta(days=targets[key])


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and now > due
