"""Reads for the open challenges' pages. Everything beyond the admins reads the ticket through
permissions.public_tickets(), so a confidential one is only "保密问题" with category and park;
a liaison reads only their own university's proposal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ticketing import db, permissions
from ticketing.accounts.models import ExpertProfile, Role, User
from ticketing.challenges.models import Challenge, ChallengeStatus, Proposal
from ticketing.errors import NotFound
from ticketing.orgs.models import Enterprise
from ticketing.permissions import PublicTicket
from ticketing.tickets.models import Ticket
from ticketing.workflow import EXPERT_WORKING

PUBLIC_FIELDS = tuple(PublicTicket.__dataclass_fields__)
RECENT_CLOSED = 50


def sees_challenges(user: User) -> bool:
    """Admins and the liaisons of partner universities; everyone else gets 404."""
    return permissions.is_admin(user) or (
        user.is_active and Role.LIAISON in user.roles and user.university_id is not None
    )


def _public(row: Any) -> PublicTicket:
    values = row._mapping
    return PublicTicket(**{name: values[name] for name in PUBLIC_FIELDS})


@dataclass(frozen=True)
class ChallengeRow:
    id: int
    deadline: date
    status: str
    published_at: datetime
    ticket: PublicTicket
    proposals: int | None  # admins only
    own_status: str | None  # a liaison: their university's proposal, if any


def challenges(user: User, *, closed: bool = False) -> list[ChallengeRow]:
    """Open challenges, soonest deadline first (closed=True: the latest closed ones, admins
    only), in one statement."""
    admin = permissions.is_admin(user)
    counted = (
        select(func.count(Proposal.id))
        .where(Proposal.challenge_id == Challenge.id)
        .correlate(Challenge)
        .scalar_subquery()
    )
    own = (
        select(Proposal.status)
        .where(
            Proposal.challenge_id == Challenge.id,
            Proposal.university_id == (user.university_id or 0),
        )
        .correlate(Challenge)
        .scalar_subquery()
    )
    query = (
        permissions.public_tickets()
        .add_columns(
            Challenge.id.label("challenge_id"),
            Challenge.deadline,
            Challenge.status.label("challenge_status"),
            Challenge.published_at,
            (counted if admin else own).label("extra"),
        )
        .join(Challenge, Challenge.ticket_id == Ticket.id)
    )
    if closed:
        query = query.where(Challenge.status != ChallengeStatus.OPEN).order_by(
            Challenge.closed_at.desc(), Challenge.id.desc()
        )
        query = query.limit(RECENT_CLOSED)
    else:
        query = query.where(Challenge.status == ChallengeStatus.OPEN).order_by(
            Challenge.deadline, Challenge.id
        )
    return [
        ChallengeRow(
            id=row.challenge_id,
            deadline=row.deadline,
            status=row.challenge_status,
            published_at=row.published_at,
            ticket=_public(row),
            proposals=row.extra if admin else None,
            own_status=None if admin else row.extra,
        )
        for row in db.session.execute(query)
    ]


def challenge_or_404(user: User, challenge_id: int) -> Challenge:
    if not sees_challenges(user):
        raise NotFound(_l("Challenge not found"))
    challenge = db.session.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .options(
            joinedload(Challenge.ticket).joinedload(Ticket.enterprise).joinedload(Enterprise.park)
        )
    )
    if challenge is None:
        raise NotFound(_l("Challenge not found"))
    return challenge


def public_ticket(challenge: Challenge) -> PublicTicket:
    """The problem as the liaisons see it (masked when confidential)."""
    query = permissions.public_tickets().where(Ticket.id == challenge.ticket_id)
    return permissions.public_rows(query)[0]


def own_proposal(user: User, challenge: Challenge) -> Proposal | None:
    if user.university_id is None:
        return None
    return db.session.scalar(
        select(Proposal)
        .options(joinedload(Proposal.expert))
        .where(Proposal.challenge_id == challenge.id, Proposal.university_id == user.university_id)
    )


@dataclass(frozen=True)
class Compared:
    """One proposal as the admin compares it, with the expert's current load."""

    proposal: Proposal
    load: int
    capacity: int

    @property
    def full(self) -> bool:
        return self.load >= self.capacity


def compared(challenge: Challenge) -> list[Compared]:
    """Every proposal with its university and expert, and each expert's open tickets (two
    statements), cheapest first."""
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .options(
                joinedload(Proposal.university),
                joinedload(Proposal.expert).joinedload(User.expert_profile),
            )
            .where(Proposal.challenge_id == challenge.id)
            .order_by(Proposal.cost, Proposal.days, Proposal.id)
        )
    )
    experts = {p.expert_id for p in proposals}
    loads: dict[int, int] = {}
    if experts:
        loads = dict(
            db.session.execute(
                select(Ticket.expert_id, func.count(Ticket.id))
                .where(Ticket.expert_id.in_(experts), Ticket.state.in_(EXPERT_WORKING))
                .group_by(Ticket.expert_id)
            ).all()
        )

    def capacity(expert: User) -> int:
        profile: ExpertProfile | None = expert.expert_profile
        return profile.capacity if profile is not None else 5

    return [Compared(p, loads.get(p.expert_id, 0), capacity(p.expert)) for p in proposals]
