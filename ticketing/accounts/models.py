"""Users, the roles they hold, their enterprises and their expert profile."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    cast,
    event,
    false,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ticketing.db import Base, utcnow
from ticketing.orgs.models import Enterprise, University


class Role(StrEnum):
    ADMIN = "admin"
    COMMISSIONER = "commissioner"
    LIAISON = "liaison"
    EXPERT = "expert"


ROLE_LABELS = {
    Role.ADMIN: _l("Zone administrator"),
    Role.COMMISSIONER: _l("Tech commissioner"),
    Role.LIAISON: _l("University liaison"),
    Role.EXPERT: _l("Expert"),
}

commissioner_enterprise = Table(
    "commissioner_enterprise",
    Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'commissioner', 'liaison', 'expert')", name="known_role"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(Base):
    __tablename__ = "user"
    # one login per person whatever its case: "Admin" cannot sit beside "admin"
    __table_args__ = (Index("uq_user_login_lower", func.lower(text("login")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    university_id: Mapped[int | None] = mapped_column(ForeignKey("university.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # set when an administrator gave a new password: the person must choose their own
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # the second factor (accounts/twofactor.py): a TOTP secret, and the last time step used,
    # so that a code works once
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    # when the password was last set (PASSWORD_MAX_AGE_DAYS asks for a new one after that long)
    password_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Roles and enterprises can come with the person's own row, in the same statement: the
    # signed-in user (every request) is loaded with them (accounts.signins.load). For
    # the people a page only names (filer, expert, authors) they are left out, and read on
    # first use.
    role_list: Mapped[str | None] = column_property(
        select(func.aggregate_strings(RoleGrant.role, ","))
        .where(RoleGrant.user_id == id)
        .correlate_except(RoleGrant)
        .scalar_subquery(),
        deferred=True,
    )
    enterprise_list: Mapped[str | None] = column_property(
        select(func.aggregate_strings(cast(commissioner_enterprise.c.enterprise_id, String), ","))
        .where(commissioner_enterprise.c.user_id == id)
        .correlate_except(commissioner_enterprise)
        .scalar_subquery(),
        deferred=True,
    )

    grants: Mapped[list[RoleGrant]] = relationship(cascade="all, delete-orphan")
    enterprises: Mapped[list[Enterprise]] = relationship(
        secondary=commissioner_enterprise, order_by=Enterprise.name
    )
    university: Mapped[University | None] = relationship()
    expert_profile: Mapped[ExpertProfile | None] = relationship(
        cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[str]:
        if "grants" in inspect(self).dict:  # changed or loaded in this session: the truth
            return frozenset(grant.role for grant in self.grants)
        return frozenset(self.role_list.split(",")) if self.role_list else frozenset()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def enterprise_ids(self) -> frozenset[int]:
        if "enterprises" in inspect(self).dict:
            return frozenset(enterprise.id for enterprise in self.enterprises)
        return (
            frozenset(int(i) for i in self.enterprise_list.split(","))
            if self.enterprise_list
            else frozenset()
        )

    # Flask-Login: the id names this device's sign-in (accounts.signins), set when the sign-in
    # begins or is loaded; the person's session token changes when the password changes or
    # the account is disabled, which ends every sign-in.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        key = getattr(self, "sign_in_key", "")
        if not key:
            raise RuntimeError("a sign-in begins with accounts.signins.start()")
        return str(key)


class ExpertProfile(Base):
    __tablename__ = "expert_profile"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(60), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(default=5)
    # when a liaison last gave them a ticket: the assignment picker shows who waited longest
    last_assigned_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="expert_profile")


class PasswordReset(Base):
    """A one-time password reset link sent by e-mail: only the token's hash is kept."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class SignIn(Base):
    """One sign-in on one device, kept on the server: the session cookie (and the "keep me
    signed in" cookie) carry its id and a secret whose hash only is kept here. Signing out
    deletes the row, so a copied cookie opens nothing afterwards; a password change or a
    disabled account ends every sign-in at once (`user_token` no longer matches)."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    # the person's session token when the sign-in began (see User.session_token)
    user_token: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    address: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    @property
    def device_name(self) -> str:
        """The browser and system the sign-in came from, in short ("Chrome · Android")."""
        agent = self.agent
        browser = next((name for key, name in _BROWSERS if key in agent), "")
        system = next((name for key, name in _SYSTEMS if key in agent), "")
        return " · ".join(part for part in (browser, system) if part)


# looked for in this order in a User-Agent header (Edge and WeChat also say "Chrome")
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("DingTalk", "DingTalk"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


@event.listens_for(User.password_hash, "set")
def _note_password_change(user: User, value: str, old: object, _initiator: object) -> None:
    """Whoever sets a password (the person, a reset, an administrator, an import), its date is
    noted (a sign-in that upgrades the hash of the same password puts the date back)."""
    if value:
        user.password_changed_at = utcnow()
