"""What each transition does to a ticket beyond its state.

Called by transitions.perform() only, after it has checked the state and the actor and
coerced the data by the table's typed fields. Each effect checks what it was given against
the database (is the university active, has the expert room), changes the ticket and returns
what the history event records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ticketing import db
from ticketing.accounts.models import Role, User
from ticketing.campaigns.queries import campaign_for
from ticketing.challenges.models import Challenge, ChallengeStatus, Proposal, ProposalStatus
from ticketing.errors import RuleViolation
from ticketing.fairs.models import Fair, FairKind
from ticketing.orgs.models import University
from ticketing.outcomes.models import Outcome
from ticketing.tickets.models import Ticket, TicketExpert, TicketUniversity
from ticketing.workflow import (
    EXPERT_WORKING,
    STAGE_LABELS,
    STEP_STAGES,
    TERMINAL,
    State,
    Transition,
    state_of_cooperations,
)

Effect = Callable[[Ticket, User, dict[str, Any]], dict[str, Any]]
FAIRS = frozenset({FairKind.FAIR})  # where an intention may be reached
FAIRS_AND_CEREMONIES = frozenset(FairKind)  # where an agreement may be signed


def apply(
    t: Transition, ticket: Ticket, actor: User, given: dict[str, Any]
) -> tuple[dict[str, Any], State]:
    """Apply the action's effect: what the history event records, and the state it leads to."""
    if t.follows_cooperations:
        details, state = _follow_cooperations(t, ticket, given)
    else:
        effect = EFFECTS.get(t.action)
        details, state = (effect(ticket, actor, given) if effect else {}), t.target
    if "reason" in given:
        details.setdefault("reason", given["reason"])
    return details, state


def _university(ticket: Ticket, given: dict[str, Any]) -> University:
    university = db.session.get(University, given["university_id"])
    if university is None or not university.active:
        raise RuleViolation("university_id", _l("Choose an active partner university."))
    if university.id == ticket.university_id:
        raise RuleViolation("university_id", _l("The ticket is already with this university."))
    return university


def _link_university(ticket: Ticket, university: University) -> None:
    if db.session.get(TicketUniversity, (ticket.id, university.id)) is None:
        db.session.add(TicketUniversity(ticket_id=ticket.id, university_id=university.id))


def open_ticket_count(expert_id: int) -> int:
    query = select(func.count(Ticket.id)).where(
        Ticket.expert_id == expert_id, Ticket.state.in_(EXPERT_WORKING)
    )
    return db.session.scalar(query) or 0


def _lock_expert(expert_id: int) -> None:
    """Hold the expert's row until commit, so that two assignments of one expert count their
    open tickets one after the other (PostgreSQL; SQLite writers are serialised already)."""
    db.session.execute(select(User.id).where(User.id == expert_id).with_for_update())


def _expert(ticket: Ticket, given: dict[str, Any]) -> User:
    expert = db.session.get(User, given["expert_id"])
    if (
        expert is None
        or not expert.active
        or Role.EXPERT not in expert.roles
        or expert.university_id != ticket.university_id
    ):
        raise RuleViolation("expert_id", _l("Choose an expert of the ticket's university."))
    if expert.id == ticket.expert_id:
        raise RuleViolation("expert_id", _l("This expert is already assigned."))
    capacity = expert.expert_profile.capacity if expert.expert_profile else 5
    _lock_expert(expert.id)
    load = open_ticket_count(expert.id)
    if load >= capacity:
        raise RuleViolation(
            "expert_id",
            _l(
                "%(name)s already has %(load)d open tickets (capacity %(capacity)d).",
                name=expert.name,
                load=load,
                capacity=capacity,
            ),
        )
    return expert


def _set_expert(ticket: Ticket, expert: User) -> dict[str, Any]:
    previous = ticket.expert
    ticket.expert_id = expert.id
    ticket.expert = expert
    ticket.expert_assigned_at = db.utcnow()
    ticket.started_at = None
    if expert.expert_profile is not None:
        expert.expert_profile.last_assigned_at = ticket.expert_assigned_at
    if db.session.get(TicketExpert, (ticket.id, expert.id)) is None:
        db.session.add(TicketExpert(ticket_id=ticket.id, expert_id=expert.id))
    details = {"expert_id": expert.id, "expert": expert.name}
    if previous is not None:
        details["previous_expert"] = previous.name
    return details


