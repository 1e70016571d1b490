"""A security event: who did what, from where, when, and whether it worked.

The table is append-only in the database (migration 0018): an UPDATE is always refused, a
DELETE is refused for events younger than KEEP_DAYS_LEAST, so that the trail can neither be
edited nor cut short from the application, only pruned of old events.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.config import AUDIT_KEEP_DAYS_LEAST as KEEP_DAYS_LEAST
from ticketing.db import Base, utcnow

# KEEP_DAYS_LEAST: the database refuses to delete younger events (migration 0018's triggers)
__all__ = ["KEEP_DAYS_LEAST", "Kind", "SecurityEvent"]


class Kind(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCKED_OUT = "locked_out"
    UNLOCKED = "unlocked"
    SIGN_OUT = "sign_out"
    SESSION_ENDED = "session_ended"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_CHANGED = "account_changed"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    SETTINGS_CHANGED = "settings_changed"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    WEBHOOK_CHANGED = "webhook_changed"
    EXPORT = "export"
    IMPORT = "import"
    LOG_PRUNED = "log_pruned"
    ACCESS_REFUSED = "access_refused"
    FORGED_REQUEST = "forged_request"
    THROTTLED = "throttled"


KIND_LABELS = {
    Kind.SIGN_IN: _l("Signed in"),
    Kind.SIGN_IN_FAILED: _l("Sign-in failed"),
    Kind.LOCKED_OUT: _l("Locked out"),
    Kind.UNLOCKED: _l("Unlocked"),
    Kind.SIGN_OUT: _l("Signed out"),
    Kind.SESSION_ENDED: _l("Sign-in ended"),
    Kind.PASSWORD_CHANGED: _l("Password changed"),
    Kind.PASSWORD_RESET_REQUESTED: _l("Password reset asked for"),
    Kind.PASSWORD_RESET: _l("Password reset"),
    Kind.TWO_FACTOR_ENABLED: _l("Sign-in code turned on"),
    Kind.TWO_FACTOR_DISABLED: _l("Sign-in code turned off"),
    Kind.ACCOUNT_CREATED: _l("Account created"),
    Kind.ACCOUNT_CHANGED: _l("Account changed"),
    Kind.ACCOUNT_DISABLED: _l("Account disabled"),
    Kind.ACCOUNT_ENABLED: _l("Account enabled"),
    Kind.SETTINGS_CHANGED: _l("Settings changed"),
    Kind.TOKEN_CREATED: _l("API token created"),
    Kind.TOKEN_REVOKED: _l("API token revoked"),
    Kind.WEBHOOK_CHANGED: _l("Webhook changed"),
    Kind.EXPORT: _l("Data exported"),
    Kind.IMPORT: _l("Data imported"),
    Kind.LOG_PRUNED: _l("Old security events deleted"),
    Kind.ACCESS_REFUSED: _l("Access refused"),
    Kind.FORGED_REQUEST: _l("Form without a valid token"),
    Kind.THROTTLED: _l("Too many requests"),
}

SUCCESS = "success"
FAILURE = "failure"
OUTCOMES = (SUCCESS, FAILURE)
OUTCOME_LABELS = {SUCCESS: _l("Succeeded"), FAILURE: _l("Failed")}

LOGIN_MAX = 60
ADDRESS_MAX = 64
DETAIL_MAX = 2000


class SecurityEvent(Base):
    """One event of the security log. `user_id` is whom it is about (None: a login nobody
    has), `login` the login typed or that person's (kept as text: the trail outlives a renamed
    account), `actor_id` the administrator who did it when that is someone else."""

    __tablename__ = "security_event"
    __table_args__ = (
        CheckConstraint("outcome IN ('success', 'failure')", name="outcome"),
        Index("ix_security_event_at", "at", "id"),
        Index("ix_security_event_user_at", "user_id", "at"),
        Index("ix_security_event_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    login: Mapped[str] = mapped_column(String(LOGIN_MAX), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    kind: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10), default=SUCCESS)
    detail: Mapped[str] = mapped_column(Text, default="")
