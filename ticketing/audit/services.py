"""Writing the security log: `record` in the caller's transaction, `record_now` on its own.

`record(kind, user=…)` adds the event to the current session: it is committed with the change
it describes (writes.run commits once), and a change that rolls back leaves no event.
`record_now(kind, …)` is for what must be kept even though the request rolls back or never
commits (a refused sign-in, a download): the event is written in a short transaction of its
own, at once when the request's session holds none, else as soon as that one ends (commit,
roll back or close). Waiting for it matters on SQLite, where a second writer would wait for the
request's write lock, and in the tests, where both share one connection.

Both read the client's address from the request when there is one (a command has none).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import delete, event, insert
from sqlalchemy.orm import Session, SessionTransaction

from ticketing import db
from ticketing.audit.models import (
    ADDRESS_MAX,
    DETAIL_MAX,
    FAILURE,
    KEEP_DAYS_LEAST,
    LOGIN_MAX,
    OUTCOMES,
    SUCCESS,
    Kind,
    SecurityEvent,
)
from ticketing.errors import RuleViolation

log = logging.getLogger(__name__)
PENDING = "security_events_pending"


def record(
    kind: Kind | str,
    *,
    user: Any = None,
    login: str | None = None,
    actor: Any = None,
    outcome: str = SUCCESS,
    detail: str = "",
) -> SecurityEvent:
    """Add an event to the current transaction (no commit: the caller's request commits)."""
    values = _values(kind, user=user, login=login, actor=actor, outcome=outcome, detail=detail)
    row = SecurityEvent(**values)
    db.session.add(row)
    return row


def record_now(
    kind: Kind | str,
    *,
    user: Any = None,
    login: str | None = None,
    actor: Any = None,
    outcome: str = SUCCESS,
    detail: str = "",
) -> None:
    """Write an event in a transaction of its own, kept whatever the request does next."""
    values = _values(kind, user=user, login=login, actor=actor, outcome=outcome, detail=detail)
    factory = db.state().factory
    session = db.session
    if session.in_transaction():
        session.info.setdefault(PENDING, []).append((factory, values))
    else:
        _write(factory, [values])


def note_refusals(response: Any) -> Any:
    """After each request: a form without a valid CSRF token, a refused permission (403) and a
    throttled request (429) go into the security log, with the path asked for."""
    if g.get("forged_request"):
        kind = Kind.FORGED_REQUEST
    elif response.status_code == 403:
        kind = Kind.ACCESS_REFUSED
    elif response.status_code == 429:
        kind = Kind.THROTTLED
    else:
        return response
    user = current_user if current_user and current_user.is_authenticated else None
    detail = f"{request.method} {request.path}"
    try:
        record_now(kind, user=user, outcome=FAILURE, detail=detail)
    except Exception:  # the refusal is answered whatever happens to its note
        log.exception("could not note a refusal in the security log")
    return response


def prune(days: int) -> int:
    """Delete the events older than `days` (at least KEEP_DAYS_LEAST); returns how many."""
    if days < KEEP_DAYS_LEAST:
        raise RuleViolation(
            "days", _l("Security events are kept at least %(n)d days.", n=KEEP_DAYS_LEAST)
        )
    cutoff = db.utcnow() - timedelta(days=days)
    result = db.session.execute(delete(SecurityEvent).where(SecurityEvent.at < cutoff))
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    record(Kind.LOG_PRUNED, detail=f"{count} events older than {days} days deleted")
    return count


def _values(
    kind: Kind | str,
    *,
    user: Any,
    login: str | None,
    actor: Any,
    outcome: str,
    detail: str,
) -> dict[str, Any]:
    """The event's columns, read now (before any transaction of its own begins)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    user_id = getattr(user, "id", None) if user is not None else None
    if login is None:
        login = getattr(user, "login", "") if user_id is not None else ""
    actor_id = getattr(actor, "id", None) if actor is not None else None
    return {
        "at": db.utcnow(),
        "kind": str(Kind(kind)),
        "user_id": user_id,
        "login": " ".join(str(login).split())[:LOGIN_MAX],
        "actor_id": actor_id if actor_id != user_id else None,
        "address": (get_remote_address() or "")[:ADDRESS_MAX] if has_request_context() else "",
        "outcome": outcome,
        "detail": str(detail)[:DETAIL_MAX],
    }


def _write(factory: Any, rows: list[dict[str, Any]]) -> None:
    with factory() as own, own.begin():
        own.execute(insert(SecurityEvent), rows)


@event.listens_for(Session, "after_transaction_end")
def _write_pending(session: Session, transaction: SessionTransaction) -> None:
    """The request's transaction is over (its connection given back): write what waited."""
    if transaction.parent is not None or PENDING not in session.info:
        return
    waiting = session.info.pop(PENDING)
    try:
        for factory, values in waiting:
            _write(factory, [values])
    except Exception:
        log.exception("%d security events could not be written", len(waiting))
