"""The monthly and yearly report: the period's figures in the words the zone reports upward.

Everything on it comes from the dashboard's tallies (queries.dashboard with the period as its
filter, so the two never disagree), plus the few small tables of the period's events: fairs
and ceremonies held, university–county/park agreements signed, rewards decided. A liaison's
report is their university's, as their dashboard is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, union_all

from ticketing import db
from ticketing.fairs.models import Fair, FairKind
from ticketing.orgs.models import RegionAgreement
from ticketing.outcomes.models import Reward, RewardDecision
from ticketing.reports.filters import Filters
from ticketing.reports.queries import Dashboard, dashboard
from ticketing.tickets.models import CATEGORY_LABELS

# The sentence of the source reports, filled from the figures (the campaign page says the same).
REPORT_SENTENCE = _l(
    "%(experts)d experts visited %(enterprises)d enterprises for one-to-one matchmaking and "
    "order-based services, collected %(problems)d problems of all kinds, reached "
    "%(intentions)d cooperation intentions and signed %(agreements)d cooperation agreements."
)


def report_sentence(figures: Dashboard) -> str:
    return str(
        REPORT_SENTENCE
        % {
            "experts": figures.reach.get("expert", 0),
            "enterprises": figures.reach.get("enterprise", 0),
            "problems": figures.total.get("filed", 0),
            "intentions": figures.total.get("intentions", 0),
            "agreements": figures.total.get("agreements", 0),
        }
    )


@dataclass(frozen=True)
class Events:
    """What the zone did in the period besides the tickets."""

    fairs: int
    ceremonies: int
    region_agreements: int
    rewards: int  # rewards awarded in the period's year
    reward_amount: Decimal


@dataclass
class PeriodReport:
    filters: Filters
    figures: Dashboard
    events: Events
    sentence: str

    @property
    def monthly(self) -> bool:
        return self.filters.month is not None


def _events(start: date, end: date, year: int, university: int | None) -> Events:
    """One statement: the period's fairs, ceremonies, agreements and the year's rewards."""
    held = (Fair.held_on >= start, Fair.held_on < end)
    signed = [RegionAgreement.signed_on >= start, RegionAgreement.signed_on < end]
    if university is not None:
        signed.append(RegionAgreement.university_id == university)
    awarded = (Reward.year == year, Reward.decision == RewardDecision.AWARDED)
    parts = [
        select(literal("fair"), func.count(Fair.id), literal(0)).where(
            Fair.kind == FairKind.FAIR, *held
        ),
        select(literal("ceremony"), func.count(Fair.id), literal(0)).where(
            Fair.kind == FairKind.CEREMONY, *held
        ),
        select(literal("agreement"), func.count(RegionAgreement.id), literal(0)).where(*signed),
        select(
            literal("reward"), func.count(Reward.id), func.coalesce(func.sum(Reward.amount), 0)
        ).where(*awarded),
    ]
    found = {
        kind: (int(n or 0), Decimal(str(amount or 0)))
        for kind, n, amount in db.rows(union_all(*parts))
    }
    return Events(
        fairs=found["fair"][0],
        ceremonies=found["ceremony"][0],
        region_agreements=found["agreement"][0],
        rewards=found["reward"][0],
        reward_amount=found["reward"][1],
    )


def period_report(filters: Filters) -> PeriodReport:
    """The report of `filters`' year (and month, if one is set); three statements."""
    assert filters.year is not None
    months = filters.months()
    assert months is not None
    figures = dashboard(filters)
    events = _events(months[0], months[1], filters.year, filters.university)
    return PeriodReport(filters, figures, events, report_sentence(figures))


def summary_rows(report: PeriodReport) -> list[tuple[str, Any]]:
    """The report's figures as (label, value) rows: the summary download."""
    t, reach = report.figures.total, report.figures.reach
    rows: list[tuple[Any, Any]] = [
        (_l("Problems filed"), t.get("filed", 0)),
        (_l("Problems resolved"), t.get("resolved", 0)),
        (_l("Enterprises served"), reach.get("enterprise", 0)),
        (_l("Experts engaged"), reach.get("expert", 0)),
        (_l("Counties covered"), report.figures.covered("county")),
        (_l("Parks covered"), report.figures.covered("park")),
        (_l("Visit records"), t.get("visits", 0)),
        (_l("Cooperation intentions"), t.get("intentions", 0)),
        (_l("Cooperation agreements"), t.get("agreements", 0)),
        (_l("Agreed amount (10,000 yuan)"), t.get("amount", Decimal(0))),
        (_l("Outcomes landed"), t.get("landed", 0)),
        (_l("Added output value (10,000 yuan)"), t.get("benefit", Decimal(0))),
        (_l("Matchmaking fairs held"), report.events.fairs),
        (_l("Signing ceremonies held"), report.events.ceremonies),
        (_l("University–county/park agreements signed"), report.events.region_agreements),
        (_l("Rewards awarded in the year"), report.events.rewards),
        (_l("Reward amount (10,000 yuan)"), report.events.reward_amount),
    ]
    by_category = report.figures.groups.get("category", {})
    for key, label in CATEGORY_LABELS.items():
        filed = by_category.get(str(key), {}).get("filed", 0)
        rows.append((_l("Problems: %(category)s", category=label), filed))
    return [(str(label), value) for label, value in rows]
