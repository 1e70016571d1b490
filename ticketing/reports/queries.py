"""Dashboard figures, read from the fact tallies (reports/tallies.py), and the lists of the
tickets and cooperations each figure counts, read with the same definitions
(reports/measures.py) from the tickets under permissions.visible_tickets().

Costs: the dashboard is two statements that sum the filtered FactTally rows (one UNION ALL of
the groupings) and count distinct subjects in ReachTally; neither reads the ticket table.
FactTally has at most months × categories × (park, county) pairs × universities × campaigns
rows; at 1,000,000 tickets over 36 months that is tens of thousands of rows, and a filter
narrows it. A list reads one page of 50 by descending id (keyset), its count comes from the
tallies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from ticketing import db
from ticketing.accounts.models import Role, RoleGrant, User
from ticketing.campaigns.models import Campaign
from ticketing.orgs.models import County, Enterprise, Park, University
from ticketing.outcomes.models import Outcome
from ticketing.permissions import CONFIDENTIAL_TITLE, is_admin, visible_tickets
from ticketing.reports import measures
from ticketing.reports.filters import Filters
from ticketing.reports.models import (
    MEASURES,
    STEPS,
    DaysTally,
    DurationTally,
    FactTally,
    PlaceDaysTally,
    PlaceDurationTally,
    ReachTally,
)
from ticketing.tickets.models import Ticket, TicketUniversity, Visit

PAGE = 50
EXPORT_CAP = 50_000
GROUPS = ("total", "month", "category", "park", "county", "university")


@dataclass
class Dashboard:
    total: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    reach: dict[str, int] = field(default_factory=dict)
    # university key ("" for all) → step → the two middle whole days added (see median_days)
    medians: dict[str, dict[str, int]] = field(default_factory=dict)

    def median_days(self, key: str, step: str) -> float | None:
        """The median whole days of a step, by university key ("" for all): None when no
        ticket has done the step."""
        twice = self.medians.get(key, {}).get(step)
        return None if twice is None else twice / 2

    def mean_days(self, figures: dict[str, Any], step: str) -> float | None:
        n = figures.get(f"{step}_n") or 0
        return round(figures[f"{step}_seconds"] / n / 86400, 1) if n else None

    @staticmethod
    def share_on_time(figures: dict[str, Any]) -> float | None:
        """Of the route, assign and resolve steps done, the share done within their targets
        (per cent)."""
        done = sum(figures.get(f"{step}_n") or 0 for step in ("route", "assign", "resolve"))
        return round(100 * figures["on_time"] / done, 1) if done else None

    @staticmethod
    def mean_rating(figures: dict[str, Any]) -> float | None:
        rated = figures.get("rated") or 0
        return round(figures["rating_sum"] / rated, 2) if rated else None

    def covered(self, kind: str) -> int:
        """Parks or counties with a filed problem (0: none is not one)."""
        return sum(1 for key, row in self.groups[kind].items() if key != "0" and row["filed"])

    @property
    def share_served(self) -> float | None:
        every = self.reach.get("all_enterprises") or 0
        return round(100 * self.reach.get("enterprise", 0) / every, 1) if every else None


def _where(model: Any, filters: Filters) -> list[ColumnElement[bool]]:
    """The filters on a tally's dimensions."""
    clauses: list[ColumnElement[bool]] = []
    months = filters.months()
    if months is not None:
        clauses += [model.month >= months[0], model.month < months[1]]
    for name in ("campaign", "park", "county", "category", "university"):
        value = getattr(filters, name)
        if value is not None:
            column = "category" if name == "category" else f"{name}_id"
            clauses.append(getattr(model, column) == value)
    return clauses


def _group_key(name: str) -> Any:
    columns = {
        "total": literal(""),
        "month": FactTally.month,
        "category": FactTally.category,
        "park": FactTally.park_id,
        "county": FactTally.county_id,
        "university": FactTally.university_id,
    }
    return cast(columns[name], String)


GROUP_COLUMNS = {
    "month": FactTally.month,
    "category": FactTally.category,
    "park": FactTally.park_id,
    "county": FactTally.county_id,
    "university": FactTally.university_id,
}


# what the page shows of each month, category, park and county
GROUP_MEASURES = frozenset({"filed", "resolved", "intentions", "agreements"})


