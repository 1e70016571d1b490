"""Writes on campaigns (专项行动): create and change one, and tag the tickets it covers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, not_, or_, select, update

from ticketing import db, permissions
from ticketing.accounts.models import Role, User
from ticketing.campaigns import queries
from ticketing.campaigns.models import Campaign
from ticketing.errors import RuleViolation
from ticketing.orgs.models import County, Enterprise, Park, University
from ticketing.reports import tallies
from ticketing.tickets.models import Ticket
from ticketing.values import row_id
from ticketing.workflow import State
from ticketing.writes import explain_unique

CAMPAIGN_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "description",
    "university_ids",
    "expert_ids",
    "county_ids",
    "park_ids",
)
ADMINS_ONLY = _l("Only zone administrators manage campaigns.")
NAME_TAKEN = _l("A campaign with this name exists already.")
explain_unique("uq_campaign_name", "name", NAME_TAKEN)


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise RuleViolation(field, _l("Enter a date such as 2026-03-01.")) from None


def _ids(value: Any, field: str) -> set[int]:
    if value in (None, ""):
        return set()
    if isinstance(value, str | int):
        value = [value]
    wanted = {row_id(item) for item in value}
    if None in wanted:
        raise RuleViolation(field, _l("Choose from the list."))
    return {i for i in wanted if i is not None}


def _rows(model: Any, ids: set[int], field: str, kept: set[int]) -> list[Any]:
    """The rows named by `ids`: active ones, or retired ones the campaign had already."""
    if not ids:
        return []
    found = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    if len(found) != len(ids) or any(not r.active and r.id not in kept for r in found):
        raise RuleViolation(field, _l("Choose from the list."))
    return sorted(found, key=lambda row: row.id)


def _experts(ids: set[int], university_ids: set[int], kept: set[int]) -> list[User]:
    experts = _rows(User, ids, "expert_ids", kept)
    for expert in experts:
        if Role.EXPERT not in expert.roles or expert.university_id not in university_ids:
            raise RuleViolation(
                "expert_ids",
                _l(
                    "%(name)s is not an expert of a university taking part. Choose the "
                    "university too, or leave the expert out.",
                    name=expert.name,
                ),
            )
    return experts


def save_campaign(campaign: Campaign | None, actor: User, **data: Any) -> Campaign:
    """Create (campaign=None) or change a campaign, then tag the tickets filed in its days
    and places that have no campaign yet (and untag its own that no longer fall in them)."""
    permissions.require_admin(actor, ADMINS_ONLY)
    unknown = set(data) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise RuleViolation(None, _l("Unexpected data: %(fields)s", fields=", ".join(unknown)))
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise RuleViolation("name", _l("This field is required."))
    if len(name) > 120:
        raise RuleViolation("name", _l("Use at most %(n)d characters.", n=120))
    taken = select(Campaign.id).where(func.lower(Campaign.name) == name.lower())
    if campaign is not None:
        taken = taken.where(Campaign.id != campaign.id)
    if db.session.scalar(taken) is not None:
        raise RuleViolation("name", NAME_TAKEN)
    starts_on = _date(data.get("starts_on"), "starts_on")
    ends_on = _date(data.get("ends_on"), "ends_on")
    if ends_on < starts_on:
        raise RuleViolation("ends_on", _l("The campaign cannot end before it starts."))
    description = str(data.get("description") or "").strip()
    if len(description) > 2000:
        raise RuleViolation("description", _l("Use at most %(n)d characters.", n=2000))
    had = campaign or Campaign()
    kept = {
        "universities": {u.id for u in had.universities},
        "experts": {e.id for e in had.experts},
        "counties": {c.id for c in had.counties},
        "parks": {p.id for p in had.parks},
    }
    university_ids = _ids(data.get("university_ids"), "university_ids")
    universities = _rows(University, university_ids, "university_ids", kept["universities"])
    experts = _experts(_ids(data.get("expert_ids"), "expert_ids"), university_ids, kept["experts"])
    counties = _rows(
        County, _ids(data.get("county_ids"), "county_ids"), "county_ids", kept["counties"]
    )
    parks = _rows(Park, _ids(data.get("park_ids"), "park_ids"), "park_ids", kept["parks"])
    if campaign is None:
        campaign = Campaign(created_at=db.utcnow())
        db.session.add(campaign)
    campaign.name, campaign.starts_on, campaign.ends_on = name, starts_on, ends_on
    campaign.description = description
    campaign.universities, campaign.experts = universities, experts
    campaign.counties, campaign.parks = counties, parks
    db.session.flush()
    retag(campaign)
    return campaign


def in_campaign(campaign: Campaign) -> ColumnElement[bool]:
    """A filed ticket falls in the campaign: submitted in its days, by an enterprise of the
    places it covers."""
    start, end = queries.window(campaign.starts_on, campaign.ends_on)
    filed = and_(
        Ticket.state != State.DRAFT,
        Ticket.submitted_at >= start,
        Ticket.submitted_at < end,
    )
    county_ids = [c.id for c in campaign.counties]
    park_ids = [p.id for p in campaign.parks]
    if not county_ids and not park_ids:
        return filed
    places = select(Enterprise.id).where(
        or_(Enterprise.county_id.in_(county_ids), Enterprise.park_id.in_(park_ids))
    )
    return and_(filed, Ticket.enterprise_id.in_(places))


def retag(campaign: Campaign) -> None:
    """Tag the filed tickets of the campaign's days and places that have no campaign, untag
    its own that fall outside them now, and rebuild the tallies. Two bulk UPDATEs over the
    tickets submitted in its days: seconds at a million tickets, once per campaign change."""
    matches = in_campaign(campaign)
    options = {"synchronize_session": False}
    db.session.execute(
        update(Ticket)
        .where(Ticket.campaign_id == campaign.id, not_(matches))
        .values(campaign_id=None)
        .execution_options(**options)
    )
    db.session.execute(
        update(Ticket)
        .where(Ticket.campaign_id.is_(None), matches)
        .values(campaign_id=campaign.id)
        .execution_options(**options)
    )
    tallies.rebuild()
