"""Accounts: password hashing, sign-in checks, creating and changing users."""

from __future__ import annotations

import contextlib
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from ticketing import db, permissions
from ticketing.accounts import passwords
from ticketing.accounts.models import ExpertProfile, Role, RoleGrant, User, new_session_token
from ticketing.errors import NotAllowed, RuleViolation
from ticketing.orgs.models import Enterprise, University
from ticketing.values import row_id, whole_number
from ticketing.writes import explain_unique

LOCALES = ("zh", "en")
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_STRONG = PasswordHasher()


def _hasher() -> PasswordHasher:
    return _FAST if current_app.config.get("PASSWORD_HASH_FAST") else _STRONG


def hash_password(password: str, *, quick: bool = False) -> str:
    """A password's hash; `quick` for a password that protects nothing (the demo's, printed
    on screen): the first sign-in replaces such a hash with a strong one."""
    return (_FAST if quick else _hasher()).hash(password)


def check_password_rules(
    password: str, field: str = "password", *, login: str = "", name: str = "", email: str = ""
) -> None:
    """Refuse a weak new password (accounts/passwords.py says why) on `field`."""
    reason = passwords.problem(password, login=login, name=name, email=email)
    if reason is not None:
        raise RuleViolation(field, reason)


_DUMMY_HASH: str | None = None


def authenticate(login: str, password: str) -> User | None:
    """The active user with this login and password, or None (same work either way).

    The look-up ends its transaction before the password is verified, so the slow hash holds
    no lock (on SQLite a write request's transaction would hold the database's write lock).
    """
    global _DUMMY_HASH
    with db.reading():
        user = db.session.scalar(
            select(User)
            .where(func.lower(User.login) == login.strip().lower())
            .options(undefer(User.role_list), undefer(User.enterprise_list))
        )
        db.session.commit()
    hasher = _hasher()
    if user is None or not user.active:
        _DUMMY_HASH = _DUMMY_HASH or hasher.hash("not-a-real-password")
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        changed = user.password_changed_at  # the same password, only a stronger hash
        user.password_hash = hasher.hash(password)
        user.password_changed_at = changed
    return user


def change_password(user: User, actor: User, *, current: str, new: str) -> None:
    if actor.id != user.id:
        raise NotAllowed(_l("You can only change your own password."))
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise RuleViolation("current", _l("The current password is not right.")) from None
    check_password_rules(new, "new", login=user.login, name=user.name, email=user.email)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    user.must_change_password = False
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise RuleViolation("locale", _l("Unknown language."))
    user.locale = locale
    db.session.flush()


USER_FIELDS = (
    "login",
    "name",
    "email",
    "phone",
    "active",
    "roles",
    "university_id",
    "enterprise_ids",
    "password",
    "title",
    "expertise",
    "capacity",
    "locale",
)


def save_user(user: User | None, actor: User, **data: Any) -> User:
    """Create (user=None) or update a person with their roles and links (admins only)."""
    permissions.require_admin(actor, _l("Only zone administrators manage users."))
    if user is not None and user.id == actor.id:
        if Role.ADMIN not in set(data.get("roles") or ()):
            raise RuleViolation("roles", _l("You cannot remove your own administrator role."))
        if not data.get("active", True):
            raise RuleViolation("active", _l("You cannot disable your own account."))
    person = _store(user, data)
    if data.get("password") and person.id != actor.id:
        # a password an administrator chose is known to two people: the person replaces it
        person.must_change_password = True
    return person


def create_account(*, is_demo: bool = False, **data: Any) -> User:
    """A person created by the system itself: `flask create-admin`, the demo, imports.
    A demo account's password is public, so it is hashed quickly (see hash_password)."""
    user = _store(None, data, quick_hash=is_demo)
    user.is_demo = is_demo
    return user


