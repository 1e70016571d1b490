"""The JSON a webhook receives: one small, stable shape, built in one place so that a JSON API
can share its schema. A webhook is outside the system: a confidential ticket's title is
masked (保密问题) and its comments' text withheld, and internal notes never get here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ticketing.accounts.models import Role, User
from ticketing.tickets.models import Comment, Ticket

SCHEMA_VERSION = 1
# the actor's role as it is named in the payload, the strongest first
ROLE_ORDER = (Role.ADMIN, Role.LIAISON, Role.EXPERT, Role.COMMISSIONER)


def masked_title(ticket: Ticket) -> str:
    if not ticket.confidential:
        return ticket.title
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("Confidential problem")


def actor_role(actor: User | None) -> str | None:
    if actor is None:
        return None
    roles = actor.roles
    return next((role.value for role in ROLE_ORDER if role in roles), None)


def ticket_event(
    *,
    event: str,
    delivery_id: int,
    occurred_at: datetime,
    ticket: Ticket,
    actor: User | None,
    comment: Comment | None = None,
) -> dict[str, Any]:
    """The payload of one event of `ticket` (keys are stable; values are codes, not labels)."""
    body: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "event": event,
        "delivery_id": delivery_id,
        "occurred_at": occurred_at.isoformat(),
        "ticket": {
            "number": ticket.number,
            "title": masked_title(ticket),
            "confidential": ticket.confidential,
            "state": ticket.state,
            "priority": ticket.priority,
            "category": ticket.category,
            "university": ticket.university.name if ticket.university else None,
            "expert": ticket.expert.name if ticket.expert else None,
        },
        "actor_role": actor_role(actor),
    }
    if comment is not None and not comment.internal:
        body["comment"] = {"text": None if ticket.confidential else comment.body}
    return body


def ping(*, delivery_id: int, occurred_at: datetime, hook_name: str) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "event": "ping",
        "delivery_id": delivery_id,
        "occurred_at": occurred_at.isoformat(),
        "webhook": hook_name,
    }
