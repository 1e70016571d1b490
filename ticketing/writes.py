"""The write boundary: every page, API call and CLI command that changes data commits here.

`run(service)` calls one service and commits, or rolls back so that nothing is half-saved and
raises a DomainError. A uniqueness the database refused (two people creating the same name
at the same instant) becomes a RuleViolation on the field, not a server error.
`submit(form, service, done=…, again=…)` is the same for a page: validate the form, run, then
redirect, or show the form again with the error on the field it names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ticketing import db
from ticketing.errors import Conflict, DomainError, RuleViolation, StaleTicket, apply_violation

T = TypeVar("T")
log = logging.getLogger(__name__)

# constraint or unique index name → (form field, message); filled by the modules that own them
UNIQUE_FIELDS: dict[str, tuple[str, Any]] = {}


def explain_unique(constraint: str, field: str, message: Any) -> None:
    """Say which field a unique constraint guards, and what to tell the person."""
    UNIQUE_FIELDS[constraint] = (field, message)


def run(service: Callable[[], T]) -> T:
    """Call `service` and commit; on any failure roll back and raise (a DomainError if known)."""
    try:
        result = service()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _log_refusal(error)
        raise
    except IntegrityError as error:
        db.session.rollback()
        explained = _unique_violation(error)
        if explained is None:
            raise
        _log_refusal(explained)
        raise explained from None
    except StaleDataError:
        db.session.rollback()
        log.info("conflict: the ticket changed meanwhile")
        raise StaleTicket() from None
    except OperationalError as error:
        db.session.rollback()
        if not _busy(error):
            raise
        log.info("conflict: the database was busy (%s)", type(error.orig).__name__)
        raise Conflict(BUSY) from None
    except BaseException:
        db.session.rollback()
        raise
    return result


def submit(
    form: FlaskForm,
    service: Callable[[], T],
    *,
    done: Callable[[T], ResponseReturnValue],
    again: Callable[[int, str | None], ResponseReturnValue],
) -> ResponseReturnValue:
    """Validate → call the service → commit → `done(result)`; or `again(status, message)` with
    the error on the form field it names (message None) or for the whole page. A form that was
    not sent (the first GET) is `again(200, None)`."""
    if not form.is_submitted():
        return again(200, None)
    if not form.validate():
        return again(422, None)
    try:
        result = run(service)
    except RuleViolation as violation:
        apply_violation(form, violation)
        return again(violation.status, None)
    except DomainError as error:
        return again(error.status, str(error.message))
    return done(result)


BUSY = _l("Others were changing the same records at that moment. Please send it again.")


def _busy(error: OperationalError) -> bool:
    """A deadlock or serialisation failure (PostgreSQL), or a lock that did not come in time."""
    code = getattr(error.orig, "sqlstate", None)
    return code in ("40P01", "40001", "55P03") or "database is locked" in str(error.orig)


def _log_refusal(error: DomainError) -> None:
    if isinstance(error, RuleViolation):
        log.debug("rule violation on %s: %s", error.field, error.message)
    elif isinstance(error, Conflict):
        log.info("conflict: %s", error.message)
    else:
        log.debug("refused: %s %s", type(error).__name__, error.message)


def _unique_violation(error: IntegrityError) -> RuleViolation | None:
    name = constraint_name(error)
    if name is None or name not in UNIQUE_FIELDS:
        return None
    field, message = UNIQUE_FIELDS[name]
    return RuleViolation(field, message)


_SQLITE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")
_SQLITE_COLUMNS = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")


def constraint_name(error: IntegrityError) -> str | None:
    """The name of the unique constraint or index the database refused, on either database."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg) names it
        return diag.constraint_name
    text = str(error.orig)
    if match := _SQLITE_INDEX.search(text):
        return match.group(1)
    if match := _SQLITE_COLUMNS.search(text):  # SQLite names the columns
        pairs = [item.split(".", 1) for item in match.group(1).split(", ")]
        table = db.Base.metadata.tables.get(pairs[0][0])
        columns = {column for _table, column in pairs}
        for constraint in table.constraints if table is not None else ():
            if isinstance(constraint, UniqueConstraint) and set(constraint.columns.keys()) == (
                columns
            ):
                return str(constraint.name)
    return None
