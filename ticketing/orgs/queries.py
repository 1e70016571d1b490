"""Reads of organisations that pages share: lists with their counts, and pickers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from ticketing import db, listing, permissions
from ticketing.accounts.models import User, commissioner_enterprise
from ticketing.errors import NotFound
from ticketing.listing import ListPage
from ticketing.orgs.models import County, Enterprise, Park, University
from ticketing.outcomes.models import Outcome
from ticketing.reports.models import EnterpriseTally
from ticketing.tickets.models import Ticket
from ticketing.tickets.queries import WITH_OUTCOMES
from ticketing.tickets.queues import Row, row_columns
from ticketing.values import row_id


def enterprises_with_commissioners(args: Any) -> ListPage:
    """A page of enterprises in name order (those whose name contains `q`, if given) with
    their park, county, partner university and number of commissioners."""
    commissioners = (
        select(func.count())
        .where(commissioner_enterprise.c.enterprise_id == Enterprise.id)
        .correlate(Enterprise)
        .scalar_subquery()
    )
    query = select(Enterprise, commissioners).options(
        joinedload(Enterprise.park),
        joinedload(Enterprise.county),
        joinedload(Enterprise.partner_university),
    )
    q = listing.search_text(args)
    if q:
        query = query.where(Enterprise.name.like(listing.like(q), escape="\\"))
    return listing.page_of(
        query,
        Enterprise.name,
        Enterprise.id,
        args,
        lambda statement: list(db.session.execute(statement)),
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


def parks(keep: int | None = None) -> list[Park]:
    """Active parks to choose from, and the retired one `keep` an enterprise still has."""
    query = select(Park).where(or_(Park.active.is_(True), Park.id == (keep or 0)))
    return list(db.session.scalars(query.order_by(Park.name)))


def counties(keep: int | None = None) -> list[County]:
    query = select(County).where(or_(County.active.is_(True), County.id == (keep or 0)))
    return list(db.session.scalars(query.order_by(County.name)))


def universities(keep: int | None = None) -> list[University]:
    query = select(University).where(or_(University.active.is_(True), University.id == (keep or 0)))
    return list(db.session.scalars(query.order_by(University.name)))


def places_with_enterprises(model: type[Park] | type[County]) -> list[Any]:
    """Every park (or county), retired ones included, with its number of enterprises."""
    column = Enterprise.park_id if model is Park else Enterprise.county_id
    enterprises = select(func.count(Enterprise.id)).where(column == model.id).scalar_subquery()
    return list(db.session.execute(select(model, enterprises).order_by(model.name)))


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


ENTERPRISE_TICKETS = 20


@dataclass
class EnterprisePage:
    enterprise: Enterprise
    commissioners: list[User]
    tickets: list[Any]  # queue rows, newest activity first
    filed: int  # every filed ticket of the enterprise (the tally)
    cooperations: list[Any]
    more_tickets: bool


def enterprise_page(user: User, enterprise_id: int) -> EnterprisePage:
    """An enterprise with its commissioners, its latest tickets that `user` may see and their
    cooperations: read from (enterprise_id, updated_at, id), whatever the ticket count."""
    not_found = NotFound(_l("Enterprise not found"))
    wanted = row_id(enterprise_id)
    if wanted is None:
        raise not_found
    found_row = db.session.execute(
        select(Enterprise, EnterpriseTally.n)
        .outerjoin(EnterpriseTally, EnterpriseTally.enterprise_id == Enterprise.id)
        .where(Enterprise.id == wanted)
        .options(
            joinedload(Enterprise.park),
            joinedload(Enterprise.county),
            joinedload(Enterprise.partner_university),
        )
    ).one_or_none()
    if found_row is None or not user.is_active:
        raise not_found
    enterprise, filed = found_row
    expert = aliased(User)
    latest = (
        select(Ticket.id)
        .where(Ticket.enterprise_id == enterprise.id, permissions.visible_tickets(user))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(ENTERPRISE_TICKETS + 1)
        .subquery()
    )
    found = db.rows(
        select(*row_columns(expert, literal(enterprise.name)))
        .join(latest, latest.c.id == Ticket.id)
        .outerjoin(University, University.id == Ticket.university_id)
        .outerjoin(expert, expert.id == Ticket.expert_id)
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )
    tickets = [Row(*row) for row in found[:ENTERPRISE_TICKETS]]
    if not tickets and not permissions.sees_enterprise_page(user, enterprise):
        raise not_found  # they see none of its tickets and have no other tie to it
    commissioners = list(
        db.session.scalars(
            select(User)
            .join(commissioner_enterprise, commissioner_enterprise.c.user_id == User.id)
            .where(commissioner_enterprise.c.enterprise_id == enterprise.id, User.active.is_(True))
            .order_by(User.name)
        )
    )
    cooperations = db.rows(
        select(
            Ticket.number,
            Ticket.title,
            Outcome.cooperation_form,
            Outcome.intention_date,
            Outcome.agreement_date,
            Outcome.amount,
            Outcome.landed_date,
            Outcome.economic_benefit,
            Outcome.abandoned_reason,
        )
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .where(
            Ticket.enterprise_id == enterprise.id,
            Ticket.state.in_(sorted(WITH_OUTCOMES)),  # read from (enterprise_id, state, …)
            permissions.visible_tickets(user),
        )
        .order_by(Outcome.intention_date.desc(), Outcome.id.desc())
        .limit(ENTERPRISE_TICKETS)
    )
    return EnterprisePage(
        enterprise,
        commissioners,
        tickets,
        int(filed or 0),
        cooperations,
        len(found) > ENTERPRISE_TICKETS,
    )
