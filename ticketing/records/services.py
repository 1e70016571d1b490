"""Writes on rewards: an admin nominates a cooperation's outcome or a commissioner for one of
the zone's rewards, then records the decision (awarded, with an optional amount, or declined).
A nomination or decision about an outcome leaves an event in its ticket's history."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ticketing import db, permissions
from ticketing.accounts.models import Role, RoleGrant, User
from ticketing.errors import RuleViolation
from ticketing.outcomes.models import Outcome, Reward, RewardDecision, RewardSubject
from ticketing.tickets import fields
from ticketing.tickets.history import record
from ticketing.tickets.models import Ticket
from ticketing.values import clean_text, row_id, whole_number
from ticketing.workflow import Field, Kind

ADMINS_ONLY = _l("Only zone administrators nominate and decide rewards.")
NOMINATE_FIELDS = frozenset(
    ("subject", "ticket_number", "cooperation", "commissioner_id", "name", "year", "reason")
)
DECIDE_FIELDS = frozenset(("decision", "amount"))
AMOUNT = Field("amount", Kind.MONEY, _l("Amount (10,000 yuan)"), required=False)
FIRST_YEAR = 2000


def _only(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))


def _year(value: Any) -> int:
    year = whole_number(value)
    last = db.local_today().year + 1
    if year is None or not FIRST_YEAR <= year <= last:
        raise RuleViolation(
            "year", _l("Enter a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=last)
        )
    return year


def _cooperation(number: Any, which: Any) -> tuple[Ticket, Outcome, int]:
    """A ticket by its number and its n-th cooperation (1 = the first recorded)."""
    text = clean_text("ticket_number", number, limit=24, line=True).upper()
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == text))
    if ticket is None:
        raise RuleViolation("ticket_number", _l("No ticket has this number."))
    outcomes = db.session.scalars(
        select(Outcome).where(Outcome.ticket_id == ticket.id).order_by(Outcome.id)
    ).all()
    if not outcomes:
        raise RuleViolation("ticket_number", _l("This ticket has no cooperation yet."))
    n = whole_number(which) if which not in (None, "") else 1
    if n is None or not 1 <= n <= len(outcomes):
        raise RuleViolation("cooperation", _l("Enter a number from 1 to %(n)d.", n=len(outcomes)))
    return ticket, outcomes[n - 1], n


def _commissioner(value: Any) -> User:
    wanted = row_id(value)
    user = db.session.get(User, wanted) if wanted else None
    held = user is not None and db.session.get(RoleGrant, (user.id, Role.COMMISSIONER))
    if not held:
        raise RuleViolation("commissioner_id", _l("Choose a commissioner from the list."))
    return user


def nominate(actor: User, **data: Any) -> Reward:
    """Nominate a cooperation (by ticket number and its cooperation's place) or a commissioner
    for a named reward of a year, with the reason."""
    permissions.require_admin(actor, ADMINS_ONLY)
    _only(data, NOMINATE_FIELDS)
    subject = data.get("subject")
    if subject not in tuple(RewardSubject):
        raise RuleViolation("subject", _l("Choose what is nominated."))
    name = clean_text("name", data.get("name"), limit=120, line=True)
    year = _year(data.get("year"))
    reason = clean_text("reason", data.get("reason"), limit=2000)
    reward = Reward(
        subject=subject,
        year=year,
        name=name,
        reason=reason,
        decision=RewardDecision.NOMINATED,
        nominated_by_id=actor.id,
        nominated_at=db.utcnow(),
    )
    if subject == RewardSubject.OUTCOME:
        ticket, outcome, n = _cooperation(data.get("ticket_number"), data.get("cooperation"))
        reward.outcome_id = outcome.id
        same = Reward.outcome_id == outcome.id
    else:
        reward.commissioner_id = _commissioner(data.get("commissioner_id")).id
        same = Reward.commissioner_id == reward.commissioner_id
    taken = select(Reward.id).where(
        same,
        Reward.year == year,
        Reward.name == name,
        Reward.decision != RewardDecision.DECLINED,
    )
    if db.session.scalar(taken) is not None:
        raise RuleViolation("name", _l("Already nominated for this reward in this year."))
    db.session.add(reward)
    db.session.flush()
    if subject == RewardSubject.OUTCOME:
        details = {"reward_id": reward.id, "reward": name, "year": year, "cooperation": n}
        record(ticket, actor, "reward_nominated", None, None, details)
    return reward


def decide(reward: Reward, actor: User, **data: Any) -> Reward:
    """Record the decision on a nomination: awarded (with an amount in 万元, optional) or
    declined. A nomination is decided once."""
    permissions.require_admin(actor, ADMINS_ONLY)
    _only(data, DECIDE_FIELDS)
    db.session.refresh(reward, with_for_update=True)  # two admins deciding at once: one wins
    if reward.decision != RewardDecision.NOMINATED:
        raise RuleViolation("decision", _l("This nomination has been decided already."))
    decision = data.get("decision")
    if decision not in (RewardDecision.AWARDED, RewardDecision.DECLINED):
        raise RuleViolation("decision", _l("Choose awarded or declined."))
    amount = data.get("amount")
    if amount in (None, ""):
        amount = None
    elif decision != RewardDecision.AWARDED:
        raise RuleViolation("amount", _l("An amount goes only with an award."))
    else:
        amount = fields.coerce(AMOUNT, amount, not_before=date.min)
    reward.decision = decision
    reward.amount = amount
    reward.decided_at = db.utcnow()
    db.session.flush()
    if reward.outcome_id is not None:
        outcome = db.session.get(Outcome, reward.outcome_id)
        ticket = db.session.get(Ticket, outcome.ticket_id)
        details: dict[str, Any] = {
            "reward_id": reward.id,
            "reward": reward.name,
            "year": reward.year,
            "decision": str(decision),
        }
        if amount is not None:
            details["amount"] = str(amount)
        record(ticket, actor, "reward_decided", None, None, details)
    return reward
