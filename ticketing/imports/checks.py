"""The dry run: every row of a table checked by the services' own rules, with the database
read in a few batched queries before the rows (never a query per row). A checker turns a good
row into the keyword data of the service that creates it; a bad row becomes a Problem naming
its row, its column and the reason.

The services' rules are reused, not copied: the pure checks (`enterprise_values`,
`person_values`, `ticket_values`, `may_file_for`, …) are called as they are, and the services'
look-ups by id (`optional_ref`, `university_for`) find the rows loaded here in the session's
identity map, so they cost no query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from ticketing import db
from ticketing.accounts import services as accounts
from ticketing.accounts.models import ROLE_LABELS, Role, User
from ticketing.errors import RuleViolation
from ticketing.imports import columns
from ticketing.imports.reader import Table
from ticketing.orgs import credit_code
from ticketing.orgs import services as orgs
from ticketing.orgs.models import County, Enterprise, Park, University
from ticketing.tickets import services as tickets
from ticketing.tickets.models import CATEGORY_LABELS, PRIORITY_LABELS, Ticket
from ticketing.workflow import State

CHUNK = 500  # values per IN (...) list: well within either database's limit
SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Report:
    entity: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    good: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    written: int = 0
    # (login, name, one-time password) of the people created: shown or written once
    passwords: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


UNREADABLE = _l("This cell holds characters that are not readable text (a wrong encoding?).")
# the service's field names where they differ from the file's column keys
FIELD_COLUMNS = {
    "park_id": "park",
    "county_id": "county",
    "partner_university_id": "partner_university",
    "university_id": "university",
    "enterprise_ids": "enterprises",
    "enterprise_id": "credit_code",
}


def check(table: Table, progress: Callable[[int], None] | None = None) -> Report:
    """Check every row of `table`; writes nothing."""
    report = Report(table.entity, rows=len(table.rows))
    checker = CHECKERS[table.entity](table)
    for number, row in table.rows:
        try:
            if number in table.unreadable:
                raise RuleViolation(table.unreadable[number], UNREADABLE)
            report.good.append((number, checker.row(number, row)))
        except RuleViolation as violation:
            report.problems.append(_problem(table.entity, number, violation))
        if progress is not None:
            progress(1)
    return report


def _problem(entity: str, number: int, violation: RuleViolation) -> Problem:
    key = FIELD_COLUMNS.get(violation.field or "", violation.field or "")
    known = {c.key: c.zh for c in columns.COLUMNS[entity]}
    return Problem(number, known.get(key, ""), str(violation.message))


def yes_no(key: str, text: str, default: bool) -> bool:
    if not text:
        return default
    word = text.strip().lower()
    if word in columns.YES:
        return True
    if word in columns.NO:
        return False
    raise RuleViolation(key, _l("Write 是 or 否 (yes or no)."))


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _fold(text: str) -> str:
    return " ".join(str(text or "").split()).lower()


def _duplicate(seen: dict[Any, int], key: Any, field: str) -> None:
    if key in seen:
        raise RuleViolation(field, _l("Same as row %(row)d of this file.", row=seen[key]))


def _by_name(model: Any) -> dict[str, Any]:
    """Every park, county or university by its name (small tables: one query each)."""
    return {_fold(row.name): row for row in db.session.scalars(select(model))}


def _named(found: dict[str, Any], text: str, key: str) -> int | None:
    if not text:
        return None
    row = found.get(_fold(text))
    if row is None:
        raise RuleViolation(key, _l("Nothing of this name in the system: “%(name)s”.", name=text))
    return row.id


def _enterprises_by_code(codes: Iterable[str]) -> dict[str, Enterprise]:
    found: dict[str, Enterprise] = {}
    for chunk in _chunks(c for c in codes if c):
        query = select(Enterprise).where(Enterprise.credit_code.in_(chunk))
        found.update((e.credit_code, e) for e in db.session.scalars(query))
    return found


def _taken(column: Any, values: Iterable[str]) -> set[str]:
    """Which of `values` (folded) the column holds already, whatever the case."""
    taken: set[str] = set()
    for chunk in _chunks(v for v in values if v):
        query = select(func.lower(column)).where(func.lower(column).in_(chunk))
        taken.update(db.session.scalars(query))
    return taken


class Enterprises:
    def __init__(self, table: Table) -> None:
        rows = [row for _n, row in table.rows]
        codes = {credit_code.normalize(r.get("credit_code", "")) for r in rows}
        self.codes_taken = {
            c.upper() for c in _taken(Enterprise.credit_code, {c.lower() for c in codes})
        }
        self.names_taken = _taken(Enterprise.name, {_fold(r.get("name", "")) for r in rows})
        self.parks, self.counties = _by_name(Park), _by_name(County)
        self.universities = _by_name(University)
        self.seen_codes: dict[str, int] = {}
        self.seen_names: dict[str, int] = {}

    def row(self, number: int, row: dict[str, str]) -> dict[str, Any]:
        data = {
            key: row.get(key, "")
            for key in ("name", "credit_code", "industry", "contact_name", "contact_phone")
        }
        data["address"] = row.get("address", "")
        data["active"] = yes_no("active", row.get("active", ""), True)
        data["key_enterprise"] = yes_no("key_enterprise", row.get("key_enterprise", ""), False)
        values = orgs.enterprise_values(data)
        code, name = values["credit_code"], _fold(values["name"])
        if code in self.codes_taken:
            raise RuleViolation("credit_code", orgs.CREDIT_CODE_TAKEN)
        _duplicate(self.seen_codes, code, "credit_code")
        if name in self.names_taken:
            raise RuleViolation("name", orgs.ENTERPRISE_NAME_TAKEN)
        _duplicate(self.seen_names, name, "name")
        places = {
            "park_id": (Park, _named(self.parks, row.get("park", ""), "park")),
            "county_id": (County, _named(self.counties, row.get("county", ""), "county")),
            "partner_university_id": (
                University,
                _named(self.universities, row.get("partner_university", ""), "partner_university"),
            ),
        }
        for key, (model, wanted) in places.items():
            values[key] = orgs.optional_ref(model, wanted, key)  # retired ones are refused
        self.seen_codes[code], self.seen_names[name] = number, number
        return values


class Universities:
    def __init__(self, table: Table) -> None:
        names = {_fold(row.get("name", "")) for _n, row in table.rows}
        self.names_taken = _taken(University.name, names)
        self.seen: dict[str, int] = {}

    def row(self, number: int, row: dict[str, str]) -> dict[str, Any]:
        values = orgs.university_values(
            {
                "name": row.get("name", ""),
                "short_name": row.get("short_name", ""),
                "active": yes_no("active", row.get("active", ""), True),
            }
        )
        name = _fold(values["name"])
        if name in self.names_taken:
            raise RuleViolation("name", orgs.UNIVERSITY_NAME_TAKEN)
        _duplicate(self.seen, name, "name")
        self.seen[name] = number
        return values


class Users:
    def __init__(self, table: Table) -> None:
        rows = [row for _n, row in table.rows]
        self.logins_taken = _taken(User.login, {r.get("login", "").strip().lower() for r in rows})
        self.universities = _by_name(University)
        codes = {
            credit_code.normalize(code)
            for r in rows
            for code in SPLIT.split(r.get("enterprises", ""))
        }
        self.enterprises = _enterprises_by_code(codes)
        self.roles = columns.choices(ROLE_LABELS)
        self.seen: dict[str, int] = {}

    def row(self, number: int, row: dict[str, str]) -> dict[str, Any]:
        roles = set()
        for word in SPLIT.split(row.get("roles", "")):
            if word:
                role = columns.code_of(self.roles, word)
                if role is None:
                    raise RuleViolation("roles", _l("Unknown role “%(name)s”.", name=word))
                roles.add(role)
        data = {
            "login": row.get("login", ""),
            "name": row.get("name", ""),
            "roles": sorted(roles),
            "email": row.get("email", ""),
            "phone": row.get("phone", ""),
            "title": row.get("title", ""),
            "expertise": row.get("expertise", ""),
            "capacity": row.get("capacity", ""),
            "active": yes_no("active", row.get("active", ""), True),
        }
        values = accounts.person_values(data)
        login = values["login"].lower()
        if login in self.logins_taken:
            raise RuleViolation("login", accounts.LOGIN_TAKEN)
        _duplicate(self.seen, login, "login")
        wanted = _named(self.universities, row.get("university", ""), "university")
        data["university_id"] = accounts.university_for(values["roles"], wanted)
        data["enterprise_ids"] = self._enterprise_ids(values["roles"], row.get("enterprises", ""))
        self.seen[login] = number
        return data

    def _enterprise_ids(self, roles: set[str], text: str) -> list[int]:
        if Role.COMMISSIONER not in roles:
            return []
        ids = []
        for word in SPLIT.split(text):
            if word:
                enterprise = self.enterprises.get(credit_code.normalize(word))
                if enterprise is None:
                    raise RuleViolation(
                        "enterprises", _l("No enterprise has the credit code %(code)s.", code=word)
                    )
                ids.append(enterprise.id)
        return ids


class Tickets:
    def __init__(self, table: Table) -> None:
        rows = [row for _n, row in table.rows]
        codes = {credit_code.normalize(r.get("credit_code", "")) for r in rows}
        self.enterprises = _enterprises_by_code(codes)
        self.filers: dict[str, User] = {}
        logins = {r.get("commissioner", "").strip().lower() for r in rows}
        for chunk in _chunks(x for x in logins if x):
            query = (
                select(User)
                .where(func.lower(User.login).in_(chunk))
                .options(undefer(User.role_list), undefer(User.enterprise_list))
            )
            self.filers.update((u.login.lower(), u) for u in db.session.scalars(query))
        self.existing: set[tuple[int, str]] = set()
        ids = [e.id for e in self.enterprises.values()]
        for chunk in _chunks(ids):
            query = select(Ticket.enterprise_id, func.lower(Ticket.title)).where(
                Ticket.enterprise_id.in_(chunk), Ticket.state != State.WITHDRAWN
            )
            self.existing.update((e, t) for e, t in db.session.execute(query))
        self.categories = columns.choices(CATEGORY_LABELS)
        self.priorities = columns.choices(PRIORITY_LABELS)
        self.seen: dict[tuple[int, str], int] = {}

    def row(self, number: int, row: dict[str, str]) -> dict[str, Any]:
        code = credit_code.normalize(row.get("credit_code", ""))
        if not credit_code.is_valid(code):
            raise RuleViolation("credit_code", orgs.BAD_CREDIT_CODE)
        enterprise = self.enterprises.get(code)
        if enterprise is None:
            raise RuleViolation(
                "credit_code", _l("No enterprise has the credit code %(code)s.", code=code)
            )
        data: dict[str, Any] = {
            "title": row.get("title", ""),
            "description": row.get("description", ""),
            "category": self._coded("category", row, self.categories, unknown_category),
            "confidential": yes_no("confidential", row.get("confidential", ""), False),
        }
        priority = self._coded("priority", row, self.priorities, unknown_priority)
        if priority is not None:
            data["priority"] = priority
        values = tickets.ticket_values(data)
        filer = self.filers.get(row.get("commissioner", "").strip().lower())
        if filer is None or not tickets.may_file(filer):
            raise RuleViolation("commissioner", NO_COMMISSIONER)
        if not tickets.may_file_for(filer, enterprise):
            if not enterprise.active:
                raise RuleViolation("credit_code", _l("This enterprise is disabled."))
            raise RuleViolation(
                "credit_code", _l("%(name)s does not look after this enterprise.", name=filer.name)
            )
        key = (enterprise.id, values["title"].lower())
        if key in self.existing:
            raise RuleViolation("title", _l("This enterprise has a problem of this title already."))
        _duplicate(self.seen, key, "title")
        self.seen[key] = number
        values.update(
            filer=filer,
            enterprise_id=enterprise.id,
            submit=yes_no("submit", row.get("submit", ""), True),
        )
        return values

    @staticmethod
    def _coded(key: str, row: dict[str, str], known: dict[str, str], message: Any) -> str | None:
        text = row.get(key, "")
        if not text:
            return None
        code = columns.code_of(known, text)
        if code is None:
            raise RuleViolation(key, message(text))
        return code


def unknown_category(text: str) -> Any:
    return _l("Unknown category “%(name)s”: see the template's second sheet.", name=text)


def unknown_priority(text: str) -> Any:
    return _l("Unknown priority “%(name)s”: see the template's second sheet.", name=text)


NO_COMMISSIONER = _l("No active commissioner has this login.")

CHECKERS: dict[str, Any] = {
    "enterprises": Enterprises,
    "universities": Universities,
    "users": Users,
    "tickets": Tickets,
}

__all__ = ["CHECKERS", "Problem", "Report", "check"]
