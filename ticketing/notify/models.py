"""In-app notifications, the outbox the worker sends from, and each person's e-mail choices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.db import Base, utcnow
from ticketing.tickets.models import Ticket
from ticketing.webhooks.models import WebhookAttempt


class Kind(StrEnum):
    ROUTED = "routed"
    ASSIGNED = "assigned"
    COMMENT = "comment"
    RESOLVED = "resolved"
    DUE = "due"
    OVERDUE = "overdue"
    CHALLENGE = "challenge"
    NOT_PICKED = "not_picked"


KIND_LABELS = {
    Kind.ROUTED: _l("A ticket is routed to my university"),
    Kind.ASSIGNED: _l("A ticket is assigned to me"),
    Kind.COMMENT: _l("A comment on my ticket"),
    Kind.RESOLVED: _l("A resolution waits for my confirmation"),
    Kind.DUE: _l("A step is due tomorrow"),
    Kind.OVERDUE: _l("A step is overdue"),
    Kind.CHALLENGE: _l("An open challenge is published"),
    Kind.NOT_PICKED: _l("My university's proposal was not picked"),
}

CHANNELS = ("email", "webhook", "hook")  # hook: a registered webhook (ticketing/webhooks)
STATUSES = ("pending", "sent", "failed")


class Notification(Base):
    """One message in a person's bell. `key` makes a reminder happen once (ticket/step/day)."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(k.value for k in Kind)!r}", name="known_kind"),
        Index("ix_notification_user_read", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    # set for news of an open challenge: the link goes to the challenge's page
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenge.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(400))
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()


class OutboxMessage(Base):
    """A message to send, written in the transaction of the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'hook', 'webhook')", name="known_channel"),
        CheckConstraint("status IN ('failed', 'pending', 'sent')", name="known_status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint(
            "(channel = 'hook' AND webhook_id IS NOT NULL)"
            " OR (channel <> 'hook' AND webhook_id IS NULL)",
            name="hook_has_webhook",
        ),
        Index("ix_outbox_status_next", "status", "next_attempt_at", "id"),
        # a hook's delivery log, newest first
        Index("ix_outbox_webhook", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # channel 'hook': the registered webhook; subject holds the event kind, body the JSON
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))

    attempt_list: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.id", viewonly=True
    )


class EmailOptOut(Base):
    """A kind of notification a person does not want by e-mail (e-mail is on by default)."""

    __tablename__ = "email_opt_out"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(k.value for k in Kind)!r}", name="known_kind"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
