"""Sign-ins kept on the server, one per device: how a session begins, is checked on every
request, and ends.

The cookie carries `s<id>.<secret>`; the database keeps the secret's SHA-256 only. On every
request the person and their sign-in are read in one statement, and the sign-in must still
exist, belong to the person's current session token (a password change or a disabled account
ends every sign-in), and be within its limits:

- an ordinary sign-in ends after SESSION_IDLE_MINUTES without a request (30 by default) and
  in any case SESSION_HOURS after it began (12);
- a "keep me signed in" sign-in ends REMEMBER_DAYS after it began (14), whatever the cookie
  says, and is not ended by idleness (that is what the person asked for; a zone that does not
  want it sets REMEMBER_ALLOWED=0 and the box disappears).

Signing out deletes the row, so a copied cookie opens nothing afterwards. The time of the
last request is written at most once a minute (`TOUCH_SECONDS`), after the response is made,
so a page costs no extra statement most of the time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import undefer

from ticketing import db, permissions
from ticketing.accounts.models import SignIn, User

TOUCH_SECONDS = 60


def clock() -> datetime:
    """The real time: sessions are not moved by the demo's or the tests' frozen clock (a
    replay test moves this one)."""
    return datetime.now(UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _limits(sign_in: SignIn) -> tuple[timedelta | None, timedelta]:
    """(idle limit or None, absolute limit) of a sign-in."""
    config = current_app.config
    if sign_in.remember:
        return None, timedelta(days=config["REMEMBER_DAYS"])
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(
        hours=config["SESSION_HOURS"]
    )


def is_live(sign_in: SignIn, now: datetime | None = None) -> bool:
    now = now or clock()
    idle, absolute = _limits(sign_in)
    if now - sign_in.created_at > absolute:
        return False
    return idle is None or now - sign_in.last_seen_at <= idle


def start(user: User, *, remember: bool, address: str = "", agent: str = "") -> SignIn:
    """Begin a sign-in for `user` on this device; the caller then calls login_user(user)."""
    now = clock()
    _forget_dead(user, now)
    secret = secrets.token_urlsafe(32)
    sign_in = SignIn(
        user_id=user.id,
        secret_hash=_hash(secret),
        user_token=user.session_token,
        remember=bool(remember and current_app.config["REMEMBER_ALLOWED"]),
        created_at=now,
        last_seen_at=now,
        address=address[:64],
        agent=agent[:200],
    )
    db.session.add(sign_in)
    db.session.flush()
    user.sign_in_key = f"s{sign_in.id}.{secret}"  # type: ignore[attr-defined]
    user.sign_in_id = sign_in.id  # type: ignore[attr-defined]
    return sign_in


def keep_after_password_change(user: User) -> None:
    """The password changed (a new session token): every other device is signed out, this
    one goes on."""
    current = getattr(user, "sign_in_id", None)
    db.session.execute(
        update(SignIn).where(SignIn.id == current).values(user_token=user.session_token)
    )
    db.session.execute(delete(SignIn).where(SignIn.user_id == user.id, SignIn.id != current))


# built once: the person and this device's sign-in, with roles and enterprises, in one statement
_SIGNED_IN = (
    select(User, SignIn)
    .join(SignIn, SignIn.user_id == User.id)
    .options(undefer(User.role_list), undefer(User.enterprise_list))
)


def load(key: str) -> User | None:
    """Flask-Login's loader: the person of a live sign-in, or None."""
    head, _, secret = key.partition(".")
    if not head.startswith("s") or not head[1:].isdigit() or not secret or len(head) > 12:
        return None
    row = db.session.execute(_SIGNED_IN.where(SignIn.id == int(head[1:]))).one_or_none()
    if row is None:
        return None
    user, sign_in = row
    if not hmac.compare_digest(sign_in.secret_hash, _hash(secret)):
        return None
    now = clock()
    if not user.active or sign_in.user_token != user.session_token or not is_live(sign_in, now):
        return None
    user.sign_in_key = key  # type: ignore[attr-defined]
    user.sign_in_id = sign_in.id  # type: ignore[attr-defined]
    if has_request_context() and (now - sign_in.last_seen_at).total_seconds() >= TOUCH_SECONDS:
        g.sign_in_touch = sign_in.id
    return user


def touch_after_request(response):  # type: ignore[no-untyped-def]
    """Write the time of this request on the sign-in (at most once a minute), after the
    view's own work is committed or rolled back."""
    sign_in_id = g.pop("sign_in_touch", None)
    if sign_in_id is not None and response.status_code < 500:
        try:
            # what the view did not commit is dropped here, as the session's close would
            db.session.rollback()
            db.session.execute(
                update(SignIn).where(SignIn.id == sign_in_id).values(last_seen_at=clock())
            )
            db.session.commit()
        except Exception:  # a busy database must not turn a good page into an error
            db.session.rollback()
            current_app.logger.warning("could not note the time of sign-in %s", sign_in_id)
    return response


def end(sign_in_id: int, user: User) -> bool:
    """End one of `user`'s sign-ins (sign-out, or from the sign-ins page)."""
    result = db.session.execute(
        delete(SignIn).where(SignIn.id == sign_in_id, SignIn.user_id == user.id)
    )
    return bool(result.rowcount)


def end_all(user: User, *, keep: int | None = None) -> int:
    """End every sign-in of `user` (an administrator's action, or "sign out everywhere else"
    with `keep` the current one); returns how many were live."""
    live = sum(1 for sign_in in active(user) if sign_in.id != keep)
    statement = delete(SignIn).where(SignIn.user_id == user.id)
    if keep is not None:
        statement = statement.where(SignIn.id != keep)
    db.session.execute(statement)
    return live


def end_everywhere(person: User, actor: User) -> int:
    """An administrator signs a person out on every device."""
    permissions.require_admin(actor, _l("Only zone administrators manage users."))
    return end_all(person)


def active(user: User) -> list[SignIn]:
    """The person's live sign-ins, most recent first."""
    now = clock()
    rows = db.session.scalars(
        select(SignIn)
        .where(SignIn.user_id == user.id, SignIn.user_token == user.session_token)
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
    )
    return [s for s in rows if is_live(s, now)]


def _forget_dead(user: User, now: datetime) -> None:
    """Delete the person's sign-ins that can no longer be used (at each new sign-in)."""
    config = current_app.config
    oldest_kept = now - timedelta(days=config["REMEMBER_DAYS"])
    oldest = now - timedelta(hours=config["SESSION_HOURS"])
    idle = now - timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    db.session.execute(
        delete(SignIn).where(
            SignIn.user_id == user.id,
            or_(
                SignIn.user_token != user.session_token,
                SignIn.created_at < oldest_kept,
                (SignIn.remember.is_(False))
                & ((SignIn.created_at < oldest) | (SignIn.last_seen_at < idle)),
            ),
        )
    )


def prune() -> int:
    """Delete every sign-in past its longest possible life (`flask prune-sign-ins`)."""
    config = current_app.config
    oldest = clock() - timedelta(days=config["REMEMBER_DAYS"])
    result = db.session.execute(delete(SignIn).where(SignIn.last_seen_at < oldest))
    return int(result.rowcount or 0)


def device() -> tuple[str, str]:
    """(address, browser) of the current request, for the sign-ins page."""
    if not has_request_context():
        return "", ""
    return request.remote_addr or "", request.headers.get("User-Agent", "")[:200]
