"""Exports in the import's own columns and words, so that a file exported here imports again
as it is (into another installation, or after a correction): .xlsx, CSV in UTF-8 with a
byte-order mark, or CSV in GB18030. Templates are the same files without rows, the .xlsx with a
second sheet that explains each column and its allowed values.

Cells go through reports.exports, which writes text that would start a formula as text.
Tickets are read through the visibility rule of the person exporting (the command line, run by
the operator of the server, reads them all); a confidential one shows its title and
description only to administrators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ticketing import db, permissions
from ticketing.accounts.models import ROLE_LABELS, Role, User
from ticketing.imports import columns
from ticketing.orgs.models import Enterprise, University
from ticketing.reports import exports
from ticketing.tickets.models import CATEGORY_LABELS, PRIORITY_LABELS, Ticket
from ticketing.workflow import State

FORMATS = {"xlsx": ".xlsx", "csv": ".csv", "csv-gb18030": ".csv"}
FILE_NAMES = {
    "enterprises": "企业",
    "universities": "高校",
    "users": "用户",
    "tickets": "问题",
}


def yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def _enterprises(_viewer: User | None) -> list[dict[str, Any]]:
    query = (
        select(Enterprise)
        .order_by(Enterprise.name)
        .options(
            joinedload(Enterprise.park),
            joinedload(Enterprise.county),
            joinedload(Enterprise.partner_university),
        )
    )
    return [
        {
            "name": e.name,
            "credit_code": e.credit_code,
            "park": e.park.name if e.park else "",
            "county": e.county.name if e.county else "",
            "partner_university": e.partner_university.name if e.partner_university else "",
            "industry": e.industry,
            "contact_name": e.contact_name,
            "contact_phone": e.contact_phone,
            "address": e.address,
            "key_enterprise": yes_no(e.key_enterprise),
            "active": yes_no(e.active),
        }
        for e in db.session.scalars(query).unique()
    ]


def _universities(_viewer: User | None) -> list[dict[str, Any]]:
    query = select(University).order_by(University.name)
    return [
        {"name": u.name, "short_name": u.short_name, "active": yes_no(u.active)}
        for u in db.session.scalars(query)
    ]


def _users(_viewer: User | None) -> list[dict[str, Any]]:
    query = (
        select(User)
        .order_by(User.login)
        .options(
            selectinload(User.grants),
            selectinload(User.enterprises),
            joinedload(User.university),
            joinedload(User.expert_profile),
        )
    )
    order = list(Role)
    rows = []
    for u in db.session.scalars(query).unique():
        roles = sorted(u.roles, key=order.index)
        profile = u.expert_profile if Role.EXPERT in u.roles else None
        rows.append(
            {
                "login": u.login,
                "name": u.name,
                "email": u.email,
                "phone": u.phone,
                "roles": "、".join(columns.chinese(ROLE_LABELS, r) for r in roles),
                "university": u.university.name if u.university else "",
                "enterprises": ";".join(sorted(e.credit_code for e in u.enterprises)),
                "title": profile.title if profile else "",
                "expertise": profile.expertise if profile else "",
                "capacity": profile.capacity if profile else "",
                "active": yes_no(u.active),
            }
        )
    return rows


def _tickets(viewer: User | None) -> list[dict[str, Any]]:
    query = (
        select(Ticket)
        .order_by(Ticket.id)
        .options(joinedload(Ticket.enterprise), joinedload(Ticket.filer))
    )
    if viewer is not None:
        query = query.where(permissions.visible_tickets(viewer))
    full = viewer is None or permissions.is_admin(viewer)
    rows = []
    for t in db.session.scalars(query).unique():
        hidden = t.confidential and not full
        rows.append(
            {
                "credit_code": t.enterprise.credit_code,
                "title": str(permissions.CONFIDENTIAL_TITLE) if hidden else t.title,
                "description": "" if hidden else t.description,
                "category": columns.chinese(CATEGORY_LABELS, t.category),
                "priority": columns.chinese(PRIORITY_LABELS, t.priority),
                "commissioner": t.filer.login,
                "confidential": yes_no(t.confidential),
                "submit": yes_no(t.state != State.DRAFT),
            }
        )
    return rows


ROWS: dict[str, Callable[[User | None], list[dict[str, Any]]]] = {
    "enterprises": _enterprises,
    "universities": _universities,
    "users": _users,
    "tickets": _tickets,
}


def export(entity: str, form: str, viewer: User | None) -> tuple[str, bytes]:
    """(file name, content) of every `entity` row `viewer` may see, in format `form`."""
    keys = [c.key for c in columns.COLUMNS[entity]]
    body = [[row[key] for key in keys] for row in ROWS[entity](viewer)]
    name, data = _file(entity, form, body, "", explain=False)
    exports.record_export(name, len(body), viewer)
    return name, data


def template(entity: str, form: str) -> tuple[str, bytes]:
    """The empty file to fill in; the .xlsx explains each column on a second sheet."""
    return _file(entity, form, [], _("template"), explain=True)


def _file(
    entity: str, form: str, body: list[list[Any]], suffix: str, *, explain: bool
) -> tuple[str, bytes]:
    headers = [c.zh for c in columns.COLUMNS[entity]]
    name = FILE_NAMES[entity] + (f"-{suffix}" if suffix else "")
    if form == "xlsx":
        sheets = [(FILE_NAMES[entity], headers, body)]
        if explain:
            sheets.append((_("Columns"), *_explanation(entity)))
        return name + ".xlsx", exports.xlsx_bytes(sheets)
    encoding = "gb18030" if form == "csv-gb18030" else "utf-8-sig"
    return name + ".csv", exports.csv_bytes(headers, body, encoding)


def _explanation(entity: str) -> tuple[list[str], list[list[str]]]:
    headers = [_("Column"), _("English header"), _("Required"), _("What to write")]
    rows = [[c.zh, c.en, yes_no(c.required), str(c.note)] for c in columns.COLUMNS[entity]]
    for title, words in columns.allowed_values(entity):
        rows.append([])
        rows.append([title, "", "", _("Allowed values:")])
        rows.extend(["", "", "", word] for word in words)
    return headers, rows
