"""The campaign page's reads: its results in the report's words and its coverage.

The figures are the dashboard's, filtered to the campaign (reports.queries.dashboard reads
them from the tallies): the two pages never disagree, and the page costs the same for a
campaign of 175 problems as for one of 100,000. Key enterprises are read one by one from the
reach tally's primary key, so the cost grows with the key enterprises covered. The sentence
is about the whole campaign and the page names no ticket, so it shows no ticket titles and
needs no visibility filter; who may open it is decided in `campaign_page()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import joinedload

from ticketing import db, permissions
from ticketing.accounts.models import Role, User
from ticketing.campaigns.models import Campaign, campaign_expert
from ticketing.errors import NotFound
from ticketing.orgs import agreements
from ticketing.orgs.models import County, Enterprise, Park, RegionAgreement
from ticketing.reports.filters import Filters
from ticketing.reports.models import ReachTally
from ticketing.reports.queries import Dashboard, dashboard
from ticketing.values import row_id


@dataclass(frozen=True)
class Figures:
    experts: int  # distinct experts its filed problems have now (the dashboard's engaged)
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
    problems: int  # filed in the campaign

    @property
    def reached(self) -> bool:
        return self.problems > 0


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


def figures(named: int, tallied: Dashboard) -> Figures:
    """The sentence's figures: the dashboard's, filtered to the campaign (one source for both
    pages), and the number of experts named on it."""
    total = tallied.total
    return Figures(
        experts=tallied.reach.get("expert", 0),
        enterprises=tallied.reach.get("enterprise", 0),
        problems=int(total.get("filed", 0)),
        intentions=int(total.get("intentions", 0)),
        agreements=int(total.get("agreements", 0)),
        visits=int(total.get("visits", 0)),
        experts_taking_part=named,
    )


def _covered(campaign: Campaign, model: type[County] | type[Park]) -> Any:
    """The campaign's counties (or parks); every active one when it covers the whole zone."""
    named = campaign.counties if model is County else campaign.parks
    if not campaign.counties and not campaign.parks:
        return model.active.is_(True)
    return model.id.in_([p.id for p in named])


def _key_enterprises(campaign: Campaign) -> Any:
    """Every active key enterprise in the places the campaign covers, with its problems filed
    in the campaign, read from the dashboard's reach tally by its primary key for each key
    enterprise (never the ticket table)."""
    problems = (
        select(func.coalesce(func.sum(ReachTally.n), 0))
        .where(
            ReachTally.kind == "enterprise",
            ReachTally.subject_id == Enterprise.id,
            ReachTally.campaign_id == campaign.id,
        )
        .correlate(Enterprise)
        .scalar_subquery()
    )
    where = [Enterprise.key_enterprise.is_(True), Enterprise.active.is_(True)]
    if campaign.counties or campaign.parks:
        where.append(
            Enterprise.county_id.in_([c.id for c in campaign.counties])
            | Enterprise.park_id.in_([p.id for p in campaign.parks])
        )
    place = func.coalesce(County.name, "") + literal(" ") + func.coalesce(Park.name, "")
    return (
        select(literal("key"), Enterprise.id, Enterprise.name, place, problems)
        .outerjoin(County, County.id == Enterprise.county_id)
        .outerjoin(Park, Park.id == Enterprise.park_id)
        .where(*where)
    )


def coverage(
    campaign: Campaign, tallied: Dashboard
) -> tuple[int, list[PlaceRow], list[KeyEnterpriseRow]]:
    """The experts named on the campaign, the counties and parks it covers with their problems
    (the park and county their enterprise had when they were filed, as the dashboard counts
    them) and its key enterprises; the ones not reached first. One statement."""
    named = (
        select(func.count())
        .select_from(campaign_expert)
        .where(campaign_expert.c.campaign_id == campaign.id)
        .scalar_subquery()
    )
    parts = [
        select(literal("named"), literal(0), literal(""), literal(""), named),
        *(
            select(literal(kind), model.id, model.name, literal(""), literal(0)).where(
                _covered(campaign, model)
            )
            for kind, model in (("county", County), ("park", Park))
        ),
        _key_enterprises(campaign),
    ]
    experts, places, enterprises = 0, [], []
    for kind, row_id_, name, place, n in db.rows(union_all(*parts)):
        if kind == "named":
            experts = int(n or 0)
        elif kind == "key":
            enterprises.append(KeyEnterpriseRow(row_id_, name, str(place).strip(), int(n or 0)))
        else:
            filed = tallied.groups.get(kind, {}).get(str(row_id_), {}).get("filed", 0)
            places.append(PlaceRow(kind, row_id_, name, int(filed)))
    places.sort(key=lambda p: (p.reached, p.kind, p.name))
    enterprises.sort(key=lambda e: (e.reached, e.name))
    return experts, places, enterprises


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
    tallied = dashboard(Filters(campaign=campaign.id), medians=False)
    named, places, enterprises = coverage(campaign, tallied)
    return CampaignPage(campaign, figures(named, tallied), places, enterprises, signed)
