"""Writes on organisations: enterprises, universities, parks and counties."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ticketing import db, permissions
from ticketing.accounts.models import User
from ticketing.errors import RuleViolation
from ticketing.orgs import credit_code
from ticketing.orgs.models import County, Enterprise, Park, University, Zone
from ticketing.search import index as search
from ticketing.values import row_id
from ticketing.writes import explain_unique

ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "park_id",
    "county_id",
    "industry",
    "contact_name",
    "contact_phone",
    "address",
    "partner_university_id",
    "key_enterprise",
    "active",
)
PLACE_FIELDS = ("name", "active")
UNIVERSITY_FIELDS = ("name", "short_name", "active")


ADMINS_ONLY = _l("Only zone administrators manage organisations.")
ENTERPRISE_NAME_TAKEN = _l("An enterprise with this name exists already.")
CREDIT_CODE_TAKEN = _l("Another enterprise has this credit code.")
UNIVERSITY_NAME_TAKEN = _l("A university with this name exists already.")
PARK_NAME_TAKEN = _l("A park with this name exists already.")
COUNTY_NAME_TAKEN = _l("A county or district with this name exists already.")
explain_unique("uq_enterprise_name", "name", ENTERPRISE_NAME_TAKEN)
explain_unique("uq_enterprise_credit_code", "credit_code", CREDIT_CODE_TAKEN)
explain_unique("uq_university_name", "name", UNIVERSITY_NAME_TAKEN)
explain_unique("uq_park_name", "name", PARK_NAME_TAKEN)
explain_unique("uq_county_name", "name", COUNTY_NAME_TAKEN)


def _name(value: Any, field: str = "name", limit: int = 200) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise RuleViolation(field, _l("This field is required."))
    if len(name) > limit:
        raise RuleViolation(field, _l("Use at most %(n)d characters.", n=limit))
    return name


def _unique(model: Any, column: Any, value: Any, own_id: int | None, field: str, msg: Any) -> None:
    query = select(model.id).where(func.lower(column) == str(value).lower())
    if own_id is not None:
        query = query.where(model.id != own_id)
    if db.session.scalar(query) is not None:
        raise RuleViolation(field, msg)


def save_enterprise(enterprise: Enterprise | None, actor: User, **data: Any) -> Enterprise:
    """Create (enterprise=None) or update an enterprise after checking its credit code."""
    permissions.require_admin(actor, ADMINS_ONLY)
    unknown = set(data) - set(ENTERPRISE_FIELDS)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    values = enterprise_values(data)
    own_id = enterprise.id if enterprise else None
    name, code = values["name"], values["credit_code"]
    _unique(Enterprise, Enterprise.name, name, own_id, "name", ENTERPRISE_NAME_TAKEN)
    _unique(Enterprise, Enterprise.credit_code, code, own_id, "credit_code", CREDIT_CODE_TAKEN)
    park_id = optional_ref(Park, data.get("park_id"), "park_id", enterprise and enterprise.park_id)
    county_id = optional_ref(
        County, data.get("county_id"), "county_id", enterprise and enterprise.county_id
    )
    partner_id = optional_ref(
        University,
        data.get("partner_university_id"),
        "partner_university_id",
        enterprise and enterprise.partner_university_id,
    )
    renamed = enterprise is not None and enterprise.name != name
    if enterprise is None:
        enterprise = Enterprise(name=name, credit_code=code, created_at=db.utcnow())
        db.session.add(enterprise)
    for field, value in values.items():
        setattr(enterprise, field, value)
    enterprise.park_id, enterprise.county_id = park_id, county_id
    enterprise.partner_university_id = partner_id
    db.session.flush()
    if renamed:  # its tickets are found by its name
        search.reindex_enterprise(enterprise.id)
    return enterprise


def enterprise_values(data: dict[str, Any]) -> dict[str, Any]:
    """An enterprise's own fields checked and cleaned, without the database: the rules every
    caller shares (the form, the import's dry run)."""
    values: dict[str, Any] = {"name": _name(data.get("name"))}
    code = credit_code.normalize(data.get("credit_code", ""))
    if not credit_code.is_valid(code):
        raise RuleViolation("credit_code", BAD_CREDIT_CODE)
    values["credit_code"] = code
    for field, limit in (("industry", 120), ("contact_name", 60), ("contact_phone", 40)):
        value = " ".join(str(data.get(field) or "").split())
        if len(value) > limit:
            raise RuleViolation(field, _l("Use at most %(n)d characters.", n=limit))
        values[field] = value
    values["address"] = str(data.get("address") or "").strip()[:500]
    values["active"] = bool(data.get("active", True))
    values["key_enterprise"] = bool(data.get("key_enterprise", False))
    return values


BAD_CREDIT_CODE = _l(
    "This is not a valid unified social credit code (18 characters, last one a check)."
)


def optional_ref(model: Any, value: Any, field: str, kept: int | None = None) -> int | None:
    """The id of an active row of `model`, or None; a retired one only where it is `kept`
    (the enterprise had it before it was retired)."""
    if value in (None, "", 0, "0"):
        return None
    wanted = row_id(value)
    row = db.session.get(model, wanted) if wanted else None
    if row is None or (not row.active and row.id != kept):
        raise RuleViolation(field, _l("Choose one from the list."))
    return row.id


def save_place(model: type[Park] | type[County], place: Any, actor: User, **data: Any) -> Any:
    """Create (place=None), rename, retire or bring back a park or a county. A retired one
    stays on the enterprises that have it and is no longer offered for others."""
    permissions.require_admin(actor, ADMINS_ONLY)
    unknown = set(data) - set(PLACE_FIELDS)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    name = _name(data.get("name"), limit=120)
    taken = PARK_NAME_TAKEN if model is Park else COUNTY_NAME_TAKEN
    _unique(model, model.name, name, place.id if place else None, "name", taken)
    if place is None:
        place = model(zone_id=_zone_id(), name=name)
        db.session.add(place)
    place.name = name
    place.active = bool(data.get("active", True))
    db.session.flush()
    return place


def _zone_id() -> int:
    """The zone parks and counties belong to: the first one, made from the settings if none
    exists yet (a new installation)."""
    zone_id = db.session.scalar(select(Zone.id).order_by(Zone.id).limit(1))
    if zone_id is None:
        code = current_app.config["ZONE_CODE"]
        zone = Zone(code=code, name=current_app.config["ZONE_NAME"] or code)
        db.session.add(zone)
        db.session.flush()
        zone_id = zone.id
    return zone_id


def save_university(university: University | None, actor: User, **data: Any) -> University:
    permissions.require_admin(actor, ADMINS_ONLY)
    values = university_values(data)
    _unique(
        University,
        University.name,
        values["name"],
        university.id if university else None,
        "name",
        UNIVERSITY_NAME_TAKEN,
    )
    if university is None:
        university = University(name=values["name"], created_at=db.utcnow())
        db.session.add(university)
    for field, value in values.items():
        setattr(university, field, value)
    db.session.flush()
    return university


def university_values(data: dict[str, Any]) -> dict[str, Any]:
    """A university's own fields checked and cleaned, without the database."""
    unknown = set(data) - set(UNIVERSITY_FIELDS)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    return {
        "name": _name(data.get("name")),
        "short_name": " ".join(str(data.get("short_name") or "").split())[:60],
        "active": bool(data.get("active", True)),
    }