def _submit(ticket: Ticket, _actor: User, _given: dict[str, Any]) -> dict[str, Any]:
    for name in ("title", "description", "category", "enterprise_id"):
        if not getattr(ticket, name):
            raise RuleViolation(name, _l("Fill in this field before submitting."))
    ticket.submitted_at = db.utcnow()
    ticket.campaign_id = campaign_for(ticket.enterprise_id, ticket.submitted_at)
    return {}


def _route(ticket: Ticket, _actor: User, given: dict[str, Any]) -> dict[str, Any]:
    university = _university(ticket, given)
    ticket.university_id = university.id
    ticket.university = university
    ticket.routed_at = db.utcnow()
    ticket.returned_at = None
    _link_university(ticket, university)
    return {"university_id": university.id, "university": university.name}


def _return(ticket: Ticket, _actor: User, _given: dict[str, Any]) -> dict[str, Any]:
    details = {"university": ticket.university.name if ticket.university else ""}
    if ticket.university_id is not None:
        key = (ticket.id, ticket.university_id)
        link = db.session.get(TicketUniversity, key)
        if link is None:
            link = TicketUniversity(ticket_id=ticket.id, university_id=ticket.university_id)
            db.session.add(link)
        link.returned_at = db.utcnow()
    ticket.university_id = None
    ticket.university = None
    ticket.routed_at = None
    ticket.returned_at = db.utcnow()
    return details


def _transfer(ticket: Ticket, actor: User, given: dict[str, Any]) -> dict[str, Any]:
    previous = ticket.university.name if ticket.university else ""
    details = _route(ticket, actor, given)
    ticket.expert_id = None
    ticket.expert = None
    ticket.expert_assigned_at = None
    ticket.started_at = None
    return {**details, "previous_university": previous}


def _assign(ticket: Ticket, _actor: User, given: dict[str, Any]) -> dict[str, Any]:
    return _set_expert(ticket, _expert(ticket, given))


def _decline(ticket: Ticket, _actor: User, _given: dict[str, Any]) -> dict[str, Any]:
    details = {"expert": ticket.expert.name if ticket.expert else ""}
    ticket.expert_id = None
    ticket.expert = None
    ticket.expert_assigned_at = None
    return details


def _start(ticket: Ticket, _actor: User, _given: dict[str, Any]) -> dict[str, Any]:
    ticket.started_at = db.utcnow()
    return {}


def _resolve(ticket: Ticket, _actor: User, given: dict[str, Any]) -> dict[str, Any]:
    ticket.resolution = given["resolution"]
    ticket.resolved_at = db.utcnow()
    return {"resolution": given["resolution"]}


def _reopen(ticket: Ticket, _actor: User, _given: dict[str, Any]) -> dict[str, Any]:
    ticket.resolved_at = None
    ticket.resolution = None  # the resolve event keeps the text
    return {}


def _finish(ticket: Ticket) -> None:
    ticket.finished_at = db.utcnow()


def _close(ticket: Ticket, _actor: User, given: dict[str, Any]) -> dict[str, Any]:
    satisfaction = given.get("satisfaction")
    ticket.satisfaction = satisfaction
    _finish(ticket)
    return {"satisfaction": satisfaction} if satisfaction is not None else {}


def _not_before(name: str, day: date, earlier: date) -> date:
    if day < earlier:
        raise RuleViolation(
            name, _l("The date cannot be before %(date)s.", date=earlier.isoformat())
        )
    return day


def current_outcome(ticket: Ticket) -> Outcome | None:
    """The ticket's latest cooperation."""
    query = (
        select(Outcome).where(Outcome.ticket_id == ticket.id).order_by(Outcome.id.desc()).limit(1)
    )
    return db.session.scalar(query)


def cooperations(ticket: Ticket) -> list[Outcome]:
    """All the ticket's cooperations, oldest first (read without flushing the ticket)."""
    query = select(Outcome).where(Outcome.ticket_id == ticket.id).order_by(Outcome.id)
    with db.session.no_autoflush:
        return list(db.session.scalars(query))


