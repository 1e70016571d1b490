"""Writes for webhooks: register, change, pause and resume, delete, new secret, ping, retry;
and on_event(), which history.record() calls for every ticket event, in its transaction:
one outbox row (channel 'hook') per active hook that chose the event, its JSON fixed now."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.audit import services as audit
from ticketing.audit.models import Kind
from ticketing.errors import NotAllowed, RuleViolation
from ticketing.notify.models import OutboxMessage
from ticketing.permissions import is_admin
from ticketing.tickets.models import Comment, Ticket
from ticketing.webhooks import guard, payload
from ticketing.webhooks.models import ACTION_EVENTS, EVENTS, PING, Webhook, WebhookAttempt
from ticketing.workflow import State

CHANNEL = "hook"


def on_event(
    ticket: Ticket, actor: User, action: str, details: dict[str, Any], at: datetime
) -> int:
    """Write the deliveries one history event causes; returns how many."""
    event = ACTION_EVENTS.get(action)
    if event is None or ticket.state == State.DRAFT:
        return 0
    comment = None
    if action == "comment":
        if details.get("internal"):
            return 0  # internal notes never leave the system
        comment = db.session.get(Comment, details.get("comment_id"))
        if comment is None or comment.internal:
            return 0
    hooks = [
        hook
        for hook in db.session.scalars(
            select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.id)
        )
        if event in hook.events
    ]
    for hook in hooks:
        message = _delivery(hook, event)
        message.body = _json(
            payload.ticket_event(
                event=event,
                delivery_id=message.id,
                occurred_at=at,
                ticket=ticket,
                actor=actor,
                comment=comment,
            )
        )
    db.session.flush()
    return len(hooks)


def register(actor: User, *, name: str, url: str, events: Iterable[str]) -> Webhook:
    _require_admin(actor)
    hook = Webhook(secret=new_secret_value(), created_by_id=actor.id, active=True)
    _apply(hook, name=name, url=url, events=events)
    db.session.add(hook)
    db.session.flush()
    _note(hook, actor, "created")
    return hook


def change(hook: Webhook, actor: User, *, name: str, url: str, events: Iterable[str]) -> Webhook:
    _require_admin(actor)
    _apply(hook, name=name, url=url, events=events)
    db.session.flush()
    _note(hook, actor, "changed")
    return hook


def set_active(hook: Webhook, actor: User, *, active: bool) -> Webhook:
    """Pause (no new deliveries are written) or resume; deliveries already queued still go."""
    _require_admin(actor)
    hook.active = bool(active)
    db.session.flush()
    _note(hook, actor, "resumed" if hook.active else "paused")
    return hook


def rotate_secret(hook: Webhook, actor: User) -> Webhook:
    _require_admin(actor)
    hook.secret = new_secret_value()
    db.session.flush()
    _note(hook, actor, "new secret")
    return hook


def remove(hook: Webhook, actor: User) -> None:
    """Delete the hook with its queued deliveries and its delivery log."""
    _require_admin(actor)
    deliveries = select(OutboxMessage.id).where(OutboxMessage.webhook_id == hook.id)
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.outbox_id.in_(deliveries)))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.webhook_id == hook.id))
    _note(hook, actor, "deleted")
    db.session.delete(hook)
    db.session.flush()


def ping(hook: Webhook, actor: User) -> OutboxMessage:
    """Queue a test delivery (event 'ping'); the worker sends it like any other."""
    _require_admin(actor)
    message = _delivery(hook, PING)
    message.body = _json(
        payload.ping(delivery_id=message.id, occurred_at=db.utcnow(), hook_name=hook.name)
    )
    db.session.flush()
    return message


def retry(message: OutboxMessage, actor: User) -> OutboxMessage:
    """Send a given-up delivery again at the worker's next round, with fresh attempts."""
    _require_admin(actor)
    if message.channel != CHANNEL or message.status != "failed":
        raise RuleViolation(None, _("Only a delivery that was given up can be retried."))
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = db.utcnow()
    db.session.flush()
    return message


def new_secret_value() -> str:
    return secrets.token_hex(32)


def _delivery(hook: Webhook, event: str) -> OutboxMessage:
    """An outbox row for `hook` with its id known (the body names it), body still empty."""
    message = OutboxMessage(
        channel=CHANNEL, recipient=hook.url, subject=event, body="", webhook_id=hook.id
    )
    db.session.add(message)
    db.session.flush()
    return message


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _apply(hook: Webhook, *, name: str, url: str, events: Iterable[str]) -> None:
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise RuleViolation("name", _("Give the webhook a name of at most 120 characters."))
    url = (url or "").strip()
    if not url or len(url) > 500:
        raise RuleViolation("url", _("Enter an address of at most 500 characters."))
    try:
        guard.check(url)
    except guard.UnsafeUrl as unsafe:
        raise RuleViolation("url", str(unsafe.message)) from None
    chosen = list(dict.fromkeys(events or []))
    if not chosen:
        raise RuleViolation("events", _("Choose at least one event."))
    if any(event not in EVENTS for event in chosen):
        raise RuleViolation("events", _("Unknown event."))
    hook.name, hook.url, hook.events = name, url, [e for e in EVENTS if e in chosen]


def _note(hook: Webhook, actor: User, what: str) -> None:
    """The change in the security log, in this transaction (nothing if it rolls back)."""
    detail = f"webhook {hook.id} {what}: {hook.name} {hook.url} [{', '.join(hook.events)}]"
    audit.record(Kind.WEBHOOK_CHANGED, user=actor, detail=detail)


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise NotAllowed(_("Only zone administrators manage webhooks."))
