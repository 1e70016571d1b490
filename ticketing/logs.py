"""Logging through the standard `logging` module, each line with the request's id.

Modules log to `logging.getLogger(__name__)`, under the "ticketing" logger that Flask's app
logger is. Refused sign-ins and conflicts are logged at INFO, rule violations at DEBUG, and
every server error at ERROR with its traceback. Set LOG_LEVEL to change what is written.

Each request is logged once, when its answer is sent, on the "ticketing.request" logger:
method, endpoint, path (never the query string; a secret in the path, such as a password
reset link's token, is replaced), status, duration, the signed-in person's id and the client
address. LOG_FORMAT=json (the default in production) writes every line as one JSON object
(JsonFormatter; gunicorn's own lines too, see deploy/gunicorn.conf.py), text writes lines for
a person at a terminal.

SQLAlchemy keeps its own loggers at WARNING (it sets them so when imported), whatever the root
logger's level: keep it so, as its statement log would write every parameter, e-mail bodies
with their reset links included.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from flask import Flask, Response, g, has_request_context, request, request_finished
from flask import request_started as request_began
from flask_login import current_user

from ticketing.errors import request_id

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]

FORMAT = "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"
# the fields of the one line written per request, beside time, level, logger and message
REQUEST_FIELDS = ("method", "endpoint", "path", "status", "duration_ms", "user_id", "client")
# URL arguments whose value is a secret (a reset link's token, say): written as REDACTED
SECRET_ARGUMENTS = frozenset({"token", "code", "password", "secret", "key"})
REDACTED = "[redacted]"

request_log = logging.getLogger("ticketing.request")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, request_id
    (during a request), the request line's fields, and the exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        found = getattr(record, "request_id", None)
        if found in (None, "-") and has_request_context():
            found = request_id()
        if found not in (None, "-"):
            line["request_id"] = found
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class App(Flask):
    def log_exception(self, exc_info: ExcInfo) -> None:
        """Every server error, once, with its traceback and the id shown on the error page."""
        self.logger.error(
            "server error on %s %s [request %s]",
            request.method,
            logged_path(),
            request_id(),
            exc_info=exc_info,
        )


def logged_path() -> str:
    """The request's path without its query string, each secret URL argument replaced."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_ARGUMENTS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


def request_seconds() -> float | None:
    """How long the current request has run (None before it was seen starting)."""
    started = g.get("request_started")
    return None if started is None else time.perf_counter() - started


def _started(_app: Flask, **_extra: Any) -> None:
    g.request_started = time.perf_counter()


def _finished(_app: Flask, response: Response, **_extra: Any) -> None:
    if not request_log.isEnabledFor(logging.INFO):
        return
    seconds = request_seconds()
    duration = None if seconds is None else round(seconds * 1000, 1)
    # the person's id, never Flask-Login's get_id(): that is the sign-in's key with its secret
    user = current_user.id if current_user and current_user.is_authenticated else None
    fields = {
        "method": request.method,
        "endpoint": request.endpoint,
        "path": logged_path(),
        "status": response.status_code,
        "duration_ms": duration,
        "user_id": user,
        "client": request.remote_addr,
    }
    request_log.info(
        "%s %s %s %sms (user %s, from %s)",
        *(fields[name] for name in ("method", "path", "status", "duration_ms")),
        user or "-",
        fields["client"],
        extra=fields,
    )


def init_app(app: Flask) -> None:
    logger = app.logger  # the "ticketing" logger: every module's logger is below it
    logger.setLevel(app.config["LOG_LEVEL"])
    if app.config["LOG_FORMAT"] == "json":
        formatter: logging.Formatter = JsonFormatter()
    else:
        formatter = logging.Formatter(FORMAT)
    for handler in logger.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
    request_began.connect(_started, app)
    request_finished.connect(_finished, app)
