"""Dashboard figures, read from the tallies (reports/tallies.py) instead of the ticket table.

The page costs the same at 1,000 tickets as at 1,000,000: one statement sums at most a few
thousand tally rows (states × categories × universities) and probes an index once
per enterprise and expert. The tallies count every filed ticket; the zone administrator, for
whom the dashboard is, sees every filed ticket (permissions.visible_tickets), and their own
drafts are counted beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, func, literal, select, union_all

from ticketing import db
from ticketing.accounts.models import Role, RoleGrant, User
from ticketing.orgs.models import University
from ticketing.reports.models import EnterpriseTally, EventTally, TicketTally
from ticketing.tickets.models import Ticket, TicketExpert
from ticketing.workflow import State

SOLVED = (
    State.RESOLVED,
    State.OUTCOME_INTENTION,
    State.OUTCOME_AGREEMENT,
    State.OUTCOME_LANDED,
    State.CLOSED,
)
EVENTS = ("record_intention", "sign_agreement", "land", "visit")


@dataclass
class Dashboard:
    by_state: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_university: list[tuple[str, int, int]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def filed(self) -> int:
        return sum(n for state, n in self.by_state.items() if state != State.DRAFT)


def dashboard(user: User) -> Dashboard:
    """The zone's figures: one statement, whatever the number of tickets."""
    rows = db.rows(_statement(), {"viewer_id": user.id})
    return _figures(rows)


@cache
def _statement() -> Any:
    """Built once: every figure is a part of one UNION ALL, labelled by its kind."""
    tally = TicketTally
    n = func.sum(tally.n)
    solved = func.sum(tally.n).filter(tally.state.in_(SOLVED))
    parts = [
        select(literal("state"), tally.state, n, literal(0)).group_by(tally.state),
        select(literal("category"), tally.category, n, literal(0)).group_by(tally.category),
        select(literal("university"), University.name, n, solved)
        .join(University, University.id == tally.university_id)
        .group_by(University.name),
        select(
            literal("event"), EventTally.action, func.sum(EventTally.n), func.sum(EventTally.amount)
        )
        .where(EventTally.action.in_(EVENTS))
        .group_by(EventTally.action),
        select(
            literal("drafts"), literal(State.DRAFT.value), func.count(Ticket.id), literal(0)
        ).where(Ticket.filer_id == bindparam("viewer_id"), Ticket.state == State.DRAFT),
        select(literal("served"), literal(""), func.count(), literal(0)).where(
            EnterpriseTally.n > 0
        ),
        select(literal("engaged"), literal(""), func.count(User.id), literal(0))
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.EXPERT, exists().where(TicketExpert.expert_id == User.id)),
    ]
    return union_all(*parts)


def _figures(rows: list[Any]) -> Dashboard:
    result = Dashboard()
    events: dict[str, tuple[int, Decimal]] = {}
    for kind, key, count, extra in rows:
        count = int(count or 0)
        if kind in ("state", "drafts") and count:
            result.by_state[key] = result.by_state.get(key, 0) + count
        elif kind == "category" and count:
            result.by_category[key] = count
        elif kind == "university" and count:
            result.by_university.append((key, count, int(extra or 0)))
        elif kind == "event":
            events[key] = (count, Decimal(str(extra or 0)))
        elif kind in ("served", "engaged"):
            result.totals["enterprises" if kind == "served" else "experts"] = count
    result.by_university.sort(key=lambda row: (-row[1], row[0]))
    result.totals.update(
        intentions=events.get("record_intention", (0, 0))[0],
        agreements=events.get("sign_agreement", (0, 0))[0],
        amount=events.get("sign_agreement", (0, Decimal(0)))[1],
        landed=events.get("land", (0, 0))[0],
        benefit=events.get("land", (0, Decimal(0)))[1],
        visits=events.get("visit", (0, 0))[0],
    )
    return result
