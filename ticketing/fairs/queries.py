"""Reads of fairs: the list, one fair's page with its problems and results, and the problems
an administrator may pick for it.

Everything a fair shows of a ticket starts from permissions.public_tickets(): a confidential
problem is only "保密问题" with its category and park, masked in the database. A fair's counts
come from indexes on fair_ticket(fair_id, …) and outcome(intention_fair_id) /
outcome(agreement_fair_id): they cost the same whatever the size of the ticket table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import selectinload

from ticketing import db, permissions
from ticketing.accounts.models import Role, User
from ticketing.campaigns.models import Campaign
from ticketing.errors import NotFound
from ticketing.fairs.models import Fair, FairTicket, fair_university
from ticketing.fairs.services import PRESENTABLE
from ticketing.orgs.models import Enterprise, Park, University
from ticketing.outcomes.models import Outcome
from ticketing.permissions import PublicTicket
from ticketing.search import index as search_index
from ticketing.tickets.models import Category, Ticket
from ticketing.tickets.queues import Cursor
from ticketing.values import row_id

FAIRS_PAGE = 50
CANDIDATES_PAGE = 50
NOT_FOUND = _l("Fair not found")


def _counts(fair_id: Any) -> list[Any]:
    """A fair's problems, intentions, agreements and the agreements' amount, each from its
    index (scalar subqueries beside the fair's row)."""
    problems = select(func.count()).where(FairTicket.fair_id == fair_id).scalar_subquery()
    intentions = (
        select(func.count(Outcome.id)).where(Outcome.intention_fair_id == fair_id).scalar_subquery()
    )
    agreements = (
        select(func.count(Outcome.id)).where(Outcome.agreement_fair_id == fair_id).scalar_subquery()
    )
    amount = (
        select(func.coalesce(func.sum(Outcome.amount), 0))
        .where(Outcome.agreement_fair_id == fair_id)
        .scalar_subquery()
    )
    return [
        problems.label("problems"),
        intentions.label("intentions"),
        agreements.label("agreements"),
        amount.label("amount"),
    ]


def may_list_fairs(user: User) -> bool:
    roles = user.roles
    return user.is_active and (
        Role.ADMIN in roles or (Role.LIAISON in roles and user.university_id is not None)
    )


def _invited(user: User) -> ColumnElement[bool]:
    return exists().where(
        fair_university.c.fair_id == Fair.id,
        fair_university.c.university_id == (user.university_id or 0),
    )


@dataclass(frozen=True)
class FairCursor:
    held_on: date
    id: int

    def __str__(self) -> str:
        return f"{self.held_on.isoformat()}_{self.id}"

    @classmethod
    def parse(cls, value: Any) -> FairCursor | None:
        day, _, ident = str(value or "").partition("_")
        fair_id = row_id(ident)
        try:
            return cls(date.fromisoformat(day), fair_id) if fair_id else None
        except ValueError:
            return None


@dataclass
class FairsPage:
    upcoming: list[Any]
    past: list[Any]
    after: FairCursor | None
    next: FairCursor | None


def fairs(user: User, args: Any, today: date) -> FairsPage:
    """Fairs and ceremonies, latest date first, FAIRS_PAGE at a time (keyset on
    (held_on, id)), each with its counts: one statement. Liaisons see the ones their
    university is invited to."""
    if not may_list_fairs(user):
        raise NotFound(NOT_FOUND)
    query = select(
        Fair.id,
        Fair.kind,
        Fair.title,
        Fair.held_on,
        Fair.place,
        Park.name.label("park"),
        *_counts(Fair.id),
    ).outerjoin(Park, Park.id == Fair.park_id)
    if not permissions.is_admin(user):
        query = query.where(_invited(user))
    after = FairCursor.parse(args.get("after"))
    if after is not None:
        query = query.where(tuple_(Fair.held_on, Fair.id) < tuple_(after.held_on, after.id))
    rows = db.rows(query.order_by(Fair.held_on.desc(), Fair.id.desc()).limit(FAIRS_PAGE + 1))
    following = None
    if len(rows) > FAIRS_PAGE:
        rows = rows[:FAIRS_PAGE]
        following = FairCursor(rows[-1].held_on, rows[-1].id)
    upcoming = [row for row in rows if row.held_on >= today]
    upcoming.reverse()  # the next one first
    past = [row for row in rows if row.held_on < today]
    return FairsPage(upcoming, past, after, following)


@dataclass
class FairPage:
    fair: Fair
    park: str | None
    campaign: str | None
    problems_count: int
    intentions: int
    agreements: int
    amount: Decimal


def fair_page(user: User, fair_id: Any, universities: bool = True) -> FairPage:
    """The fair with its park, campaign, counts and (if `universities`) its invited
    universities: one or two statements. NotFound for anyone but admins and the liaisons of
    invited universities."""
    wanted = row_id(fair_id)
    if wanted is None or not may_list_fairs(user):
        raise NotFound(NOT_FOUND)
    query = (
        select(Fair, Park.name, Campaign.name, *_counts(Fair.id))
        .outerjoin(Park, Park.id == Fair.park_id)
        .outerjoin(Campaign, Campaign.id == Fair.campaign_id)
        .where(Fair.id == wanted)
    )
    if universities:
        query = query.options(selectinload(Fair.universities))
    if not permissions.is_admin(user):
        query = query.where(_invited(user))
    found = db.session.execute(query).one_or_none()
    if found is None:
        raise NotFound(NOT_FOUND)
    fair, park, campaign, problems, intentions, agreements, amount = found
    return FairPage(
        fair, park, campaign, int(problems), int(intentions), int(agreements), Decimal(amount)
    )


def problems(fair: Fair) -> list[PublicTicket]:
    """The fair's problems in their order, in public form (one statement)."""
    query = (
        permissions.public_tickets()
        .join(FairTicket, FairTicket.ticket_id == Ticket.id)
        .where(FairTicket.fair_id == fair.id)
        .order_by(FairTicket.position, FairTicket.ticket_id)
    )
    return permissions.public_rows(query)


def results(user: User, fair: Fair) -> list[Any]:
    """The cooperations whose intention was reached or agreement signed at the fair, with
    their ticket as `user` may see it: number, title and enterprise when they may see the
    ticket (and `linked`), else its public form (a confidential one masked in the database).
    Read from the two outcome indexes on the fair's id."""
    visible = permissions.visible_tickets(user)
    hidden = and_(Ticket.confidential.is_(True), ~visible)

    def shown(column: Any, name: str) -> Any:
        return case((hidden, null()), else_=column).label(name)

    query = (
        select(
            Outcome.id,
            Outcome.title.label("cooperation"),
            Outcome.cooperation_form,
            Outcome.intention_date,
            Outcome.agreement_date,
            Outcome.amount,
            (Outcome.intention_fair_id == fair.id).label("intention_here"),
            (Outcome.agreement_fair_id == fair.id).label("agreement_here"),
            shown(Ticket.number, "number"),
            shown(Ticket.title, "title"),
            shown(Enterprise.name, "enterprise"),
            Ticket.category,
            case((visible, True), else_=False).label("linked"),
        )
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
        .where(or_(Outcome.intention_fair_id == fair.id, Outcome.agreement_fair_id == fair.id))
        .order_by(Outcome.agreement_date.desc(), Outcome.intention_date.desc(), Outcome.id)
    )
    return db.rows(query)


@dataclass
class Filters:
    category: str | None = None
    park_id: int | None = None
    industry: str | None = None
    q: str | None = None
    after: Cursor | None = None

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        category = args.get("category") or None
        return cls(
            category=category if category in set(Category) else None,
            park_id=row_id(args.get("park")),
            industry=" ".join(str(args.get("industry") or "").split())[:120] or None,
            q=" ".join(str(args.get("q") or "").split())[:100] or None,
            after=Cursor.parse(args.get("after")),
        )

    def as_args(self) -> dict[str, Any]:
        pairs = {
            "category": self.category,
            "park": self.park_id,
            "industry": self.industry,
            "q": self.q,
        }
        return {key: value for key, value in pairs.items() if value}


@dataclass
class Candidates:
    rows: list[Any]  # PublicTicket fields, updated_at and on_fair
    next: Cursor | None


def candidates(fair: Fair, filters: Filters) -> Candidates:
    """Open and resolved problems to present, latest activity first, CANDIDATES_PAGE at a
    time. Each presentable state is one lane read in order from ix_ticket_state_updated
    (state, updated_at, id) and stopped after a page of matches (keyset: the next page starts
    after the last row shown); the lanes are merged, and only the page's rows are joined to
    their public form. A keyword goes through the search index."""
    params: dict[str, Any] = {}
    where: list[ColumnElement[bool]] = []
    if filters.category:
        where.append(Ticket.category == filters.category)
    if filters.park_id:
        in_park = select(Enterprise.id).where(Enterprise.park_id == filters.park_id)
        where.append(Ticket.enterprise_id.in_(in_park))
    if filters.industry:
        in_industry = select(Enterprise.id).where(Enterprise.industry == filters.industry)
        where.append(Ticket.enterprise_id.in_(in_industry))
    if filters.q:
        if not search_index.searchable(filters.q):
            return Candidates([], None)
        params["search_query"] = search_index.search_query(filters.q)
        where.append(search_index.matching())
    if filters.after is not None:
        cursor = tuple_(filters.after.updated_at, filters.after.id)
        where.append(tuple_(Ticket.updated_at, Ticket.id) < cursor)
    limit = CANDIDATES_PAGE + 1
    lanes = [
        select(Ticket.id, Ticket.updated_at)
        .where(Ticket.state == state, *where)
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(limit)
        .subquery()
        for state in PRESENTABLE
    ]
    merged = union_all(*(select(lane) for lane in lanes)).subquery()
    page = (
        select(merged)
        .order_by(merged.c.updated_at.desc(), merged.c.id.desc())
        .limit(limit)
        .subquery()
    )
    on_fair = exists().where(FairTicket.fair_id == fair.id, FairTicket.ticket_id == Ticket.id)
    query = (
        permissions.public_tickets()
        .add_columns(Ticket.updated_at, on_fair.label("on_fair"))
        .join(page, page.c.id == Ticket.id)
        .order_by(page.c.updated_at.desc(), page.c.id.desc())
    )
    rows = db.rows(query, params)
    following = None
    if len(rows) > CANDIDATES_PAGE:
        rows = rows[:CANDIDATES_PAGE]
        following = Cursor(rows[-1].updated_at, rows[-1].id)
    return Candidates(rows, following)


def industries() -> list[str]:
    """The enterprises' industries, to filter candidates by (from the enterprise table)."""
    query = select(Enterprise.industry).where(Enterprise.industry != "").distinct()
    return sorted(db.session.scalars(query))


def parks() -> list[Any]:
    return db.rows(select(Park.id, Park.name).order_by(Park.name))


def form_choices() -> tuple[list[Any], list[Any], list[Any]]:
    """Parks, campaigns and universities for the fair form (id, name, active) rows."""
    from_parks = db.rows(select(Park.id, Park.name, Park.active).order_by(Park.name))
    campaigns = db.rows(select(Campaign.id, Campaign.name).order_by(Campaign.starts_on.desc()))
    universities = db.rows(
        select(University.id, University.name, University.active).order_by(University.name)
    )
    return from_parks, campaigns, universities
