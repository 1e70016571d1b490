"""The campaign page's reads: its results in the report's words and its coverage.

Every figure is one SQL aggregate over the campaign's tickets, found through
ix_ticket_campaign_id (never a scan of all tickets): the cost grows with the campaign's own
tickets, and with the number of counties, parks and key enterprises it covers. The sentence
is about the whole campaign and the page names no ticket, so it shows no ticket titles and
needs no visibility filter; who may open it is decided in `campaign_page()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from ticketing import db, permissions
from ticketing.accounts.models import Role, User
from ticketing.campaigns.models import Campaign, campaign_expert
from ticketing.errors import NotFound
from ticketing.orgs import agreements
from ticketing.orgs.models import County, Enterprise, Park, RegionAgreement
from ticketing.outcomes.models import Outcome
from ticketing.tickets.models import Ticket, TicketExpert, Visit
from ticketing.values import row_id
from ticketing.workflow import State


@dataclass(frozen=True)
class Figures:
    experts: int  # distinct experts ever assigned to its tickets
    enterprises: int  # distinct enterprises with a filed ticket
    problems: int  # filed tickets
    intentions: int  # cooperations (outcome rows) of its tickets
    agreements: int  # … of which signed (agreement date given)
    visits: int  # visit records on its tickets
    experts_taking_part: int  # experts named on the campaign


@dataclass(frozen=True)
class PlaceRow:
    kind: str  # "county" or "park"
    id: int
    name: str
    problems: int

    @property
    def reached(self) -> bool:
        return self.problems > 0


@dataclass(frozen=True)
class KeyEnterpriseRow:
    id: int
    name: str
    place: str
    problems: int
    visited: bool

    @property
    def reached(self) -> bool:
        return self.problems > 0 or self.visited


@dataclass
class CampaignPage:
    campaign: Campaign
    figures: Figures
    places: list[PlaceRow]  # the gaps first
    key_enterprises: list[KeyEnterpriseRow]  # the gaps first
    agreements: list[RegionAgreement]

    @property
    def whole_zone(self) -> bool:
        return not self.campaign.counties and not self.campaign.parks

    @property
    def place_gaps(self) -> list[PlaceRow]:
        return [p for p in self.places if not p.reached]

    @property
    def enterprise_gaps(self) -> list[KeyEnterpriseRow]:
        return [e for e in self.key_enterprises if not e.reached]


NOT_FOUND = _l("Campaign not found")


def _filed(campaign_id: int) -> Any:
    return and_(Ticket.campaign_id == campaign_id, Ticket.state != State.DRAFT)


def figures(campaign_id: int) -> Figures:
    """The campaign's figures in one statement, each a count over its tickets."""

    def count(what: Any, *joins: Any, where: Any = None) -> Any:
        query = select(what).select_from(Ticket)
        for model, on in joins:
            query = query.join(model, on)
        query = query.where(_filed(campaign_id))
        if where is not None:
            query = query.where(where)
        return query.scalar_subquery()

    outcome = (Outcome, Outcome.ticket_id == Ticket.id)
    row = db.session.execute(
        select(
            count(
                func.count(TicketExpert.expert_id.distinct()),
                (TicketExpert, TicketExpert.ticket_id == Ticket.id),
            ),
            count(func.count(Ticket.enterprise_id.distinct())),
            count(func.count(Ticket.id)),
            count(func.count(Outcome.id), outcome),
            count(func.count(Outcome.id), outcome, where=Outcome.agreement_date.is_not(None)),
            count(func.count(Visit.id), (Visit, Visit.ticket_id == Ticket.id)),
            select(func.count())
            .select_from(campaign_expert)
            .where(campaign_expert.c.campaign_id == campaign_id)
            .scalar_subquery(),
        )
    ).one()
    return Figures(*(int(value or 0) for value in row))


def _covered(campaign: Campaign, model: type[County] | type[Park]) -> Any:
    """The campaign's counties (or parks); every active one when it covers the whole zone."""
    named = campaign.counties if model is County else campaign.parks
    if not campaign.counties and not campaign.parks:
        return model.active.is_(True)
    return model.id.in_([p.id for p in named])


