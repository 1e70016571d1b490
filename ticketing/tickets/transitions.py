"""check(), available() and perform(): the only way a ticket's state changes.

perform() reads the transition table (workflow.py), checks the state and the actor's
relation to the ticket (permissions.py), coerces the data by the table's typed fields
(fields.py), applies the action's effect (effects.py: a step of one cooperation leads to the
state that follows from all the ticket's cooperations), sets the due time of the next step
(deadlines.py) and writes the one history event (history.py).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ticketing import db, permissions
from ticketing.accounts.models import User
from ticketing.errors import InvalidTransition, NotAllowed, NotFound, StaleTicket
from ticketing.tickets import deadlines, effects, fields
from ticketing.tickets.history import record
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.workflow import BY_ACTION, STATE_LABELS, TRANSITIONS, State, Transition
from ticketing.worktime import services as worktime


def transition(action: str) -> Transition:
    try:
        return BY_ACTION[action]
    except KeyError:
        raise NotFound(_l("Unknown action")) from None


def may(user: User, action: str, ticket: Ticket) -> bool:
    """Whether `user` may perform `action` on `ticket` now (state and relation)."""
    t = BY_ACTION.get(action)
    if t is None or ticket.state not in t.sources or not user.is_active:
        return False
    return any(permissions.holds(user, who, ticket) for who in t.who)


def available(ticket: Ticket, user: User) -> list[Transition]:
    """The actions `user` may take on `ticket` now, in table order (for buttons, the API)."""
    return [t for t in TRANSITIONS if may(user, t.action, ticket)]


def check(ticket: Ticket, action: str, actor: User) -> Transition:
    """Raise the error perform() would raise for the state and the actor; else the transition."""
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


def filed_on(ticket: Ticket) -> Any:
    """The zone's calendar day on which the ticket was filed: no step can be dated before it."""
    moment = ticket.submitted_at or ticket.created_at
    return moment.astimezone(db.ZONE_TIME).date()


def perform(
    ticket: Ticket,
    action: str,
    actor: User,
    *,
    expected_version: int | None = None,
    **data: Any,
) -> TicketEvent:
    """Check and apply one transition, write its history event; flush, never commit."""
    t = check(ticket, action, actor)
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket()
    clean = fields.given(t, data, not_before=filed_on(ticket))
    from_state = ticket.state
    with db.session.no_autoflush:  # one UPDATE of the ticket, so one version step
        details, target = effects.apply(t, ticket, actor, clean)
        now = db.utcnow()
        ticket.on_time_steps = deadlines.steps_on_time(
            ticket.on_time_steps or 0, from_state, target, ticket.due_at, now
        )
        ticket.state = target
        ticket.updated_at = ticket.step_started_at = now
        worktime.set_due(ticket, now)
    return record(ticket, actor, action, from_state, target, details)
