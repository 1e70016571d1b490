"""The outbox worker: claims due messages, sends them, retries with backoff.

Each batch is claimed, sent and marked in one transaction. On PostgreSQL the claim locks its
rows with FOR UPDATE SKIP LOCKED, so two workers never take the same message; SQLite has a
single writer and needs no lock. A message that fails waits 1, 2, 4 … minutes (at most an
hour) and is given up (status 'failed', kept with its error) after NOTIFY_MAX_ATTEMPTS.
"""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import Select, select

from ticketing import db
from ticketing.notify.models import OutboxMessage
from ticketing.webhooks import sender as hooks

BATCH = 20
FIRST_DELAY = timedelta(minutes=1)
LONGEST_DELAY = timedelta(hours=1)
TIMEOUT_SECONDS = 15


@dataclass
class Drained:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def claiming(query: Select[tuple[OutboxMessage]]) -> Select[tuple[OutboxMessage]]:
    """The one dialect difference: PostgreSQL skips the rows another worker holds."""
    if db.session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def claim(limit: int = BATCH) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= db.utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(claiming(query)))


def backoff(attempts: int) -> timedelta:
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), LONGEST_DELAY)


def drain(limit: int = BATCH) -> Drained:
    """Send every message that is due now, batch by batch; commit after each batch."""
    done = Drained()
    while True:
        batch = claim(limit)
        if not batch:
            db.session.commit()
            return done
        for message in batch:
            try:
                send(message)
            except Exception as error:  # noqa: BLE001 - any failure is retried, then kept
                _failed(message, error, done)
            else:
                message.status = "sent"
                message.sent_at = db.utcnow()
                message.last_error = ""
                done.sent += 1
        db.session.commit()


def _failed(message: OutboxMessage, error: Exception, done: Drained) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= current_app.config["NOTIFY_MAX_ATTEMPTS"]:
        message.status = "failed"
        done.failed += 1
    else:
        message.next_attempt_at = db.utcnow() + backoff(message.attempts)
        done.retried += 1


def send(message: OutboxMessage) -> None:
    if message.channel == "email":
        send_email(message)
    elif message.channel == "hook":
        hooks.deliver(message)
    else:
        post_webhook(message)


def send_email(message: OutboxMessage) -> None:
    config = current_app.config
    if not config["SMTP_HOST"]:
        raise RuntimeError("SMTP_HOST is not set")
    mail = EmailMessage()
    mail["From"] = config["SMTP_FROM"]
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    # the same id on every attempt: a receiver can drop a copy sent again after a crash
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    mail.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT_SECONDS) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(mail)


def post_webhook(message: OutboxMessage) -> None:
    """企业微信 and 钉钉 group robots take the same text message shape."""
    payload = {"msgtype": "text", "text": {"content": message.body}}
    request = urllib.request.Request(  # noqa: S310 - the URL is the administrator's setting
        message.recipient,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        answer = response.read(65536)
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except ValueError:
        errcode = 0
    if errcode:
        raise RuntimeError(f"robot refused: {answer[:500]!r}")