def _fact_sums(where: list[ColumnElement[bool]]) -> Any:
    """The sums of every measure in total and by each grouping, as (kind, key, *sums) rows.

    PostgreSQL reads the filtered tally rows twice with GROUPING SETS: every measure in total
    and by university, and the four the page shows by month, category, park and county (the
    rest read as 0 there). SQLite, which has no grouping sets, reads them once per grouping
    (UNION ALL). The one dialect-specific choice here."""
    sums = [func.coalesce(func.sum(getattr(FactTally, name)), 0) for name in MEASURES]
    if db.dialect_name() == "postgresql":
        # each pass first sums the tally rows once by its finest grouping (a hash over the
        # filtered rows), then the grouping sets roll those few rows up
        by_university = (
            select(
                FactTally.university_id, *(s.label(n) for s, n in zip(sums, MEASURES, strict=True))
            )
            .where(*where)
            .group_by(FactTally.university_id)
            .subquery()
        )
        university = by_university.c.university_id
        whole = select(
            case((func.grouping(university) == 1, "total"), else_="university"),
            func.coalesce(cast(university, String), ""),
            *(func.coalesce(func.sum(by_university.c[name]), 0) for name in MEASURES),
        ).group_by(func.grouping_sets(tuple_(), tuple_(university)))
        names = ("month", "category", "park", "county")
        shown = [name for name in MEASURES if name in GROUP_MEASURES]
        by_place = (
            select(
                *(GROUP_COLUMNS[name].label(name) for name in names),
                *(func.sum(getattr(FactTally, name)).label(name) for name in shown),
            )
            .where(*where)
            .group_by(*(GROUP_COLUMNS[name] for name in names))
            .subquery()
        )
        few = [
            func.coalesce(func.sum(by_place.c[name]), 0) if name in shown else literal(0)
            for name in MEASURES
        ]
        kind = case(
            *((func.grouping(by_place.c[name]) == 0, name) for name in names[:-1]),
            else_=names[-1],
        )
        key = case(
            *(
                (func.grouping(by_place.c[name]) == 0, cast(by_place.c[name], String))
                for name in names[:-1]
            ),
            else_=cast(by_place.c[names[-1]], String),
        )
        parts = func.grouping_sets(*(tuple_(by_place.c[name]) for name in names))
        return union_all(whole, select(kind, key, *few).group_by(parts))
    parts = []
    for name in GROUPS:
        key = _group_key(name)
        part = select(literal(name), key, *sums).where(*where)
        parts.append(part if name == "total" else part.group_by(key))
    return union_all(*parts)


def _fact_rows(where: list[ColumnElement[bool]]) -> list[tuple[str, str, list[Any]]]:
    """(grouping, key, sums) whatever the database."""
    return [(kind, str(key), values) for kind, key, *values in db.rows(_fact_sums(where))]


def _reached(kind: str, subject: Any, filters: Filters) -> Any:
    """Whether `subject` has a tally row of `kind` within the filters: one index probe per
    subject that stops at the first row found (a distinct count over the tally would read
    every row of the period)."""
    probe = (
        select(literal(1))
        .where(
            ReachTally.kind == kind,
            ReachTally.subject_id == subject,
            ReachTally.n > 0,
            *_where(ReachTally, filters),
        )
        .limit(1)
        .scalar_subquery()
    )
    return probe.is_not(None)


def _histogram(filters: Filters) -> Any:
    """(university, step, days, n): how many tickets took each whole number of days over each
    step, summed by university, from the smallest histogram that has the filters' dimensions:
    DaysTally over all time, DurationTally for a period or campaign; with a park, county or
    category, PlaceDurationTally when a period or campaign is chosen too, else PlaceDaysTally
    (a university filter applies to each)."""
    timed = filters.months() is not None or filters.campaign is not None
    model: Any = DurationTally if timed else DaysTally
    if not (filters.park is None and filters.county is None and filters.category is None):
        model = PlaceDurationTally if timed else PlaceDaysTally
    return (
        select(model.university_id, model.step, model.days, func.sum(model.n).label("n"))
        .where(*_where(model, filters), model.n > 0)
        .group_by(model.university_id, model.step, model.days)
        .cte("histogram")
    )


