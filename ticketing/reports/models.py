"""Running tallies the dashboard reads instead of scanning tickets.

Both are kept in the same transaction as every change (reports/tallies.py), so they are exact
at every commit, and `flask rebuild-tallies` recomputes them from the tickets and their history.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db import Base


class TicketTally(Base):
    """How many filed tickets are in each state, by category and current university."""

    __tablename__ = "ticket_tally"

    state: Mapped[str] = mapped_column(String(24), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: none yet
    n: Mapped[int] = mapped_column(Integer, default=0)


class EnterpriseTally(Base):
    """How many filed tickets each enterprise has (an enterprise served has one or more)."""

    __tablename__ = "enterprise_tally"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class EventTally(Base):
    """How many history events of each action happened each month, with the amounts they
    record (an agreement's amount, a landed outcome's economic benefit, in 万元)."""

    __tablename__ = "event_tally"

    action: Mapped[str] = mapped_column(String(30), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # first day, Asia/Shanghai
    n: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))


# The dimensions every dashboard filter runs on: the month the problem was filed (first day,
# Asia/Shanghai), its category, the park and county its enterprise had when it was filed (the
# snapshot kept on the ticket), the university (0: none) and the campaign (0: none).
DIMENSIONS = ("month", "category", "park_id", "county_id", "university_id", "campaign_id")
# What a ticket adds to its key while it is filed (reports/measures.py says what each means).
TICKET_MEASURES = (
    "filed",
    "routed",
    "resolved",
    "returned",
    "visits",
    "rated",
    "rating_sum",
    "route_n",
    "route_seconds",
    "assign_n",
    "assign_seconds",
    "resolve_n",
    "resolve_seconds",
    "on_time",
)
# What a cooperation (an `outcome` row) adds to its problem's key, with its own university.
COOPERATION_MEASURES = ("intentions", "agreements", "amount", "landed", "benefit", "abandoned")
# What a university's return of a problem adds to the problem's key with that university: the
# problems it returned to the zone (ticket_university.returned_at), wherever they are now.
RETURN_MEASURES = ("returns",)
MEASURES = TICKET_MEASURES + COOPERATION_MEASURES + RETURN_MEASURES
# The steps whose days the dashboard gives as medians (DurationTally).
STEPS = ("route", "assign", "resolve")


class FactTally(Base):
    """Every dashboard count and sum, by the filter dimensions."""

    __tablename__ = "fact_tally"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    park_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filed: Mapped[int] = mapped_column(Integer, default=0)
    routed: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    route_n: Mapped[int] = mapped_column(Integer, default=0)
    route_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    assign_n: Mapped[int] = mapped_column(Integer, default=0)
    assign_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    resolve_n: Mapped[int] = mapped_column(Integer, default=0)
    resolve_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    # of the route, assign and resolve steps counted above, those done within their target
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    intentions: Mapped[int] = mapped_column(Integer, default=0)
    agreements: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    landed: Mapped[int] = mapped_column(Integer, default=0)
    benefit: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)


class ReachTally(Base):
    """For the distinct counts (enterprises served, experts engaged): how many filed tickets
    each enterprise (kind "enterprise") and each current expert (kind "expert") has, by the
    same dimensions."""

    __tablename__ = "reach_tally"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    park_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class DurationTally(Base):
    """For the medians: how many filed tickets took each number of whole days (floored) over
    each step (route: submitted → routed, assign: routed → expert assigned, resolve: started →
    resolved), by the month filed, the university (0: none) and the campaign (0: none).

    Fewer dimensions than FactTally: a histogram by every dimension would hold about as many
    rows as there are tickets. The dashboard reads the medians from here when it is filtered
    by period, campaign and university only; with a park, county or category it reads
    PlaceDurationTally."""

    __tablename__ = "duration_tally"

    step: Mapped[str] = mapped_column(String(8), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class PlaceDurationTally(Base):
    """DurationTally by every dashboard dimension (category, park and county too), for the
    medians under a park, county or category filter with a period or campaign: about one row
    per ten tickets, read through the indexes of the filters."""

    __tablename__ = "place_duration_tally"
    __table_args__ = (
        Index("ix_place_duration_tally_park_id", "park_id"),
        Index("ix_place_duration_tally_county_id", "county_id"),
        Index("ix_place_duration_tally_category", "category"),
    )

    step: Mapped[str] = mapped_column(String(8), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    park_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class PlaceDaysTally(Base):
    """PlaceDurationTally without the month and the campaign, for the medians under a park,
    county or category filter over all time (a park over three years would read a twelfth of
    PlaceDurationTally; here a twelfth of a table six times smaller)."""

    __tablename__ = "place_days_tally"
    __table_args__ = (
        Index("ix_place_days_tally_park_id", "park_id"),
        Index("ix_place_days_tally_county_id", "county_id"),
        Index("ix_place_days_tally_category", "category"),
    )

    step: Mapped[str] = mapped_column(String(8), primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    park_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class DaysTally(Base):
    """DurationTally without the month and the campaign, for the medians over all time (the
    dashboard as it opens): a few thousand rows whatever the number of tickets."""

    __tablename__ = "days_tally"

    step: Mapped[str] = mapped_column(String(8), primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


# The histograms of the steps' days, each by its key columns (step first, days last).
HISTOGRAMS: tuple[tuple[type[Base], tuple[str, ...]], ...] = (
    (DurationTally, ("step", "month", "university_id", "campaign_id", "days")),
    (
        PlaceDurationTally,
        (
            "step",
            "month",
            "university_id",
            "campaign_id",
            "category",
            "park_id",
            "county_id",
            "days",
        ),
    ),
    (PlaceDaysTally, ("step", "university_id", "category", "park_id", "county_id", "days")),
    (DaysTally, ("step", "university_id", "days")),
)
