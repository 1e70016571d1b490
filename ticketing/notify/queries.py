"""Reads for the bell, the notification list, the e-mail choices and the outbox page."""

from __future__ import annotations

from flask import g
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from ticketing import db
from ticketing.accounts.models import User
from ticketing.notify.models import EmailOptOut, Kind, Notification, OutboxMessage
from ticketing.permissions import visible_tickets
from ticketing.tickets.models import Ticket

LIST_SIZE = 50


def unread_count(user: User) -> int:
    """The bell's figure: one statement, once per request, only for tickets still visible."""
    known = g.get("notify_unread")
    if known is None:
        known = db.session.scalar(
            select(func.count(Notification.id))
            .join(Ticket, Ticket.id == Notification.ticket_id)
            .where(
                Notification.user_id == user.id,
                Notification.read_at.is_(None),
                or_(visible_tickets(user), Notification.challenge_id.is_not(None)),
            )
        )
        g.notify_unread = known
    return int(known or 0)


def recent(user: User) -> list[Notification]:
    """The latest notifications of `user` on tickets they can still open (news of an open
    challenge: on its page, which masks what it must), with their ticket."""
    return list(
        db.session.scalars(
            select(Notification)
            .join(Notification.ticket)
            .options(contains_eager(Notification.ticket))
            .where(
                Notification.user_id == user.id,
                or_(visible_tickets(user), Notification.challenge_id.is_not(None)),
            )
            .order_by(Notification.id.desc())
            .limit(LIST_SIZE)
        )
    )


def email_kinds(user: User) -> list[str]:
    """The kinds `user` gets by e-mail (all but those opted out of)."""
    out = set(db.session.scalars(select(EmailOptOut.kind).where(EmailOptOut.user_id == user.id)))
    return [kind.value for kind in Kind if kind.value not in out]


def outbox_problems() -> tuple[dict[str, int], list[OutboxMessage]]:
    """How many messages are in each status, and the latest ones that were given up."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    failed = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "failed")
            .order_by(OutboxMessage.id.desc())
            .limit(LIST_SIZE)
        )
    )
    return counts, failed
