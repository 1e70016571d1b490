"""Writes on open challenges: publish, propose, pick, withdraw.

Each service checks and coerces its own input and raises a DomainError
(RuleViolation(field, message) for bad data); it flushes and never commits (writes.run()
does). Publishing and withdrawing leave an event in the ticket's history; the pick is the
`award` transition, performed through tickets/transitions.perform().
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ticketing import db, permissions
from ticketing.accounts.models import Role, User
from ticketing.challenges.models import Challenge, ChallengeStatus, Proposal, ProposalStatus
from ticketing.errors import Conflict, NotAllowed, NotFound, RuleViolation, StaleTicket
from ticketing.tickets import fields, transitions
from ticketing.tickets.history import record
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.values import clean_text, row_id, whole_number
from ticketing.workflow import Field, Kind, State

ADMINS_ONLY = _l("Only zone administrators publish, pick and withdraw open challenges.")
LONGEST = 180  # days a challenge may stay open
APPROACH_LIMIT = 5000
DAYS_MAX = 3650
COST = Field("cost", Kind.MONEY, _l("Cost (10,000 yuan)"))


def _deadline(value: Any, today: date) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise RuleViolation("deadline", _l("Enter a date like 2026-05-20.")) from None
    if not isinstance(value, date):
        raise RuleViolation("deadline", _l("Enter a date like 2026-05-20."))
    if value <= today:
        raise RuleViolation("deadline", _l("The deadline must be after today."))
    if value > today + timedelta(days=LONGEST):
        raise RuleViolation(
            "deadline", _l("The deadline can be at most %(days)d days ahead.", days=LONGEST)
        )
    return value


def open_challenge_of(ticket: Ticket) -> Challenge | None:
    return db.session.scalar(
        select(Challenge).where(
            Challenge.ticket_id == ticket.id, Challenge.status == ChallengeStatus.OPEN
        )
    )


def publish(
    ticket: Ticket, actor: User, *, deadline: Any, expected_version: int | None = None
) -> Challenge:
    """Publish a submitted ticket as an open challenge until `deadline` (a day after today).
    A confidential ticket is published as "保密问题" (the pages mask it)."""
    permissions.require_admin(actor, ADMINS_ONLY)
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket()
    if ticket.state != State.SUBMITTED:
        raise Conflict(_l("Only a ticket awaiting routing can be published as a challenge."))
    if open_challenge_of(ticket) is not None:
        raise Conflict(_l("This ticket is already an open challenge."))
    day = _deadline(deadline, db.local_today())
    challenge = Challenge(
        ticket_id=ticket.id,
        deadline=day,
        status=ChallengeStatus.OPEN,
        published_by_id=actor.id,
        published_at=db.utcnow(),
    )
    db.session.add(challenge)
    db.session.flush()
    ticket.updated_at = db.utcnow()  # a version step: a concurrent route or pick fails
    record(
        ticket,
        actor,
        "challenge_published",
        None,
        None,
        {"challenge_id": challenge.id, "deadline": day.isoformat()},
    )
    return challenge


def withdraw(challenge: Challenge, actor: User) -> TicketEvent:
    """Take an open challenge back: the ticket waits for normal routing again."""
    permissions.require_admin(actor, ADMINS_ONLY)
    if challenge.status != ChallengeStatus.OPEN:
        raise Conflict(_l("This challenge is no longer open."))
    challenge.status, challenge.closed_at = ChallengeStatus.WITHDRAWN, db.utcnow()
    ticket = challenge.ticket
    ticket.updated_at = db.utcnow()
    return record(ticket, actor, "challenge_withdrawn", None, None, {"challenge_id": challenge.id})


def _locked(challenge: Challenge) -> Challenge:
    """The challenge read again under a row lock (PostgreSQL), so that a proposal and the
    pick or a withdrawal of the same challenge happen one after the other."""
    query = (
        select(Challenge)
        .where(Challenge.id == challenge.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = db.session.scalar(query)
    if found is None:
        raise NotFound(_l("Challenge not found"))
    return found


def _days(value: Any) -> int:
    number = whole_number(value)
    if number is None or not 1 <= number <= DAYS_MAX:
        raise RuleViolation("days", _l("Enter a whole number of days from 1 to %(n)d.", n=DAYS_MAX))
    return number


def _proposed_expert(value: Any, university_id: int) -> User:
    wanted = row_id(value)
    expert = db.session.get(User, wanted) if wanted else None
    if (
        expert is None
        or not expert.active
        or Role.EXPERT not in expert.roles
        or expert.university_id != university_id
    ):
        raise RuleViolation("expert_id", _l("Choose an expert of your university."))
    return expert


def propose(
    challenge: Challenge,
    actor: User,
    *,
    expert_id: Any,
    approach: Any,
    days: Any,
    cost: Any,
) -> Proposal:
    """A liaison proposes (or revises their university's proposal) until the deadline."""
    if not actor.is_active or Role.LIAISON not in actor.roles or actor.university_id is None:
        raise NotAllowed(_l("Only liaisons of partner universities propose."))
    challenge = _locked(challenge)
    if challenge.status != ChallengeStatus.OPEN:
        raise Conflict(_l("This challenge is no longer open."))
    if db.local_today() > challenge.deadline:
        raise Conflict(_l("Proposals closed on %(date)s.", date=challenge.deadline.isoformat()))
    expert = _proposed_expert(expert_id, actor.university_id)
    text = clean_text("approach", approach, limit=APPROACH_LIMIT)
    number_of_days = _days(days)
    amount: Decimal = fields.coerce(COST, "" if cost is None else cost, not_before=date.min)
    proposal = db.session.scalar(
        select(Proposal).where(
            Proposal.challenge_id == challenge.id,
            Proposal.university_id == actor.university_id,
        )
    )
    now = db.utcnow()
    if proposal is None:
        proposal = Proposal(
            challenge_id=challenge.id,
            university_id=actor.university_id,
            status=ProposalStatus.PENDING,
            submitted_at=now,
        )
        db.session.add(proposal)
    proposal.expert_id, proposal.approach = expert.id, text
    proposal.days, proposal.cost = number_of_days, amount
    proposal.submitted_by_id, proposal.updated_at = actor.id, now
    db.session.flush()
    return proposal


def pick(
    challenge: Challenge, actor: User, *, proposal_id: Any, expected_version: int | None = None
) -> TicketEvent:
    """Pick one proposal: the `award` transition routes the ticket to its university and
    assigns its expert; the others are not picked (and their liaisons are told)."""
    permissions.require_admin(actor, ADMINS_ONLY)
    challenge = _locked(challenge)
    return transitions.perform(
        challenge.ticket,
        "award",
        actor,
        expected_version=expected_version,
        proposal_id=proposal_id,
    )
