"""Dashboard figures. Every count goes through visible_tickets(), like every other read."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func, select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.orgs.models import University
from ticketing.outcomes.models import Outcome
from ticketing.permissions import visible_tickets
from ticketing.tickets.models import Ticket, Visit
from ticketing.workflow import State


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
    """The zone's figures as `user` may see them: a fixed number of statements."""
    visible = visible_tickets(user)
    result = Dashboard()
    result.by_state = dict(
        db.session.execute(
            select(Ticket.state, func.count()).where(visible).group_by(Ticket.state)
        ).all()
    )
    result.by_category = dict(
        db.session.execute(
            select(Ticket.category, func.count())
            .where(visible, Ticket.state != State.DRAFT)
            .group_by(Ticket.category)
        ).all()
    )
    solved = Ticket.state.in_(
        [
            State.RESOLVED,
            State.OUTCOME_INTENTION,
            State.OUTCOME_AGREEMENT,
            State.OUTCOME_LANDED,
            State.CLOSED,
        ]
    )
    result.by_university = [
        (name, total, done)
        for name, total, done in db.session.execute(
            select(University.name, func.count(Ticket.id), func.count(Ticket.id).filter(solved))
            .join(Ticket, Ticket.university_id == University.id)
            .where(visible)
            .group_by(University.name)
            .order_by(func.count(Ticket.id).desc())
        )
    ]
    row = db.session.execute(
        select(
            func.count(distinct(Ticket.enterprise_id)),
            func.count(distinct(Ticket.expert_id)),
        ).where(visible, Ticket.state != State.DRAFT)
    ).one()
    outcome = db.session.execute(
        select(
            func.count(Outcome.id),
            func.count(Outcome.agreement_number),
            func.coalesce(func.sum(Outcome.amount), 0),
            func.count(Outcome.landed_date),
            func.coalesce(func.sum(Outcome.economic_benefit), 0),
        )
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .where(visible)
    ).one()
    visits = db.session.scalar(
        select(func.count(Visit.id)).join(Ticket, Ticket.id == Visit.ticket_id).where(visible)
    )
    result.totals = {
        "enterprises": row[0],
        "experts": row[1],
        "intentions": outcome[0],
        "agreements": outcome[1],
        "amount": Decimal(outcome[2]),
        "landed": outcome[3],
        "benefit": Decimal(outcome[4]),
        "visits": visits or 0,
    }
    return result
