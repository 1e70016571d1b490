"""Failed sign-ins counted per account, whatever the address, with a lock-out that ends by
itself and that an administrator can lift.

The counters live in the rate limiter's storage (Redis in production, so every worker on
every machine counts the same; see config.RATELIMIT_STORAGE_URI) in a moving window: at most
LOGIN_ACCOUNT_LIMIT failures ("10 per 15 minutes"), after which the login is refused, right
password or not, until the window has room again. An unknown login is counted and answered
exactly like a known one.

So that a stranger's guesses cannot keep a person out, a browser that signed in successfully
before carries a signed device cookie for that login (OWASP's "device cookies"); its attempts
are counted on their own counter, not the account's. A thief of that cookie is still held to
the same limit on it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import current_app, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from limits.strategies import MovingWindowRateLimiter
from werkzeug.wrappers import Response

from ticketing.web import limiter

DEVICE_COOKIE = "ticketing_device"
DEVICE_DAYS = 365


def enabled() -> bool:
    return bool(current_app.config["RATELIMIT_ENABLED"])


def _strategy() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def _item():  # type: ignore[no-untyped-def]
    return parse(current_app.config["LOGIN_ACCOUNT_LIMIT"])


def _norm(login: str) -> str:
    return (login or "").strip().lower()[:60]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def _device(login: str) -> str | None:
    """The nonce of this browser's device cookie, if it was issued for this login."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        owner, nonce = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(nonce) if owner == _norm(login) else None


def _keys(login: str) -> tuple[str, str]:
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    nonce = _device(login)
    if nonce:
        return prefix, f"sign-in/device/{nonce}"
    return prefix, f"sign-in/account/{_norm(login)}"


def _account_keys(login: str) -> tuple[str, str]:
    return current_app.config["RATELIMIT_KEY_PREFIX"], f"sign-in/account/{_norm(login)}"


def locked_for(login: str) -> int:
    """Seconds until this login may be tried again from this browser (0: it may now)."""
    if not enabled():
        return 0
    strategy, item, keys = _strategy(), _item(), _keys(login)
    if strategy.test(item, *keys):
        return 0
    reset_at = strategy.get_window_stats(item, *keys).reset_time
    return max(1, int(reset_at - datetime.now(UTC).timestamp()) + 1)


def failed(login: str) -> bool:
    """Count a failed attempt; True when this one used up the limit (the lock-out begins)."""
    if not enabled():
        return False
    strategy, item, keys = _strategy(), _item(), _keys(login)
    strategy.hit(item, *keys)
    return strategy.get_window_stats(item, *keys).remaining == 0


def failures(login: str) -> tuple[int, int]:
    """(failures in the window, seconds until the account's lock-out ends or 0), for the
    administrator's page."""
    if not enabled():
        return 0, 0
    strategy, item, keys = _strategy(), _item(), _account_keys(login)
    stats = strategy.get_window_stats(item, *keys)
    used = item.amount - stats.remaining
    if stats.remaining > 0:
        return used, 0
    return used, max(1, int(stats.reset_time - datetime.now(UTC).timestamp()) + 1)


def lift(login: str) -> None:
    """An administrator lifts the lock-out: the account's failures are forgotten."""
    if enabled():
        _strategy().clear(_item(), *_account_keys(login))


def remember_device(response: ResponseReturnValue, login: str) -> ResponseReturnValue:
    """After a successful sign-in: this browser's later attempts for this login are counted
    apart from strangers' (see the module's note)."""
    if isinstance(response, Response):
        value = _serializer().dumps([_norm(login), _device(login) or secrets.token_urlsafe(16)])
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
