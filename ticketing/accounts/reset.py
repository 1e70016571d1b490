"""Password resets: a one-time link by e-mail when the server can send mail, otherwise a new
password an administrator gives (shown once; the person must choose their own at sign-in).

Only a hash of the link's token is stored; a link works once, for an hour, and a new
password signs out every device (the session token changes)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ticketing import db, permissions
from ticketing.accounts.models import PasswordReset, User, new_session_token
from ticketing.accounts.services import check_password_rules, hash_password
from ticketing.errors import RuleViolation
from ticketing.notify.models import OutboxMessage

LINK_LIFETIME = timedelta(hours=1)


def mail_is_on() -> bool:
    return bool(current_app.config["SMTP_HOST"])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(login: str) -> None:
    """E-mail a one-time link to the active person with this login, if they have an address.
    Says nothing either way (the page's answer is the same), so logins cannot be probed."""
    if not mail_is_on():
        raise RuleViolation(None, _l("E-mail is not set up: ask an administrator."))
    person = db.session.scalar(
        select(User).where(func.lower(User.login) == (login or "").strip().lower()[:60])
    )
    if person is None or not person.active or not person.email:
        return
    token = secrets.token_urlsafe(32)
    now = db.utcnow()
    db.session.execute(  # an older link stops working when a new one is asked for
        update(PasswordReset)
        .where(PasswordReset.user_id == person.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.add(
        PasswordReset(user_id=person.id, token_hash=_digest(token), expires_at=now + LINK_LIFETIME)
    )
    link = f"{current_app.config['BASE_URL']}/password/reset/{token}"
    with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Reset your password")
        body = "\n\n".join(
            [
                _("Someone asked to reset the password of %(login)s.", login=person.login),
                _("Choose a new password within an hour: %(link)s", link=link),
                _("If it was not you, ignore this message; your password stays as it is."),
            ]
        )
    db.session.add(
        OutboxMessage(channel="email", recipient=person.email, subject=subject, body=body)
    )
    db.session.flush()


def _valid_reset(token: str) -> PasswordReset | None:
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _digest(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= db.utcnow():
        return None
    return reset if reset.user.active else None


def link_works(token: str) -> bool:
    return _valid_reset(token) is not None


def reset_with_link(token: str, new: str) -> User:
    """Set the password of the link's owner; the link is used up."""
    reset = _valid_reset(token)
    if reset is None:
        raise RuleViolation(None, _l("This link has expired or was used. Ask for a new one."))
    person = reset.user
    check_password_rules(new or "", "new", login=person.login, name=person.name, email=person.email)
    person.password_hash = hash_password(new)
    person.session_token = new_session_token()
    person.must_change_password = False
    reset.used_at = db.utcnow()
    db.session.flush()
    return person


def one_time_password() -> str:
    """A random first password that an administrator hands over once (a reset, an import);
    the person must change it at their next sign-in."""
    return secrets.token_urlsafe(9)


def give_new_password(person: User, actor: User) -> str:
    """An administrator's reset: a random password, returned to be shown once; the person
    must change it at their next sign-in, and every device of theirs is signed out."""
    permissions.require_admin(actor, _l("Only administrators may reset passwords."))
    password = one_time_password()
    person.password_hash = hash_password(password)
    person.session_token = new_session_token()
    person.must_change_password = True
    db.session.flush()
    return password