def _medians(filters: Filters) -> Any:
    """Per university and for all, per step: the two middle values of the whole days added
    (the median times two), computed in SQL from the histogram with running sums: with N
    tickets and `below` of them at most d days, the middle ones are the first d with
    2·below ≥ N and the first with 2·below ≥ N + 1 (the same one when N is odd)."""
    histogram = _histogram(filters)
    by_university = select(
        cast(histogram.c.university_id, String).label("key"),
        histogram.c.step,
        histogram.c.days,
        histogram.c.n,
    )
    overall = select(
        literal("").label("key"),
        histogram.c.step,
        histogram.c.days,
        func.sum(histogram.c.n).label("n"),
    ).group_by(histogram.c.step, histogram.c.days)
    counted = union_all(by_university, overall).subquery()
    partition = (counted.c.key, counted.c.step)
    running = select(
        counted.c.key,
        counted.c.step,
        counted.c.days,
        func.sum(counted.c.n).over(partition_by=partition, order_by=counted.c.days).label("below"),
        func.sum(counted.c.n).over(partition_by=partition).label("total"),
    ).subquery()
    below, total, days = running.c.below, running.c.total, running.c.days
    first = func.min(case((2 * below >= total, days)))
    second = func.min(case((2 * below >= total + 1, days)))
    return select(running.c.key, running.c.step, first + second).group_by(
        running.c.key, running.c.step
    )


def dashboard(filters: Filters, medians: bool = True) -> Dashboard:
    """Every figure of the page: three statements (two without the medians), whatever the
    number of tickets."""
    result = Dashboard(groups={name: {} for name in GROUPS[1:]})
    for kind, key, values in _fact_rows(_where(FactTally, filters)):
        figures = dict(zip(MEASURES, values, strict=True))
        figures = {
            k: Decimal(v) if k in ("amount", "benefit") else int(v) for k, v in figures.items()
        }
        if kind == "total":
            result.total = figures
        elif any(figures.values()):
            result.groups[kind][key] = figures
    if not result.total:
        result.total = dict.fromkeys(MEASURES, 0)
    expert = exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.EXPERT)
    reach = [
        select(literal("enterprise"), func.count(Enterprise.id)).where(
            _reached("enterprise", Enterprise.id, filters)
        ),
        select(literal("expert"), func.count(User.id)).where(
            expert, _reached("expert", User.id, filters)
        ),
    ]
    every = select(literal("all_enterprises"), func.count(Enterprise.id)).where(
        Enterprise.active.is_(True),
        *([Enterprise.park_id == filters.park] if filters.park else []),
        *([Enterprise.county_id == filters.county] if filters.county else []),
    )
    result.reach = {kind: int(n) for kind, n in db.rows(union_all(*reach, every))}
    for key, step, twice in db.rows(_medians(filters)) if medians else ():
        if step in STEPS and twice is not None:
            result.medians.setdefault(str(key), {})[step] = int(twice)
    return result


def names() -> dict[str, dict[str, str]]:
    """The names of the parks, counties, universities and campaigns, by id: one statement."""
    parts = [
        select(literal(kind), cast(model.id, String), model.name)
        for kind, model in (
            ("park", Park),
            ("county", County),
            ("university", University),
            ("campaign", Campaign),
        )
    ]
    found: dict[str, dict[str, str]] = {"park": {}, "county": {}, "university": {}, "campaign": {}}
    for kind, key, name in db.rows(union_all(*parts)):
        found[kind][key] = name
    return found


# -- the lists -----------------------------------------------------------------------------------


def _ticket_filters(filters: Filters, university: Any) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [measures.FILED]
    moments = filters.moments()
    if moments is not None:
        filed_at = measures.FILED_AT
        clauses += [filed_at >= moments[0], filed_at < moments[1]]
    for name, column in (
        ("campaign", Ticket.campaign_id),
        ("park", Ticket.filed_park_id),
        ("county", Ticket.filed_county_id),
        ("category", Ticket.category),
        ("university", university),
    ):
        value = getattr(filters, name)
        if value is not None and column is not None:
            clauses.append(column == value)
    return clauses


def _returned_by(filters: Filters) -> ColumnElement[bool]:
    """The problems returned to the zone by the filtered university (by any without one)."""
    by = [TicketUniversity.university_id == filters.university] if filters.university else []
    return exists().where(
        TicketUniversity.ticket_id == Ticket.id, TicketUniversity.returned_at.is_not(None), *by
    )


def _title(user: User) -> Any:
    if is_admin(user):
        return Ticket.title
    return case((Ticket.confidential.is_(True), null()), else_=Ticket.title)


