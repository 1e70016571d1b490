"""The ticket state machine as data, and perform(): the only way a ticket's state changes.

Each row of TRANSITIONS mirrors one row of the transition table in DOMAIN.md. The pages
draw their action buttons from it, the tests walk it, and perform() enforces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

from ticketing.errors import InvalidTransition, NotAllowed, NotFound, RuleViolation, StaleTicket

if TYPE_CHECKING:
    from ticketing.accounts.models import User
    from ticketing.tickets.models import Ticket, TicketEvent


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNIVERSITY_ASSIGNED = "university_assigned"
    EXPERT_ASSIGNED = "expert_assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    OUTCOME_INTENTION = "outcome_intention"
    OUTCOME_AGREEMENT = "outcome_agreement"
    OUTCOME_LANDED = "outcome_landed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    State.DRAFT: _l("Draft"),
    State.SUBMITTED: _l("Awaiting routing"),
    State.UNIVERSITY_ASSIGNED: _l("Awaiting expert"),
    State.EXPERT_ASSIGNED: _l("Awaiting expert response"),
    State.IN_PROGRESS: _l("In progress"),
    State.RESOLVED: _l("Awaiting confirmation"),
    State.OUTCOME_INTENTION: _l("Cooperation intention"),
    State.OUTCOME_AGREEMENT: _l("Agreement signed"),
    State.OUTCOME_LANDED: _l("Outcome landed"),
    State.CLOSED: _l("Closed"),
    State.WITHDRAWN: _l("Withdrawn"),
}

# What happens next, shown under the state on the ticket page.
STATE_NEXT = {
    State.DRAFT: _l("The filer completes the draft and submits it."),
    State.SUBMITTED: _l("The zone routes the ticket to a partner university."),
    State.UNIVERSITY_ASSIGNED: _l("The university's liaison assigns an expert."),
    State.EXPERT_ASSIGNED: _l("The expert accepts and starts work, or declines."),
    State.IN_PROGRESS: _l("The expert works with the enterprise and writes a resolution."),
    State.RESOLVED: _l(
        "The enterprise side confirms the solution: close it, reopen it, or record a "
        "cooperation intention."
    ),
    State.OUTCOME_INTENTION: _l("The parties sign a cooperation agreement, or abandon it."),
    State.OUTCOME_AGREEMENT: _l("The zone records the outcome as landed, or it is abandoned."),
    State.OUTCOME_LANDED: _l("Finished: the outcome has landed."),
    State.CLOSED: _l("Finished."),
    State.WITHDRAWN: _l("Finished: the ticket was withdrawn."),
}

TERMINAL = frozenset({State.OUTCOME_LANDED, State.CLOSED, State.WITHDRAWN})
OPEN_STATES = frozenset(State) - TERMINAL - {State.DRAFT}
# States in which the database requires the ticket to name a university / an expert.
WITH_UNIVERSITY = frozenset(
    {
        State.UNIVERSITY_ASSIGNED,
        State.EXPERT_ASSIGNED,
        State.IN_PROGRESS,
        State.RESOLVED,
        State.OUTCOME_INTENTION,
        State.OUTCOME_AGREEMENT,
        State.OUTCOME_LANDED,
    }
)
WITH_EXPERT = WITH_UNIVERSITY - {State.UNIVERSITY_ASSIGNED}
WITH_RESOLUTION = frozenset(
    {State.RESOLVED, State.OUTCOME_INTENTION, State.OUTCOME_AGREEMENT, State.OUTCOME_LANDED}
)


class Who(StrEnum):
    """Relations between a person and a ticket that allow an action."""

    FILER = "filer"
    ADMIN = "admin"
    COMMISSIONER = "commissioner"  # a commissioner of the ticket's enterprise
    LIAISON = "liaison"  # a liaison of the ticket's current university
    EXPERT = "expert"  # the expert assigned to the ticket now


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[State]
    target: State
    who: frozenset[Who]
    requires: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    label: Any = ""
    confirm: bool = False  # irreversible: the page asks before sending


def _t(action, sources, target, who, requires=(), optional=(), label="", confirm=False):
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(who),
        tuple(requires),
        tuple(optional),
        label,
        confirm,
    )


S, W = State, Who
WORKING = (S.SUBMITTED, S.UNIVERSITY_ASSIGNED, S.EXPERT_ASSIGNED, S.IN_PROGRESS)
# fmt: off
# action, from-states, to-state, who may, what must be given (optional), label, confirm
TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", [S.DRAFT], S.SUBMITTED, [W.FILER], label=_l("Submit")),
    _t("route", [S.SUBMITTED], S.UNIVERSITY_ASSIGNED, [W.ADMIN], ["university_id"],
       label=_l("Route to a university")),
    _t("return", [S.UNIVERSITY_ASSIGNED], S.SUBMITTED, [W.LIAISON], ["reason"],
       label=_l("Return to the zone")),
    _t("transfer", [S.UNIVERSITY_ASSIGNED, S.EXPERT_ASSIGNED, S.IN_PROGRESS],
       S.UNIVERSITY_ASSIGNED, [W.ADMIN], ["university_id", "reason"],
       label=_l("Transfer to another university")),
    _t("assign_expert", [S.UNIVERSITY_ASSIGNED], S.EXPERT_ASSIGNED, [W.LIAISON, W.ADMIN],
       ["expert_id"], label=_l("Assign an expert")),
    _t("reassign_expert", [S.EXPERT_ASSIGNED, S.IN_PROGRESS], S.EXPERT_ASSIGNED,
       [W.LIAISON, W.ADMIN], ["expert_id", "reason"], label=_l("Reassign the expert")),
    _t("decline", [S.EXPERT_ASSIGNED], S.UNIVERSITY_ASSIGNED, [W.EXPERT], ["reason"],
       label=_l("Decline")),
    _t("start", [S.EXPERT_ASSIGNED], S.IN_PROGRESS, [W.EXPERT], label=_l("Accept and start")),
    _t("resolve", [S.IN_PROGRESS], S.RESOLVED, [W.EXPERT], ["resolution"],
       label=_l("Write the resolution")),
    _t("reopen", [S.RESOLVED], S.IN_PROGRESS, [W.COMMISSIONER, W.ADMIN], ["reason"],
       label=_l("Reopen")),
    _t("close", [S.RESOLVED], S.CLOSED, [W.COMMISSIONER, W.ADMIN], optional=["satisfaction"],
       label=_l("Confirm and close"), confirm=True),
    _t("record_intention", [S.RESOLVED], S.OUTCOME_INTENTION, [W.COMMISSIONER, W.ADMIN],
       ["cooperation_form", "intention_date"], label=_l("Record a cooperation intention")),
    _t("sign_agreement", [S.OUTCOME_INTENTION], S.OUTCOME_AGREEMENT,
       [W.COMMISSIONER, W.ADMIN], ["agreement_number", "agreement_date", "amount"],
       label=_l("Record the signed agreement")),
    _t("land", [S.OUTCOME_AGREEMENT], S.OUTCOME_LANDED, [W.ADMIN],
       ["landed_date", "landing_description", "economic_benefit"],
       label=_l("Record the outcome as landed"), confirm=True),
    _t("abandon", [S.OUTCOME_INTENTION, S.OUTCOME_AGREEMENT], S.CLOSED,
       [W.COMMISSIONER, W.ADMIN], ["reason"], label=_l("Abandon the cooperation"),
       confirm=True),
    _t("withdraw", WORKING, S.WITHDRAWN, [W.FILER, W.ADMIN], ["reason"],
       label=_l("Withdraw"), confirm=True),
)
# fmt: on
BY_ACTION: Mapping[str, Transition] = {t.action: t for t in TRANSITIONS}


def transition(action: str) -> Transition:
    try:
        return BY_ACTION[action]
    except KeyError:
        raise NotFound(_l("Unknown action")) from None


def may(user: User, action: str, ticket: Ticket) -> bool:
    """Whether `user` may perform `action` on `ticket` now (state and relation)."""
    from ticketing import permissions

    t = BY_ACTION.get(action)
    if t is None or ticket.state not in t.sources or not user.is_active:
        return False
    return any(permissions.holds(user, who, ticket) for who in t.who)


def available(ticket: Ticket, user: User) -> list[Transition]:
    """The actions `user` may take on `ticket` now, in table order (for buttons, the API)."""
    return [t for t in TRANSITIONS if may(user, t.action, ticket)]


def check(ticket: Ticket, action: str, actor: User) -> Transition:
    """Raise the error perform() would raise for the state and the actor; else the transition."""
    from ticketing import permissions

    t = transition(action)
    if not permissions.can_view(actor, ticket):
        raise NotFound(_l("Ticket not found"))
    if ticket.state not in t.sources:
        raise InvalidTransition(
            _l(
                "“%(action)s” is not possible while the ticket is “%(state)s”.",
                action=t.label,
                state=STATE_LABELS[State(ticket.state)],
            )
        )
    if not actor.is_active or not any(permissions.holds(actor, who, ticket) for who in t.who):
        raise NotAllowed(_l("You may not “%(action)s” on this ticket.", action=t.label))
    return t


def perform(
    ticket: Ticket,
    action: str,
    actor: User,
    *,
    expected_version: int | None = None,
    **data: Any,
) -> TicketEvent:
    """Check and apply one transition, write its history event; flush, never commit."""
    from flask import current_app

    from ticketing import db
    from ticketing.db import utcnow
    from ticketing.tickets import deadlines, effects

    t = check(ticket, action, actor)
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket()
    given = _required(t, data)
    from_state = ticket.state
    with db.session.no_autoflush:  # one UPDATE of the ticket, so one version step
        details = effects.apply(t, ticket, actor, given)
        ticket.state = t.target
        ticket.updated_at = utcnow()
        ticket.due_at = deadlines.due_at(
            t.target, ticket.priority, ticket.updated_at, current_app.config["TIME_TARGETS"]
        )
    return effects.record(ticket, actor, action, from_state, t.target, details)


def _required(t: Transition, data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(t.requires) - set(t.optional)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    for name in t.requires:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise RuleViolation(name, _l("This field is required."))
        if isinstance(value, Decimal | int) and not isinstance(value, bool) and value < 0:
            raise RuleViolation(name, _l("The amount must not be negative."))
    return {name: data[name] for name in (*t.requires, *t.optional) if name in data}
