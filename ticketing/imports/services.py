"""Importing a checked table: nothing is written unless every row is good, or the person chose
to import only the good rows. Every row is created through the same service a page uses
(save_enterprise, save_university, save_user, create_draft and the "submit" transition), in
one transaction that the caller commits (writes.run): a failure leaves nothing half-saved.

People get a generated one-time password and must choose their own at the first sign-in
(like an administrator's reset); the passwords are in the report, to be handed over once.
Problems are filed by the commissioner named in the row (they collected them), as drafts or
submitted through the state machine, as the row's 提交 column says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from ticketing import permissions
from ticketing.accounts import services as accounts
from ticketing.accounts.models import User
from ticketing.accounts.reset import one_time_password
from ticketing.audit import services as audit
from ticketing.audit.models import Kind
from ticketing.imports.checks import Report, check
from ticketing.imports.reader import Table
from ticketing.orgs import services as orgs
from ticketing.tickets import services as tickets
from ticketing.tickets import transitions

log = logging.getLogger(__name__)
Progress = Callable[[int], None] | None


def import_table(
    table: Table,
    actor: User,
    *,
    dry_run: bool = False,
    only_good: bool = False,
    progress: Progress = None,
) -> Report:
    """Check `table`, then (unless a dry run, and only if every row is good or `only_good`)
    create its good rows. Flushes; the caller commits once."""
    permissions.require_admin(actor, _l("Only zone administrators import data."))
    report = check(table, progress)
    if dry_run or (report.problems and not only_good):
        return report
    write = WRITERS[table.entity]
    for _number, data in report.good:
        write(report, actor, data)
        report.written += 1
        if progress is not None:
            progress(1)
    log.info(
        "import of %s by %s: %d rows written, %d bad rows left out",
        table.entity,
        actor.login,
        report.written,
        len({p.row for p in report.problems}),
    )
    audit.record(
        Kind.IMPORT,
        user=actor,
        detail=f"{table.entity}: {report.written} rows written, "
        f"{len({p.row for p in report.problems})} bad rows left out",
    )
    return report


def _enterprise(report: Report, actor: User, data: dict[str, Any]) -> None:
    orgs.save_enterprise(None, actor, **data)


def _university(report: Report, actor: User, data: dict[str, Any]) -> None:
    orgs.save_university(None, actor, **data)


def _user(report: Report, actor: User, data: dict[str, Any]) -> None:
    password = one_time_password()
    person = accounts.save_user(None, actor, password=password, **data)
    person.must_change_password = True
    report.passwords.append((person.login, person.name, password))


def _ticket(report: Report, actor: User, data: dict[str, Any]) -> None:
    data = dict(data)
    filer, submit = data.pop("filer"), data.pop("submit")
    ticket = tickets.create_draft(filer, zone_code=current_app.config["ZONE_CODE"], **data)
    if submit:
        transitions.perform(ticket, "submit", filer)


WRITERS: dict[str, Callable[[Report, User, dict[str, Any]], None]] = {
    "enterprises": _enterprise,
    "universities": _university,
    "users": _user,
    "tickets": _ticket,
}
