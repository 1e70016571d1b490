"""record(): the one history write that every change of a ticket passes through.

Every transition, edit, comment, visit record and file leaves exactly one event here, and the
ticket's `updated_at` moves to the event's time, so any activity brings a ticket up its queue.
Whatever must happen with every change attaches to this function and runs in the same
transaction as the event: the dashboard's tallies (reports/tallies.py) and the search index
(search/index.py), notifications and their outbox (notify/services.py), the deliveries to
registered webhooks (webhooks/services.py), the experts' profiles for routing suggestions
(routing/profiles.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ticketing import db
from ticketing.accounts.models import User
from ticketing.errors import StaleTicket
from ticketing.notify import services as notify
from ticketing.records import tallies as work_records
from ticketing.reports import tallies
from ticketing.routing import profiles
from ticketing.search import index as search
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.webhooks import services as webhooks


def record(
    ticket: Ticket,
    actor: User,
    action: str,
    from_state: str | None,
    to_state: str | None,
    details: dict[str, Any],
) -> TicketEvent:
    """Append one history event for `ticket` and mark the ticket active now; flush."""
    now = db.utcnow()
    event = TicketEvent(
        ticket_id=ticket.id,
        at=now,
        actor_id=actor.id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=details,
    )
    db.session.add(event)
    moved = tallies.moves(ticket)
    worked = work_records.moves(ticket)
    profiled = profiles.moves(ticket)
    if db.session.is_modified(ticket, include_collections=False) or ticket in db.session.new:
        ticket.updated_at = now  # part of the change's own UPDATE (one version step)
    else:
        # Activity beside the ticket (a comment, a visit, a file) moves it up its queue without
        # a version step: forms that others have open on the ticket stay valid.
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(ticket, "updated_at", now)
    try:
        db.session.flush()
    except StaleDataError:  # another request changed the ticket since we read it
        raise StaleTicket() from None
    tallies.count(event, moved)
    work_records.count(ticket, event, worked)
    profiles.count(profiled)
    if action in search.DOCUMENT_ACTIONS:
        search.index_ticket(ticket, ticket.enterprise.name)
    notify.on_event(ticket, actor, action, details)
    webhooks.on_event(ticket, actor, action, details, now)
    return event
