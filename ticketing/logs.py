"""Logging through the standard `logging` module, each line with the request's id.

Modules log to `logging.getLogger(__name__)`, under the "ticketing" logger that Flask's app
logger is. Refused sign-ins and conflicts are logged at INFO, rule violations at DEBUG, and
every server error at ERROR with its traceback. Set LOG_LEVEL to change what is written.
"""

from __future__ import annotations

import logging
from types import TracebackType

from flask import Flask, request

from ticketing.errors import request_id

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]

FORMAT = "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class App(Flask):
    def log_exception(self, exc_info: ExcInfo) -> None:
        """Every server error, once, with its traceback and the id shown on the error page."""
        self.logger.error(
            "server error on %s %s [request %s]",
            request.method,
            request.path,
            request_id(),
            exc_info=exc_info,
        )


def init_app(app: Flask) -> None:
    logger = app.logger  # the "ticketing" logger: every module's logger is below it
    logger.setLevel(app.config["LOG_LEVEL"])
    for handler in logger.handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
