"""What each dashboard figure counts, defined once, for the tallies, the rebuild and the lists.

Decisions (the page says the first one in a line):
- **Period**: every figure, cooperations included, falls in the month its problem was filed
  (`submitted_at`, in Asia/Shanghai). A campaign filter is the tickets tagged to it.
- **Park and county** are the enterprise's when the problem was filed: a snapshot kept on the
  ticket (`filed_park_id`, `filed_county_id`, set by reports/tallies.py at submission), so a
  later move of the enterprise leaves the figures as they were filed.
- **University**: a problem counts with the university it is with now (0: none); a
  cooperation with its own university (`outcome.university_id`, else its problem's).
- Problems: *filed* (not a draft), *routed* (with a university now: "received"), *resolved*
  (has a resolution now), *returned* (returned by a university and waiting at the zone),
  *visits* (its visit records), *rated* (a 1–5 satisfaction on close).
- Days to route (routed − submitted), to assign (expert assigned − routed) and to resolve
  (resolved − started): the page gives **medians** of the whole days each ticket took
  (floored: 1 day 23 hours is 1), over the tickets that have both times; with an even number
  of tickets the mean of the two middle ones (so 2.5 can be seen). The tally keeps the
  number of tickets per whole day (DurationTally); FactTally keeps sums of seconds as well.
- *returns* (by university): the problems the university returned to the zone, each once
  however often (ticket_university.returned_at), counted in the problem's key with the
  returning university, wherever the problem is now.
- Cooperations (`outcome` rows): *intentions* (every one), *agreements* (signed), their
  amount, *landed* with the benefit, *abandoned*.
- Distinct counts: enterprises served (enterprises of filed tickets), experts engaged (experts
  assigned to filed tickets now), parks and counties covered (with a filed ticket).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal
from sqlalchemy.sql.expression import true

from ticketing import db
from ticketing.outcomes.models import Outcome
from ticketing.tickets.deadlines import ASSIGN, RESOLVE, ROUTE
from ticketing.tickets.models import Ticket, Visit
from ticketing.workflow import State

TicketKey = tuple[date, str, int, int, int, int]


def month_of(moment: datetime) -> date:
    """The first day of the moment's month where the zone is (Asia/Shanghai)."""
    return moment.astimezone(db.ZONE_TIME).date().replace(day=1)


def seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int(end.timestamp()) - int(start.timestamp())


# -- problems: the ticket's values as a key and the figures it adds there ----------------------


def ticket_key(v: dict[str, Any]) -> TicketKey | None:
    """The key of a ticket with values `v` (None: a draft, counted nowhere)."""
    if v["state"] in (None, State.DRAFT):
        return None
    filed_at = v["submitted_at"] or v["created_at"]
    return (
        month_of(filed_at),
        str(v["category"]),
        v["filed_park_id"] or 0,
        v["filed_county_id"] or 0,
        v["university_id"] or 0,
        v["campaign_id"] or 0,
    )


def ticket_figures(v: dict[str, Any]) -> dict[str, int]:
    """What a filed ticket with values `v` adds to its key (visits apart)."""
    route = seconds(v["submitted_at"], v["routed_at"]) if v["routed_at"] else None
    assign = seconds(v["routed_at"], v["expert_assigned_at"])
    resolve = seconds(v["started_at"], v["resolved_at"])
    mask = v["on_time_steps"] or 0
    on_time = sum(
        1
        for took, bit in ((route, ROUTE), (assign, ASSIGN), (resolve, RESOLVE))
        if took is not None and mask & bit
    )
    return {
        "filed": 1,
        "routed": int(v["university_id"] is not None),
        "resolved": int(v["resolved_at"] is not None),
        "returned": int(v["returned_at"] is not None and v["state"] == State.SUBMITTED),
        "rated": int(v["satisfaction"] is not None),
        "rating_sum": v["satisfaction"] or 0,
        "route_n": int(route is not None),
        "route_seconds": route or 0,
        "assign_n": int(assign is not None),
        "assign_seconds": assign or 0,
        "resolve_n": int(resolve is not None),
        "resolve_seconds": resolve or 0,
        "on_time": on_time,
    }


DAY = 86_400


def step_days(v: dict[str, Any]) -> dict[str, int]:
    """The whole days (floored) a ticket with values `v` took over each step it has done."""
    spans = {
        "route": seconds(v["submitted_at"], v["routed_at"]),
        "assign": seconds(v["routed_at"], v["expert_assigned_at"]),
        "resolve": seconds(v["started_at"], v["resolved_at"]),
    }
    return {step: took // DAY for step, took in spans.items() if took is not None}


TICKET_VALUES = (
    "state",
    "priority",
    "category",
    "filed_park_id",
    "filed_county_id",
    "university_id",
    "campaign_id",
    "submitted_at",
    "created_at",
    "routed_at",
    "returned_at",
    "expert_assigned_at",
    "started_at",
    "resolved_at",
    "satisfaction",
    "enterprise_id",
    "expert_id",
    "on_time_steps",
)


def cooperation_figures(o: dict[str, Any]) -> dict[str, Any]:
    agreed = o["agreement_date"] is not None
    landed = o["landed_date"] is not None
    return {
        "intentions": 1,
        "agreements": int(agreed),
        "amount": Decimal(o["amount"] or 0) if agreed else Decimal(0),
        "landed": int(landed),
        "benefit": Decimal(o["economic_benefit"] or 0) if landed else Decimal(0),
        "abandoned": int(o["abandoned_reason"] is not None),
    }


COOPERATION_VALUES = (
    "ticket_id",
    "university_id",
    "agreement_date",
    "amount",
    "landed_date",
    "economic_benefit",
    "abandoned_reason",
)


# -- the same as SQL: what the rebuild sums and the lists filter on ----------------------------

FILED = Ticket.state != State.DRAFT
# when a problem was filed: every filed ticket has it (the submit step sets it), and the lists
# read a period from ix_ticket_filed (submitted_at, id)
FILED_AT = Ticket.submitted_at
COOPERATION_UNIVERSITY = func.coalesce(Outcome.university_id, Ticket.university_id, 0)


def visited() -> ColumnElement[bool]:
    return exists().where(Visit.ticket_id == Ticket.id)


# figure → the tickets it counts (lists of problems)
TICKET_PREDICATES: dict[str, Any] = {
    "filed": true(),
    "routed": Ticket.university_id.is_not(None),
    "resolved": Ticket.resolved_at.is_not(None),
    "returned": and_(Ticket.returned_at.is_not(None), Ticket.state == State.SUBMITTED),
    "visits": None,  # built per statement: visited()
    "returned_by": None,  # built per statement with the university: queries._returned_by()
    "rated": Ticket.satisfaction.is_not(None),
    "assigned": and_(Ticket.expert_assigned_at.is_not(None), Ticket.routed_at.is_not(None)),
    "engaged": Ticket.expert_id.is_not(None),
}

# figure → the cooperations it counts (lists of cooperations)
COOPERATION_PREDICATES: dict[str, Any] = {
    "intentions": true(),
    "agreements": Outcome.agreement_date.is_not(None),
    "landed": Outcome.landed_date.is_not(None),
    "abandoned": Outcome.abandoned_reason.is_not(None),
}


def ticket_predicate(figure: str) -> ColumnElement[bool]:
    if figure == "visits":
        return visited()
    return TICKET_PREDICATES[figure]


def zero() -> Any:
    return literal(0)
