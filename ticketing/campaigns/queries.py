"""Reads of campaigns that do not need the tickets: which campaign a ticket filed now belongs
to, the list of campaigns and the pickers of the campaign form.

This module must not import ticketing.tickets (the tickets' submit effect imports it); the
campaign page's figures over its tickets are in campaigns/results.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import selectinload

from ticketing import db
from ticketing.accounts.models import Role, RoleGrant, User
from ticketing.campaigns.models import (
    Campaign,
    campaign_county,
    campaign_park,
)
from ticketing.orgs.models import County, Enterprise, Park, University


def zone_day(moment: datetime) -> date:
    """The day of a UTC moment where the zone is (Asia/Shanghai)."""
    return moment.astimezone(db.ZONE_TIME).date()


def window(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """The UTC moments [from, to) of the zone's days from `starts_on` to `ends_on`."""
    start = datetime.combine(starts_on, time(0), tzinfo=db.ZONE_TIME)
    end = datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=db.ZONE_TIME)
    return start.astimezone(UTC), end.astimezone(UTC)


def covers(campaign_id: Any, county_id: Any, park_id: Any) -> ColumnElement[bool]:
    """The campaign covers the place: it names the county or the park, or names none at all
    (it covers the whole zone)."""
    counties = select(campaign_county.c.county_id).where(
        campaign_county.c.campaign_id == campaign_id
    )
    parks = select(campaign_park.c.park_id).where(campaign_park.c.campaign_id == campaign_id)
    return or_(
        ~exists(counties) & ~exists(parks),
        exists(counties.where(campaign_county.c.county_id == county_id)),
        exists(parks.where(campaign_park.c.park_id == park_id)),
    )


def campaign_for(enterprise_id: int, moment: datetime) -> int | None:
    """The campaign a ticket of the enterprise filed at `moment` belongs to: its dates contain
    the zone's day and it covers the enterprise's county or park; of several, the one that
    started last. One statement, on the few campaign rows."""
    day = zone_day(moment)
    county = select(Enterprise.county_id).where(Enterprise.id == enterprise_id).scalar_subquery()
    park = select(Enterprise.park_id).where(Enterprise.id == enterprise_id).scalar_subquery()
    query = (
        select(Campaign.id)
        .where(
            Campaign.starts_on <= day,
            Campaign.ends_on >= day,
            covers(Campaign.id, county, park),
        )
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def campaigns() -> list[Campaign]:
    """Every campaign, the latest first, with its universities (a short list)."""
    query = (
        select(Campaign)
        .options(selectinload(Campaign.universities))
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    )
    return list(db.session.scalars(query))


def expert_choices() -> list[Any]:
    """Active experts with their university: (id, name, university id, university name)."""
    query = (
        select(User.id, User.name, University.id, University.name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .join(University, University.id == User.university_id)
        .where(RoleGrant.role == Role.EXPERT, User.active.is_(True))
        .order_by(University.name, User.name)
    )
    return db.rows(query)


def place_choices(model: type[County] | type[Park], keep: list[int]) -> list[Any]:
    """Active counties (or parks), and retired ones the campaign names already."""
    query = select(model.id, model.name).where(or_(model.active.is_(True), model.id.in_(keep)))
    return db.rows(query.order_by(model.name))


def university_choices(keep: list[int]) -> list[Any]:
    query = select(University.id, University.name).where(
        or_(University.active.is_(True), University.id.in_(keep))
    )
    return db.rows(query.order_by(University.name))
