"""Errors as application/problem+json (RFC 9457), in the caller's language."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ticketing.api.schemas import Problem
from ticketing.errors import ERROR_TITLES, DomainError, RuleViolation, StaleTicket

MEDIA_TYPE = "application/problem+json"
TITLES: dict[int, Any] = {
    **ERROR_TITLES,
    401: _l("Sign in or send a valid API token"),
    409: _l("The ticket is not in a state that allows this"),
    412: _l("The ticket changed since you read it"),
    415: _l("Send the body as JSON"),
    422: _l("Some data is not right"),
    428: _l("Send the version you read in If-Match"),
}
MESSAGES = {
    "missing": _l("This field is required."),
    "extra_forbidden": _l("This field is not known here."),
}
INVALID = _l("This value is not valid here.")
OBJECT_EXPECTED = _l("Send a JSON object.")
NO_SUCH_QUEUE = _l("You have no such queue.")
NOT_EDITABLE = _l("This ticket can no longer be edited.")
UNKNOWN_ACTION = _l("Unknown action")
FILE_GONE = _l("File not found")
CSRF_MISSING = _l("A call with the session cookie needs the CSRF token in the X-CSRFToken header.")


class ApiProblem(Exception):
    """Raised by a view to answer with a problem of this status."""

    def __init__(
        self, status: int, detail: Any = None, errors: list[tuple[str | None, Any]] = ()
    ) -> None:
        super().__init__(status)
        self.status, self.detail, self.errors = status, detail, list(errors)


def problem(status: int, detail: Any = None, errors: list[tuple[str | None, Any]] = ()) -> Response:
    title = TITLES.get(status) or TITLES[400]
    body = Problem(
        type="about:blank",
        title=str(title),
        status=status,
        detail=str(detail) if detail is not None else None,
        errors=[{"field": field, "message": str(message)} for field, message in errors],
    )
    response = Response(json.dumps(body.model_dump()), status=status, mimetype=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def from_domain(error: DomainError) -> Response:
    if isinstance(error, StaleTicket):  # the version sent in If-Match is no longer current
        return problem(412, error.message)
    if isinstance(error, RuleViolation):
        return problem(422, error.message, [(error.field, error.message)])
    return problem(error.status, error.message)


def from_validation(error: ValidationError) -> Response:
    """A body the schema refuses: each field with a translated message."""
    errors = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or None
        errors.append((field, MESSAGES.get(item["type"], INVALID)))
    return problem(422, _("Some data is not right"), errors)


def from_http(error: HTTPException) -> Response:
    return problem(error.code or 500)


def from_api(error: ApiProblem) -> Response:
    return problem(error.status, error.detail, error.errors)


def csrf_refused() -> Response:
    return problem(400, CSRF_MISSING, [("X-CSRFToken", CSRF_MISSING)])
