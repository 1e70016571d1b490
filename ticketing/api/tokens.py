"""Personal access tokens: created and revoked by their owner, checked on every API call.

The secret is 256 bits from the CSPRNG, shown once; the database keeps its SHA-256 (a random
secret needs no slow hash) and a short prefix, so the list can tell tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, undefer

from ticketing import db
from ticketing.accounts.models import User
from ticketing.api.models import ApiToken
from ticketing.audit import services as audit
from ticketing.audit.models import Kind
from ticketing.errors import NotAllowed, NotFound, RuleViolation
from ticketing.values import clean_text, row_id

SCHEME = "tkt_"
PREFIX_LENGTH = 12
NAME_MAX = 60
EXPIRY_DAYS = (30, 90, 365)  # or none
MOST_PER_USER = 50
USE_PRECISION = timedelta(hours=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor: User, *, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `actor`; the secret is returned here and never again."""
    if not actor.is_active:
        raise NotAllowed(_l("This account is disabled."))
    name = clean_text("name", name, limit=NAME_MAX, line=True)
    if days is not None and days not in EXPIRY_DAYS:
        raise RuleViolation("days", _l("Choose one from the list."))
    if len(tokens_of(actor)) >= MOST_PER_USER:
        raise RuleViolation("name", _l("Revoke a token before creating another."))
    secret = SCHEME + secrets.token_urlsafe(32)
    now = db.utcnow()
    token = ApiToken(
        user_id=actor.id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(Kind.TOKEN_CREATED, user=actor, detail=_described(token))
    return token, secret


def revoke_token(actor: User, token_id: object) -> ApiToken:
    """The owner revokes one of their tokens (at once: the next call with it is refused)."""
    wanted = row_id(token_id)
    token = db.session.get(ApiToken, wanted) if wanted else None
    if token is None or token.user_id != actor.id:
        raise NotFound(_l("Token not found"))
    if token.revoked_at is None:
        token.revoked_at = db.utcnow()
        audit.record(Kind.TOKEN_REVOKED, user=actor, detail=_described(token))
    return token


def _described(token: ApiToken) -> str:
    """How the log names a token: its id, name, prefix and expiry (never the secret)."""
    expires = f", expires {token.expires_at:%Y-%m-%d}" if token.expires_at else ""
    return f"token {token.id} “{token.name}” ({token.prefix}…{expires})"


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens that are not revoked, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(db.session.scalars(query))


def note_use(token: ApiToken) -> bool:
    """Remember when the token was last used, to the hour (so that a busy program costs one
    write an hour, not one a call); True if that needs a commit."""
    now = db.utcnow()
    if token.last_used_at is not None and now - token.last_used_at < USE_PRECISION:
        return False
    token.last_used_at = now
    return True


def authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret, with its user loaded; None if unknown, revoked,
    expired or its user is disabled."""
    if not secret.startswith(SCHEME) or len(secret) > 100:
        return None
    query = (
        select(ApiToken)
        .where(ApiToken.token_hash == digest(secret))
        .options(
            # the person with their roles and enterprises, in the same statement
            joinedload(ApiToken.user).options(
                undefer(User.role_list), undefer(User.enterprise_list)
            )
        )
    )
    token = db.session.scalars(query).one_or_none()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= db.utcnow():
        return None
    return token
