"""Reads for the webhook pages: the list with each hook's queue, and a hook's delivery log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ticketing import db
from ticketing.notify.models import OutboxMessage
from ticketing.webhooks.models import Webhook

LOG_SIZE = 50


def hooks() -> tuple[list[Webhook], dict[int, dict[str, int]]]:
    """Every hook, and how many of its deliveries are in each status (two statements)."""
    rows = list(db.session.scalars(select(Webhook).order_by(Webhook.name, Webhook.id)))
    counts: dict[int, dict[str, int]] = {}
    for hook_id, status, n in db.session.execute(
        select(OutboxMessage.webhook_id, OutboxMessage.status, func.count())
        .where(OutboxMessage.webhook_id.is_not(None))
        .group_by(OutboxMessage.webhook_id, OutboxMessage.status)
    ):
        counts.setdefault(hook_id, {})[status] = n
    return rows, counts


def deliveries(hook: Webhook) -> list[OutboxMessage]:
    """The hook's latest deliveries, newest first, each with its attempts (two statements)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.webhook_id == hook.id)
            .options(selectinload(OutboxMessage.attempt_list))
            .order_by(OutboxMessage.id.desc())
            .limit(LOG_SIZE)
        )
    )


def delivery(hook: Webhook, delivery_id: int) -> OutboxMessage | None:
    return db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.id == delivery_id, OutboxMessage.webhook_id == hook.id
        )
    )