def places(campaign: Campaign) -> list[PlaceRow]:
    """Every county and park the campaign covers with its number of problems, the ones not
    reached first; one statement, grouping the campaign's tickets by place."""
    parts = []
    for kind, model, column in (
        ("county", County, Enterprise.county_id),
        ("park", Park, Enterprise.park_id),
    ):
        per_place = (
            select(column.label("place_id"), func.count(Ticket.id).label("n"))
            .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
            .where(_filed(campaign.id))
            .group_by(column)
            .subquery()
        )
        parts.append(
            select(
                literal(kind).label("kind"),
                model.id.label("id"),
                model.name.label("name"),
                func.coalesce(per_place.c.n, 0).label("n"),
            )
            .outerjoin(per_place, per_place.c.place_id == model.id)
            .where(_covered(campaign, model))
        )
    rows = union_all(*parts).subquery()
    found = db.rows(
        select(rows.c.kind, rows.c.id, rows.c.name, rows.c.n).order_by(
            rows.c.n > 0, rows.c.kind, rows.c.name
        )
    )
    return [PlaceRow(str(kind), pid, name, int(n)) for kind, pid, name, n in found]


def key_enterprises(campaign: Campaign) -> list[KeyEnterpriseRow]:
    """Every active key enterprise in the places the campaign covers, with its problems in
    the campaign and whether an expert visited it in the campaign's days; the gaps first.
    The counts are index probes per key enterprise (ix_ticket_enterprise_*, ix_visit_ticket_id)."""
    problems = (
        select(func.count(Ticket.id))
        .where(Ticket.enterprise_id == Enterprise.id, _filed(campaign.id))
        .correlate(Enterprise)
        .scalar_subquery()
    )
    visited = exists(
        select(Visit.id)
        .join(Ticket, Ticket.id == Visit.ticket_id)
        .where(
            Ticket.enterprise_id == Enterprise.id,
            Visit.visited_on >= campaign.starts_on,
            Visit.visited_on <= campaign.ends_on,
        )
        .correlate(Enterprise)
    )
    where = [Enterprise.key_enterprise.is_(True), Enterprise.active.is_(True)]
    if campaign.counties or campaign.parks:
        where.append(
            Enterprise.county_id.in_([c.id for c in campaign.counties])
            | Enterprise.park_id.in_([p.id for p in campaign.parks])
        )
    place = func.coalesce(County.name, "") + literal(" ") + func.coalesce(Park.name, "")
    inner = (
        select(Enterprise.id, Enterprise.name, place.label("place"), problems.label("n"))
        .add_columns(visited.label("visited"))
        .outerjoin(County, County.id == Enterprise.county_id)
        .outerjoin(Park, Park.id == Enterprise.park_id)
        .where(*where)
        .subquery()
    )
    reached = (inner.c.n > 0) | inner.c.visited
    found = db.rows(select(inner).order_by(reached, inner.c.name))
    return [
        KeyEnterpriseRow(eid, name, place.strip(), int(n), bool(seen))
        for eid, name, place, n, seen in found
    ]


def may_see(user: User, campaign: Campaign) -> bool:
    """Admins, and the liaisons of the universities taking part."""
    if permissions.is_admin(user):
        return True
    return (
        user.is_active
        and Role.LIAISON in user.roles
        and user.university_id in {u.id for u in campaign.universities}
    )


def campaign_page(user: User, campaign_id: Any) -> CampaignPage:
    wanted = row_id(campaign_id)
    campaign = (
        db.session.scalars(
            select(Campaign)
            .where(Campaign.id == wanted)
            .options(
                joinedload(Campaign.universities),
                joinedload(Campaign.counties),
                joinedload(Campaign.parks),
            )
        )
        .unique()
        .one_or_none()
        if wanted
        else None
    )
    if campaign is None or not may_see(user, campaign):
        raise NotFound(NOT_FOUND)
    whole = not campaign.counties and not campaign.parks
    signed = agreements.region_agreements_in(
        campaign.starts_on,
        campaign.ends_on,
        None if whole else [c.id for c in campaign.counties],
        None if whole else [p.id for p in campaign.parks],
    )
    return CampaignPage(
        campaign, figures(campaign.id), places(campaign), key_enterprises(campaign), signed
    )
