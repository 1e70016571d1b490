"""The optional second factor: a six-digit code from an authenticator app (TOTP, RFC 6238,
with pyotp), asked after the password.

A code is accepted within one 30-second step either side of the server's clock, and only
once: the step it belongs to is kept, and an older or equal step is refused, so a code seen
over someone's shoulder cannot be replayed. Wrong codes count against the login's failed
sign-ins (accounts/throttle.py) like wrong passwords, so six digits cannot be tried through.
Administrators are required to use it when ADMIN_TWO_FACTOR is on.
"""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ticketing import db, permissions
from ticketing.accounts.models import User
from ticketing.errors import NotAllowed, RuleViolation

WRONG_CODE = _l("That code is not right. Check that the time on your phone is correct.")


def clock() -> float:
    return time.time()


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(secret: str, login: str, issuer: str) -> Markup:
    """The enrolment QR code as inline SVG (no script, no request to anyone)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=issuer or "ticketing")
    return Markup(segno.make(uri, error="m").svg_inline(scale=4))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _step_of(secret: str, code: str) -> int | None:
    """The time step (within one either side of now) whose code this is, or None."""
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(clock())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enable(user: User, actor: User, *, secret: str, code: str) -> None:
    """Turn the second factor on, once the person proved their app shows the right codes."""
    if actor.id != user.id:
        raise NotAllowed(_l("You can only change your own sign-in."))
    if len(secret or "") not in (32,) or not secret.isalnum():
        raise RuleViolation(None, _l("Start again: the page was open too long."))
    step = _step_of(secret, code)
    if step is None:
        raise RuleViolation("code", WRONG_CODE)
    user.totp_secret, user.totp_last_step = secret, step
    db.session.flush()


def use_code(user: User, code: str) -> bool:
    """At sign-in: is this a fresh, right code? A code works once."""
    if not user.totp_secret:
        return False
    step = _step_of(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def disable(user: User, actor: User, *, code: str = "") -> None:
    """Turn it off: the person with a current code, or an administrator for someone who lost
    their phone."""
    if actor.id == user.id:
        if not use_code(user, code):
            raise RuleViolation("code", WRONG_CODE)
    else:
        permissions.require_admin(actor, _l("Only zone administrators manage users."))
    user.totp_secret, user.totp_last_step = None, None
    db.session.flush()