def _store(user: User | None, data: dict[str, Any], quick_hash: bool = False) -> User:
    """Every creation and change of a person passes here: the same checks for every caller."""
    values = person_values(data)
    login, name, roles = values["login"], values["name"], values["roles"]
    clash = select(User.id).where(func.lower(User.login) == login.lower())
    if user is not None:
        clash = clash.where(User.id != user.id)
    if db.session.scalar(clash) is not None:
        raise RuleViolation("login", LOGIN_TAKEN)
    university_id = university_for(roles, data.get("university_id"))
    enterprises = _enterprises_for(roles, data.get("enterprise_ids") or ())
    password = data.get("password") or ""
    if user is None and not password:
        raise RuleViolation("password", _l("Set a first password for the person."))
    if user is None:
        user = User(login=login, name=name, password_hash="", created_at=db.utcnow())
        db.session.add(user)
    was_active = user.active is not False
    user.login, user.name = login, name
    user.email = str(data.get("email") or "").strip()[:200]
    user.phone = str(data.get("phone") or "").strip()[:40]
    user.active = bool(data.get("active", True))
    user.university_id = university_id
    user.enterprises = enterprises
    if data.get("locale") in LOCALES:
        user.locale = data["locale"]
    user.grants = [RoleGrant(role=str(role)) for role in sorted(roles)]
    if password:
        user.password_hash = hash_password(password, quick=quick_hash)
    if password or (was_active and not user.active):
        user.session_token = new_session_token()
    _save_profile(user, roles, data)
    db.session.flush()
    return user


def person_values(data: dict[str, Any]) -> dict[str, Any]:
    """A person's own fields checked, without the database: login, name, roles, the password
    if one is given, the expert's capacity. The rules every caller shares (the user form, the
    import's dry run)."""
    unknown = set(data) - set(USER_FIELDS)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    login = str(data.get("login") or "").strip()
    if not login or len(login) > 60 or any(ch.isspace() for ch in login):
        raise RuleViolation("login", _l("Choose a login without spaces, up to 60 characters."))
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 60:
        raise RuleViolation("name", _l("Enter the person's name (up to 60 characters)."))
    roles = set(data.get("roles") or ())
    if not roles or not roles <= set(Role):
        raise RuleViolation("roles", _l("Give the person at least one role."))
    if data.get("password"):
        check_password_rules(
            data["password"], login=login, name=name, email=str(data.get("email") or "")
        )
    if Role.EXPERT in roles:
        expert_capacity(data.get("capacity"))
    return {"login": login, "name": name, "roles": roles}


def expert_capacity(raw: Any) -> int:
    capacity = 5 if raw in (None, "") else whole_number(raw)
    if capacity is None:
        raise RuleViolation("capacity", _l("Enter a whole number."))
    if not 0 <= capacity <= 100:
        raise RuleViolation("capacity", _l("Capacity is between 0 and 100 open tickets."))
    return capacity


LOGIN_TAKEN = _l("This login is taken.")
explain_unique("uq_user_login", "login", LOGIN_TAKEN)
explain_unique("uq_user_login_lower", "login", LOGIN_TAKEN)


def university_for(roles: set[str], value: Any) -> int | None:
    needs = bool({Role.LIAISON, Role.EXPERT} & roles)
    if value in (None, "", 0, "0"):
        if needs:
            raise RuleViolation("university_id", _l("Liaisons and experts belong to a university."))
        return None
    wanted = row_id(value)
    university = db.session.get(University, wanted) if wanted else None
    if university is None:
        raise RuleViolation("university_id", _l("Choose one from the list."))
    return university.id if needs else None


def _enterprises_for(roles: set[str], ids: Any) -> list[Enterprise]:
    if Role.COMMISSIONER not in roles:
        return []
    if isinstance(ids, str | bytes) or not hasattr(ids, "__iter__"):
        raise RuleViolation("enterprise_ids", _l("Choose enterprises from the list."))
    wanted = {row_id(i) for i in ids}
    if None in wanted:
        raise RuleViolation("enterprise_ids", _l("Choose enterprises from the list."))
    found = list(db.session.scalars(select(Enterprise).where(Enterprise.id.in_(wanted))))
    if len(found) != len(wanted):
        raise RuleViolation("enterprise_ids", _l("Choose enterprises from the list."))
    return found


def _save_profile(user: User, roles: set[str], data: dict[str, Any]) -> None:
    if Role.EXPERT not in roles:
        user.expert_profile = None
        return
    profile = user.expert_profile or ExpertProfile()
    profile.title = str(data.get("title") or "").strip()[:60]
    profile.expertise = str(data.get("expertise") or "").strip()[:2000]
    profile.capacity = expert_capacity(data.get("capacity"))
    user.expert_profile = profile
