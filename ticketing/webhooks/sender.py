"""Sending one delivery (an outbox row of channel 'hook'), called by the outbox worker.

The body was fixed when the event happened; the request is a POST of it with
X-Ticketing-Event, X-Ticketing-Delivery (the outbox id), X-Ticketing-Timestamp (Unix seconds)
and X-Ticketing-Signature: sha256=<hex HMAC-SHA256 of "timestamp.body" with the hook's
secret>. A 2xx answer is delivered; anything else (a redirect is never followed), a timeout
or a refused connection raises, and the worker retries with its backoff. Each try is kept in
webhook_attempt with the status, a short excerpt of the answer and the error."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import time

from flask import current_app

from ticketing import db
from ticketing.notify.models import OutboxMessage
from ticketing.webhooks import guard
from ticketing.webhooks.models import Webhook, WebhookAttempt

RESPONSE_CAP = 64 * 1024  # read no more of an answer than this
EXCERPT = 500  # characters of the answer kept for the delivery log
USER_AGENT = "ticketing-webhooks/1"


class DeliveryFailed(RuntimeError):
    """The receiver did not take the delivery; the worker retries it later."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value; receivers compute the same and compare."""
    digest = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    )
    return "sha256=" + digest.hexdigest()


def deliver(message: OutboxMessage) -> None:
    """POST the delivery to its hook's URL; raise DeliveryFailed unless the answer is 2xx."""
    hook = db.session.get(Webhook, message.webhook_id)
    if hook is None:
        raise DeliveryFailed("the webhook was deleted")
    body = message.body.encode("utf-8")
    timestamp = str(int(db.utcnow().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Ticketing-Event": message.subject,
        "X-Ticketing-Delivery": str(message.id),
        "X-Ticketing-Timestamp": timestamp,
        "X-Ticketing-Signature": sign(hook.secret, timestamp, body),
    }
    attempt = WebhookAttempt(outbox_id=message.id, at=db.utcnow(), response="", error="")
    db.session.add(attempt)
    started = time.monotonic()
    try:
        target = guard.check(hook.url)
        status, answer = _post(target, headers, body)
    except guard.UnsafeUrl as unsafe:
        attempt.error = f"refused: {unsafe}"[:EXCERPT]
        raise DeliveryFailed(attempt.error) from None
    except (OSError, http.client.HTTPException) as error:  # refused, timed out, cut off
        attempt.error = f"{type(error).__name__}: {error}"[:EXCERPT]
        raise DeliveryFailed(attempt.error) from None
    finally:
        attempt.elapsed_ms = int((time.monotonic() - started) * 1000)
    attempt.status_code = status
    attempt.response = answer[:EXCERPT]
    if not 200 <= status < 300:
        reason = "redirect not followed" if 300 <= status < 400 else "not accepted"
        attempt.error = f"HTTP {status}: {reason}"
        raise DeliveryFailed(attempt.error)


def _post(target: guard.Target, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    timeout = current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
    kind = _TLSConnection if target.scheme == "https" else _Connection
    connection = kind(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        answer = _read_capped(response, time.monotonic() + timeout)
        return response.status, answer.decode("utf-8", "replace")
    finally:
        connection.close()


def _read_capped(response: http.client.HTTPResponse, deadline: float) -> bytes:
    """At most RESPONSE_CAP bytes, and no longer than the timeout even if it trickles."""
    chunks: list[bytes] = []
    size = 0
    while size < RESPONSE_CAP and time.monotonic() < deadline:
        chunk = response.read1(min(8192, RESPONSE_CAP - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class _Connection(http.client.HTTPConnection):
    """Connects to the address the guard checked, not to what the name resolves to now."""

    def __init__(self, target: guard.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.checked_address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.checked_address, self.port), self.timeout)


class _TLSConnection(http.client.HTTPSConnection):
    """As _Connection, with TLS verified against the host name (SNI and certificate)."""

    def __init__(self, target: guard.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.checked_address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self.checked_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
