"""A registered webhook and the attempts to deliver to it (each delivery is an outbox row)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base, utcnow

# the event kinds a hook may choose, by the history action that causes them
EVENTS = {
    "ticket.submitted": _l("A ticket is submitted"),
    "ticket.routed": _l("A ticket is routed to a university"),
    "ticket.returned": _l("A university returns a ticket to the zone"),
    "ticket.transferred": _l("A ticket is transferred to another university"),
    "ticket.assigned": _l("An expert is assigned"),
    "ticket.declined": _l("An expert declines a ticket"),
    "ticket.started": _l("An expert starts work"),
    "ticket.resolved": _l("A ticket is resolved"),
    "ticket.reopened": _l("A ticket is reopened"),
    "ticket.closed": _l("A ticket is closed"),
    "ticket.withdrawn": _l("A ticket is withdrawn"),
    "ticket.commented": _l("A public comment is written (internal notes are never sent)"),
    "cooperation.intention": _l("A cooperation intention is recorded"),
    "cooperation.agreement": _l("A cooperation agreement is signed"),
    "cooperation.landed": _l("A cooperation is landed"),
    "cooperation.abandoned": _l("A cooperation is abandoned"),
}
ACTION_EVENTS = {
    "submit": "ticket.submitted",
    "route": "ticket.routed",
    "return": "ticket.returned",
    "transfer": "ticket.transferred",
    "assign_expert": "ticket.assigned",
    "reassign_expert": "ticket.assigned",
    "award": "ticket.assigned",  # a picked proposal routes and assigns at once
    "decline": "ticket.declined",
    "start": "ticket.started",
    "resolve": "ticket.resolved",
    "reopen": "ticket.reopened",
    "close": "ticket.closed",
    "withdraw": "ticket.withdrawn",
    "comment": "ticket.commented",
    "record_intention": "cooperation.intention",
    "sign_agreement": "cooperation.agreement",
    "land": "cooperation.landed",
    "abandon": "cooperation.abandoned",
}
PING = "ping"


class Webhook(Base):
    """A URL that receives the chosen events. The secret signs each body (HMAC-SHA256), so it
    is kept as it is (a hash could not sign); admins can read it on the hook's page."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(64))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookAttempt(Base):
    """One try to deliver an outbox row of channel 'hook': what the receiver answered."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_outbox", "outbox_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)
