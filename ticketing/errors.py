"""Domain errors and how they map onto HTTP."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, g, has_request_context, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response

from ticketing import db


class DomainError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


class RuleViolation(DomainError):
    """Given data breaks a rule; `field` names the form field to attach the message to."""

    status = 422

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(DomainError):
    status = 403


class Conflict(DomainError):
    """The request met a state that no longer allows it; reloading shows why."""

    status = 409


class InvalidTransition(Conflict):
    pass


class StaleTicket(Conflict):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _l("Someone else changed this ticket meanwhile. Reload it and try again.")
        )


class NotFound(DomainError):
    status = 404


def apply_violation(form: Any, violation: RuleViolation) -> None:
    """Show a service's RuleViolation on the form field it names (or on the whole form)."""
    field = getattr(form, violation.field, None) if violation.field else None
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(str(violation.message))
    else:
        form.form_errors.append(str(violation.message))


def register(app: Flask) -> None:
    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError) -> Response:
        return _flash_back(StaleTicket().message, 409)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response | tuple[str, int]:
        if isinstance(exc, NotFound):
            return _page(404)
        return _flash_back(exc.message, exc.status)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int] | HTTPException:
        if isinstance(exc, SecurityError):  # a Host header not in TRUSTED_HOSTS: no links
            return exc
        if exc.code in (400, 403, 404, 405, 413, 429):
            return _page(exc.code)
        return exc

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> Response:
        g.forged_request = True  # for the security log (audit.services.note_refusals)
        return _flash_back(_l("The form expired. Please send it again."), 400)

    @app.errorhandler(500)
    def _server_error(_exc: Exception) -> tuple[str, int]:
        # the app logged it already, with the request id (logs.App.log_exception)
        db.session.rollback()  # the page itself reads the database
        return _page(500)


def request_id() -> str:
    """The id of the current request, shown on error pages and written in every log line."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    return g.request_id


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _flash_back(message: str, status: int) -> Response:
    flash(str(message), "error")
    response = redirect(_back_path())
    response.status_code = 303
    return response


def _back_path() -> str:
    """Where the page came from, as a path on this site: a Host header the client forged
    (with a Referer to match) can then never make this an off-site redirect."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return "/"
    parts = urlsplit(referrer)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    if "\\" in path:
        return "/"
    return path + (f"?{parts.query}" if parts.query else "")


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You may not do this"),
    404: _l("Not found"),
    405: _l("This action is not available here"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts. Wait a minute and try again."),
    500: _l("Something went wrong on our side"),
}


def _page(code: int) -> tuple[str, int]:
    page = render_template("error.html", code=code, title=ERROR_TITLES[code], ref=request_id())
    return page, code


__all__ = [
    "Conflict",
    "DomainError",
    "InvalidTransition",
    "NotAllowed",
    "NotFound",
    "RuleViolation",
    "StaleTicket",
    "register",
]
