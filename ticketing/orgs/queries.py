"""Reads of organisations that pages share: lists with their counts, and pickers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ticketing import db, permissions
from ticketing.accounts.models import User, commissioner_enterprise
from ticketing.errors import NotFound
from ticketing.orgs.models import County, Enterprise, Park, University
from ticketing.values import row_id


def enterprises_with_commissioners() -> list[Any]:
    """Every enterprise with its park, county and number of commissioners."""
    commissioners = (
        select(func.count())
        .where(commissioner_enterprise.c.enterprise_id == Enterprise.id)
        .correlate(Enterprise)
        .scalar_subquery()
    )
    return list(
        db.session.execute(
            select(Enterprise, commissioners)
            .options(joinedload(Enterprise.park), joinedload(Enterprise.county))
            .order_by(Enterprise.name)
        )
    )


def universities_with_people() -> list[Any]:
    people = (
        select(func.count(User.id))
        .where(User.university_id == University.id)
        .correlate(University)
        .scalar_subquery()
    )
    return list(db.session.execute(select(University, people).order_by(University.name)))


def get_or_404(model: Any, row: int | None) -> Any:
    """The row to edit, None for a new one; NotFound for an id that names nothing."""
    if row is None:
        return None
    wanted = row_id(row)
    found = db.session.get(model, wanted) if wanted else None
    if found is None:
        raise NotFound(model.__name__)
    return found


def parks() -> list[Park]:
    return list(db.session.scalars(select(Park).order_by(Park.name)))


def counties() -> list[County]:
    return list(db.session.scalars(select(County).order_by(County.name)))


def all_universities() -> list[University]:
    return list(db.session.scalars(select(University).order_by(University.name)))


def all_enterprises() -> list[Enterprise]:
    return list(db.session.scalars(select(Enterprise).order_by(Enterprise.name)))


ACTIVE_UNIVERSITIES = (
    select(University.id, University.name)
    .where(University.active.is_(True))
    .order_by(University.name)
)


def university_choices() -> list[Any]:
    """Active universities to route or transfer to: (id, name) rows."""
    return db.rows(ACTIVE_UNIVERSITIES)


def own_enterprises(user: User) -> list[Enterprise]:
    """A commissioner's active enterprises (a short list to filter by); none for others."""
    if not user.enterprise_ids:
        return []
    query = (
        select(Enterprise)
        .where(Enterprise.id.in_(user.enterprise_ids), Enterprise.active.is_(True))
        .order_by(Enterprise.name)
    )
    return list(db.session.scalars(query))


def enterprise_choices(user: User) -> list[Enterprise]:
    """The enterprises `user` may file for: all active ones for an admin, else their own."""
    if permissions.is_admin(user):
        query = select(Enterprise).where(Enterprise.active.is_(True)).order_by(Enterprise.name)
        return list(db.session.scalars(query))
    return own_enterprises(user)