def eligible(action: str, held: list[Outcome]) -> list[Outcome]:
    """The cooperations among `held` that the step `action` can be about."""
    stages = STEP_STAGES.get(action, frozenset())
    return [c for c in held if c.stage in stages]


def _which(action: str, held: list[Outcome], given: dict[str, Any]) -> Outcome:
    """The cooperation a step is about: the one named, or the only one at the right stage."""
    wanted = given.get("cooperation_id")
    candidates = eligible(action, held)
    if wanted is None:
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise RuleViolation("cooperation_id", _l("Choose the cooperation this step is about."))
        raise RuleViolation(
            "cooperation_id", _l("No cooperation of this ticket is at a stage for this step.")
        )
    named = next((c for c in held if c.id == wanted), None)
    if named is None:
        raise RuleViolation("cooperation_id", _l("Choose a cooperation of this ticket."))
    if named not in candidates:
        raise RuleViolation(
            "cooperation_id",
            _l(
                "“%(title)s” is at the stage “%(stage)s”, where this step is not possible.",
                title=named.title,
                stage=STAGE_LABELS[named.stage],
            ),
        )
    return named


def _fair(name: str, fair_id: int | None, day: date, kinds: frozenset[str]) -> Fair | None:
    if fair_id is None:
        return None
    fair = db.session.get(Fair, fair_id)
    if fair is None or fair.kind not in kinds:
        raise RuleViolation(name, _l("Choose one from the list."))
    if fair.held_on > day:
        raise RuleViolation(
            name, _l("This was held on %(date)s, after that date.", date=fair.held_on.isoformat())
        )
    return fair


def _of(outcome: Outcome) -> dict[str, Any]:
    return {"cooperation_id": outcome.id, "cooperation": outcome.title}


def _intention(ticket: Ticket, held: list[Outcome], given: dict[str, Any]) -> dict[str, Any]:
    form, day = given["cooperation_form"], given["intention_date"]
    university_id = given.get("university_id", ticket.university_id)
    if "university_id" in given:
        university = db.session.get(University, university_id)
        if university is None or not university.active:
            raise RuleViolation("university_id", _l("Choose an active partner university."))
    fair = _fair("intention_fair_id", given.get("intention_fair_id"), day, FAIRS)
    outcome = Outcome(
        ticket_id=ticket.id,
        title=given["title"],
        cooperation_form=form,
        intention_date=day,
        university_id=university_id,
        intention_fair_id=fair.id if fair else None,
    )
    db.session.add(outcome)
    db.session.flush()  # its id goes into the event (the ticket has not changed yet)
    held.append(outcome)
    details = {**_of(outcome), "cooperation_form": form, "intention_date": day.isoformat()}
    if fair is not None:
        details["fair"] = fair.title
    return details


def _agreement(ticket: Ticket, held: list[Outcome], given: dict[str, Any]) -> dict[str, Any]:
    outcome = _which("sign_agreement", held, given)
    number, amount = given["agreement_number"], given["amount"]
    day = _not_before("agreement_date", given["agreement_date"], outcome.intention_date)
    fair = _fair("agreement_fair_id", given.get("agreement_fair_id"), day, FAIRS_AND_CEREMONIES)
    outcome.agreement_number, outcome.agreement_date, outcome.amount = number, day, amount
    outcome.agreement_fair_id = fair.id if fair else None
    details = {
        **_of(outcome),
        "agreement_number": number,
        "agreement_date": day.isoformat(),
        "amount": str(amount),
    }
    if fair is not None:
        details["fair"] = fair.title
    return details


def _land(ticket: Ticket, held: list[Outcome], given: dict[str, Any]) -> dict[str, Any]:
    outcome = _which("land", held, given)
    assert outcome.agreement_date is not None  # the stage guarantees it
    day = _not_before("landed_date", given["landed_date"], outcome.agreement_date)
    benefit = given["economic_benefit"]
    outcome.landed_date = day
    outcome.landing_description = given["landing_description"]
    outcome.economic_benefit = benefit
    outcome.cost_saving = given.get("cost_saving")
    outcome.satisfaction = given.get("satisfaction")
    details = {
        **_of(outcome),
        "landed_date": day.isoformat(),
        "landing_description": given["landing_description"],
        "economic_benefit": str(benefit),
    }
    if outcome.cost_saving is not None:
        details["cost_saving"] = str(outcome.cost_saving)
    if outcome.satisfaction is not None:
        details["satisfaction"] = outcome.satisfaction
    return details


