"""Strategic agreements between a university and a county or park (校地合作): recorded by
admins with their date and scope, listed, and counted in the reports."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ticketing import db, permissions
from ticketing.accounts.models import User
from ticketing.errors import RuleViolation
from ticketing.orgs.models import County, Park, RegionAgreement, University
from ticketing.values import row_id

AGREEMENT_FIELDS = ("university_id", "county_id", "park_id", "title", "signed_on", "scope")
ADMINS_ONLY = _l("Only zone administrators record agreements with counties and parks.")


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise RuleViolation(field, _l("Enter a date such as 2026-03-01.")) from None


def _ref(model: Any, value: Any, field: str, kept: int | None) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    wanted = row_id(value)
    row = db.session.get(model, wanted) if wanted else None
    if row is None or (not row.active and row.id != kept):
        raise RuleViolation(field, _l("Choose one from the list."))
    return row.id


def save_region_agreement(
    agreement: RegionAgreement | None, actor: User, **data: Any
) -> RegionAgreement:
    """Create (agreement=None) or update a university's agreement with a county or a park."""
    permissions.require_admin(actor, ADMINS_ONLY)
    unknown = set(data) - set(AGREEMENT_FIELDS)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    old = agreement or RegionAgreement()
    university_id = _ref(University, data.get("university_id"), "university_id", old.university_id)
    if university_id is None:
        raise RuleViolation("university_id", _l("Choose the university that signed it."))
    county_id = _ref(County, data.get("county_id"), "county_id", old.county_id)
    park_id = _ref(Park, data.get("park_id"), "park_id", old.park_id)
    if county_id is None and park_id is None:
        raise RuleViolation("county_id", _l("Choose the county or the park it was signed with."))
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        raise RuleViolation("title", _l("This field is required."))
    if len(title) > 200:
        raise RuleViolation("title", _l("Use at most %(n)d characters.", n=200))
    signed_on = _date(data.get("signed_on"), "signed_on")
    if signed_on > db.local_today():
        raise RuleViolation("signed_on", _l("The date cannot be in the future."))
    scope = str(data.get("scope") or "").strip()
    if len(scope) > 2000:
        raise RuleViolation("scope", _l("Use at most %(n)d characters.", n=2000))
    if agreement is None:
        agreement = RegionAgreement(created_at=db.utcnow())
        db.session.add(agreement)
    agreement.university_id, agreement.county_id, agreement.park_id = (
        university_id,
        county_id,
        park_id,
    )
    agreement.title, agreement.signed_on, agreement.scope = title, signed_on, scope
    db.session.flush()
    return agreement


def _with_places() -> Any:
    return select(RegionAgreement).options(
        joinedload(RegionAgreement.university),
        joinedload(RegionAgreement.county),
        joinedload(RegionAgreement.park),
    )


def region_agreements() -> list[RegionAgreement]:
    """Every agreement, the latest signed first, with its university and place."""
    query = _with_places().order_by(RegionAgreement.signed_on.desc(), RegionAgreement.id.desc())
    return list(db.session.scalars(query))


def _between(
    query: Any,
    since: date | None,
    until: date | None,
    university_id: int | None,
    county_ids: list[int] | None,
    park_ids: list[int] | None,
) -> Any:
    if since is not None:
        query = query.where(RegionAgreement.signed_on >= since)
    if until is not None:
        query = query.where(RegionAgreement.signed_on <= until)
    if university_id is not None:
        query = query.where(RegionAgreement.university_id == university_id)
    if county_ids is not None or park_ids is not None:
        query = query.where(
            or_(
                RegionAgreement.county_id.in_(county_ids or []),
                RegionAgreement.park_id.in_(park_ids or []),
            )
        )
    return query


def region_agreements_in(
    since: date, until: date, county_ids: list[int] | None, park_ids: list[int] | None
) -> list[RegionAgreement]:
    """Agreements signed in a period with the given counties or parks (None: anywhere)."""
    query = _between(_with_places(), since, until, None, county_ids, park_ids)
    return list(db.session.scalars(query.order_by(RegionAgreement.signed_on)))


def region_agreement_count(
    since: date | None = None,
    until: date | None = None,
    university_id: int | None = None,
    county_ids: list[int] | None = None,
    park_ids: list[int] | None = None,
) -> int:
    """How many agreements were signed in the period (bounds included), by the university,
    with the counties or parks given (None: any), for the reports."""
    query = select(func.count(RegionAgreement.id))
    query = _between(query, since, until, university_id, county_ids, park_ids)
    return db.session.scalar(query) or 0