def _shown(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    if values.get("title") is None:
        values["title"] = str(CONFIDENTIAL_TITLE)
    return values


def _older_than(after: int) -> ColumnElement[bool]:
    """The keyset of the ticket lists: filed before the ticket `after`, in filing order (then
    id), so a period is one range of ix_ticket_filed."""
    filed = select(Ticket.submitted_at).where(Ticket.id == after).scalar_subquery()
    return tuple_(Ticket.submitted_at, Ticket.id) < tuple_(filed, after)


def ticket_rows(
    user: User, filters: Filters, figure: str, after: int | None, limit: int = PAGE
) -> list[dict[str, Any]]:
    """The tickets `figure` counts under `filters`, the last filed first, after ticket `after`."""
    visits = select(func.count(Visit.id)).where(Visit.ticket_id == Ticket.id).scalar_subquery()
    query = (
        select(
            Ticket.id,
            Ticket.number,
            _title(user).label("title"),
            Ticket.category,
            Ticket.state,
            Ticket.submitted_at,
            Enterprise.name.label("enterprise"),
            Enterprise.id.label("enterprise_id"),
            Park.name.label("park"),
            Park.id.label("park_id"),
            County.name.label("county"),
            County.id.label("county_id"),
            University.name.label("university"),
            Ticket.expert_id,
            Ticket.satisfaction,
            visits.label("visits"),
        )
        .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
        .outerjoin(Park, Park.id == Ticket.filed_park_id)
        .outerjoin(County, County.id == Ticket.filed_county_id)
        .outerjoin(University, University.id == Ticket.university_id)
        .where(
            visible_tickets(user),
            *(
                (_returned_by(filters), *_ticket_filters(filters, None))
                if figure == "returned_by"
                else (
                    measures.ticket_predicate(figure),
                    *_ticket_filters(filters, Ticket.university_id),
                )
            ),
            _older_than(after) if after else true(),
        )
        .order_by(Ticket.submitted_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return [_shown(row) for row in db.rows(query)]


def _cooperation_older_than(after: int) -> ColumnElement[bool]:
    """The keyset of the cooperation lists: their problems in filing order (read from
    ix_ticket_filed), then the cooperations of one problem by id."""
    of = aliased(Outcome)
    mark = (
        select(Ticket.submitted_at, Ticket.id, of.id)
        .join(of, of.ticket_id == Ticket.id)
        .where(of.id == after)
        .subquery()
    )
    return tuple_(Ticket.submitted_at, Outcome.ticket_id, Outcome.id) < tuple_(
        select(mark.c.submitted_at).scalar_subquery(),
        select(mark.c.id).scalar_subquery(),
        after,
    )


def cooperation_rows(
    user: User, filters: Filters, figure: str, after: int | None, limit: int = PAGE
) -> list[dict[str, Any]]:
    """The cooperations `figure` counts under `filters`, those of the last filed problems
    first, after cooperation `after`."""
    party = University.__table__.alias("party")
    query = (
        select(
            Outcome.id,
            Ticket.number,
            _title(user).label("title"),
            Outcome.title.label("cooperation"),
            Outcome.cooperation_form,
            Enterprise.name.label("enterprise"),
            party.c.name.label("university"),
            Outcome.intention_date,
            Outcome.agreement_date,
            Outcome.amount,
            Outcome.landed_date,
            Outcome.economic_benefit,
            Outcome.abandoned_reason,
        )
        .select_from(Outcome)
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
        .outerjoin(party, party.c.id == measures.COOPERATION_UNIVERSITY)
        .where(
            visible_tickets(user),
            measures.COOPERATION_PREDICATES[figure],
            *_ticket_filters(filters, measures.COOPERATION_UNIVERSITY),
            _cooperation_older_than(after) if after else true(),
        )
        .order_by(Ticket.submitted_at.desc(), Outcome.ticket_id.desc(), Outcome.id.desc())
        .limit(limit)
    )
    return [_shown(row) for row in db.rows(query)]


# what each list's count is in the tallies
TICKET_COUNTS = {
    "filed": "filed",
    "routed": "routed",
    "resolved": "resolved",
    "returned": "returned",
    "returned_by": "returns",
    "visits": "visits",
    "rated": "rated",
    "assigned": "assign_n",
}
COOPERATION_COUNTS = {name: name for name in measures.COOPERATION_PREDICATES}


def list_count(filters: Filters, column: str) -> int:
    """A list's size from the tallies (the same figure the dashboard shows)."""
    query = select(func.coalesce(func.sum(getattr(FactTally, column)), 0)).where(
        *_where(FactTally, filters)
    )
    return int(db.session.scalar(query) or 0)