def _abandon(ticket: Ticket, held: list[Outcome], given: dict[str, Any]) -> dict[str, Any]:
    outcome = _which("abandon", held, given)
    outcome.abandoned_reason = given["reason"]
    return _of(outcome)


CooperationEffect = Callable[[Ticket, list[Outcome], dict[str, Any]], dict[str, Any]]
COOPERATION_EFFECTS: dict[str, CooperationEffect] = {
    "record_intention": _intention,
    "sign_agreement": _agreement,
    "land": _land,
    "abandon": _abandon,
}


def _follow_cooperations(
    t: Transition, ticket: Ticket, given: dict[str, Any]
) -> tuple[dict[str, Any], State]:
    """Apply one step of one cooperation; the ticket's state follows all of them."""
    held = cooperations(ticket)
    details = COOPERATION_EFFECTS[t.action](ticket, held, given)
    state = state_of_cooperations(c.stage for c in held)
    if state in TERMINAL and ticket.finished_at is None:
        _finish(ticket)
    return details, state


def _award(ticket: Ticket, actor: User, given: dict[str, Any]) -> dict[str, Any]:
    """Pick a proposal of the ticket's open challenge: route the ticket to the proposal's
    university and assign its expert (with the same checks as route and assign_expert); the
    challenge is awarded and the other proposals are not picked."""
    proposal = db.session.get(Proposal, given["proposal_id"])
    challenge = proposal.challenge if proposal is not None else None
    if challenge is None or challenge.ticket_id != ticket.id:
        raise RuleViolation("proposal_id", _l("Choose a proposal of this ticket's challenge."))
    if challenge.status != ChallengeStatus.OPEN or proposal.status != ProposalStatus.PENDING:
        raise RuleViolation("proposal_id", _l("This challenge is no longer open."))
    details = _route(ticket, actor, {"university_id": proposal.university_id})
    details |= _set_expert(ticket, _expert(ticket, {"expert_id": proposal.expert_id}))
    now = db.utcnow()
    challenge.status, challenge.closed_at = ChallengeStatus.AWARDED, now
    for other in challenge.proposals:
        other.status = ProposalStatus.PICKED if other is proposal else ProposalStatus.NOT_PICKED
    return {
        **details,
        "challenge_id": challenge.id,
        "proposal_id": proposal.id,
        "days": proposal.days,
        "cost": str(proposal.cost),
    }


def end_challenge(ticket: Ticket) -> Challenge | None:
    """Withdraw the ticket's open challenge, if any: the ticket leaves `submitted` by another
    way than the pick (routed directly, withdrawn), so proposals can no longer be taken."""
    challenge = db.session.scalar(
        select(Challenge).where(
            Challenge.ticket_id == ticket.id, Challenge.status == ChallengeStatus.OPEN
        )
    )
    if challenge is not None:
        challenge.status, challenge.closed_at = ChallengeStatus.WITHDRAWN, db.utcnow()
    return challenge


def _route_submitted(ticket: Ticket, actor: User, given: dict[str, Any]) -> dict[str, Any]:
    details = _route(ticket, actor, given)
    end_challenge(ticket)
    return details


def _withdraw(ticket: Ticket, _actor: User, _given: dict[str, Any]) -> dict[str, Any]:
    _finish(ticket)
    if ticket.state == State.SUBMITTED:
        end_challenge(ticket)
    return {}


EFFECTS: dict[str, Effect] = {
    "submit": _submit,
    "route": _route_submitted,
    "return": _return,
    "transfer": _transfer,
    "assign_expert": _assign,
    "reassign_expert": _assign,
    "decline": _decline,
    "start": _start,
    "resolve": _resolve,
    "reopen": _reopen,
    "close": _close,
    "withdraw": _withdraw,
    "award": _award,
}
