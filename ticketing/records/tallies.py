"""The work records' tallies, kept in step with every change by history.record().

Like reports/tallies.py: moves() reads what a change does to the ticket before it is flushed
(the ticket's contribution leaves the key it had and joins the key it has now), count() applies
the moves and the event's own counts after, as upserts inside the open transaction, so a change
that rolls back takes its counts with it.

- commissioner_year: keyed by the filer, the year the ticket was submitted and its enterprise;
  a ticket counts as filed, routed (has a university now), resolved (reached resolved or
  beyond) and its close rating.
- expert_year: keyed by the current expert and the year of their assignment; the ticket counts
  with its days to start and to resolve and its close rating. Events add the expert's visit
  records and the cooperation steps of their tickets (with the cooperation's rating when it
  lands) in the year they happened.

rebuild() recomputes both from the tickets and their history (`flask rebuild-tallies`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import attributes

from ticketing import db
from ticketing.records.models import CommissionerYear, ExpertYear
from ticketing.tickets.models import Ticket, TicketEvent

# an event's action → the expert_year column it counts in
EVENT_COLUMNS = {
    "visit": "visits",
    "record_intention": "intentions",
    "sign_agreement": "agreements",
    "land": "landed",
}
COMMISSIONER_VALUES = ("filed", "routed", "resolved", "rated", "rating_sum")
EXPERT_VALUES = (
    "tickets",
    "started",
    "start_seconds",
    "resolved",
    "resolve_seconds",
    "rated",
    "rating_sum",
)
NAMES = (
    "filer_id",
    "enterprise_id",
    "expert_id",
    "submitted_at",
    "routed_at",
    "expert_assigned_at",
    "started_at",
    "resolved_at",
    "satisfaction",
)
Part = tuple[Any, dict[str, Any], dict[str, int]]  # model, key, values


def year_of(moment: datetime) -> int:
    """The year of a moment where the zone is (Asia/Shanghai)."""
    return moment.astimezone(db.ZONE_TIME).year


def _seconds(start: datetime | None, end: datetime | None) -> int:
    return round((end - start).total_seconds()) if start and end else 0


def _before(ticket: Ticket, name: str) -> Any:
    history = attributes.get_history(ticket, name)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None if history.added else getattr(ticket, name)


def _parts(v: dict[str, Any]) -> list[Part]:
    """What one ticket, with values `v`, contributes to each tally."""
    found: list[Part] = []
    rating = v["satisfaction"]
    if v["submitted_at"] is not None:
        key = {
            "commissioner_id": v["filer_id"],
            "year": year_of(v["submitted_at"]),
            "enterprise_id": v["enterprise_id"],
        }
        values = {
            "filed": 1,
            "routed": int(v["routed_at"] is not None),
            "resolved": int(v["resolved_at"] is not None),
            "rated": int(rating is not None),
            "rating_sum": rating or 0,
        }
        found.append((CommissionerYear, key, values))
    if v["expert_id"] is not None and v["expert_assigned_at"] is not None:
        started, resolved = v["started_at"], v["resolved_at"]
        key = {"expert_id": v["expert_id"], "year": year_of(v["expert_assigned_at"])}
        values = {
            "tickets": 1,
            "started": int(started is not None),
            "start_seconds": _seconds(v["expert_assigned_at"], started),
            "resolved": int(started is not None and resolved is not None),
            "resolve_seconds": _seconds(started, resolved),
            "rated": int(rating is not None),
            "rating_sum": rating or 0,
        }
        found.append((ExpertYear, key, values))
    return found


def moves(ticket: Ticket) -> list[Part]:
    """How the change not yet flushed moves the ticket's contributions (before the flush)."""
    old = _parts({name: _before(ticket, name) for name in NAMES})
    new = _parts({name: getattr(ticket, name) for name in NAMES})
    if old == new:
        return []
    taken = [(model, key, {k: -n for k, n in values.items()}) for model, key, values in old]
    return taken + new


def count(ticket: Ticket, event: TicketEvent, moved: list[Part]) -> None:
    """Apply the ticket's moves and count the event (after the change is flushed)."""
    for model, key, values in moved:
        _upsert(model, key, values)
    column = EVENT_COLUMNS.get(event.action)
    expert_id = event.actor_id if event.action == "visit" else ticket.expert_id
    if column is None or expert_id is None:
        return
    values = {column: 1}
    rating = event.data.get("satisfaction") if event.action == "land" else None
    if isinstance(rating, int) and not isinstance(rating, bool):
        values.update(coop_rated=1, coop_rating_sum=rating)
    _upsert(ExpertYear, {"expert_id": expert_id, "year": year_of(event.at)}, values)


def _upsert(model: Any, key: dict[str, Any], values: dict[str, int]) -> None:
    columns = COMMISSIONER_VALUES if model is CommissionerYear else (*EXPERT_VALUES, *_EVENTS)
    row = {name: values.get(name, 0) for name in columns}
    dialect = postgresql if db.dialect_name() == "postgresql" else sqlite
    statement = dialect.insert(model).values(**key, **row)
    added = {name: getattr(model, name) + getattr(statement.excluded, name) for name in values}
    db.session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=added))


_EVENTS = ("visits", "intentions", "agreements", "landed", "coop_rated", "coop_rating_sum")


def _year_sql(column: Any) -> Any:
    """year_of() in SQL: one small function per database."""
    if db.dialect_name() == "postgresql":
        local = func.timezone(literal_column("'Asia/Shanghai'"), column)
        return cast(func.extract("year", local), Integer)
    # Asia/Shanghai is UTC+8 all year (no daylight saving time)
    return cast(func.strftime("%Y", column, literal_column("'+8 hours'")), Integer)


def _seconds_sql(start: Any, end: Any) -> Any:
    """_seconds() in SQL: the whole seconds from start to end, 0 when either is missing."""
    if db.dialect_name() == "postgresql":
        span = func.extract("epoch", end - start)
    else:
        span = (func.julianday(end) - func.julianday(start)) * 86400
    return func.coalesce(cast(func.round(span), BigInteger), 0)


def _flag(condition: Any) -> Any:
    return func.sum(cast(condition, Integer))


def rebuild() -> None:
    """Recompute both tallies from the tickets and their history (flushes, does not commit)."""
    for model in (CommissionerYear, ExpertYear):
        db.session.execute(delete(model))
    rating = func.coalesce(func.sum(Ticket.satisfaction), 0)
    year = _year_sql(Ticket.submitted_at)
    filed = (
        select(
            Ticket.filer_id,
            year,
            Ticket.enterprise_id,
            func.count(),
            _flag(Ticket.routed_at.is_not(None)),
            _flag(Ticket.resolved_at.is_not(None)),
            func.count(Ticket.satisfaction),
            rating,
        )
        .where(Ticket.submitted_at.is_not(None))
        .group_by(Ticket.filer_id, year, Ticket.enterprise_id)
    )
    keys = ["commissioner_id", "year", "enterprise_id"]
    db.session.execute(
        insert(CommissionerYear).from_select(keys + list(COMMISSIONER_VALUES), filed)
    )
    year = _year_sql(Ticket.expert_assigned_at)
    started = Ticket.started_at.is_not(None)
    assigned = (
        select(
            Ticket.expert_id,
            year,
            func.count(),
            _flag(started),
            func.coalesce(func.sum(_seconds_sql(Ticket.expert_assigned_at, Ticket.started_at)), 0),
            _flag(started & Ticket.resolved_at.is_not(None)),
            func.coalesce(func.sum(_seconds_sql(Ticket.started_at, Ticket.resolved_at)), 0),
            func.count(Ticket.satisfaction),
            rating,
            *(literal(0) for _ in _EVENTS),
        )
        .where(Ticket.expert_id.is_not(None), Ticket.expert_assigned_at.is_not(None))
        .group_by(Ticket.expert_id, year)
    )
    columns = ["expert_id", "year", *EXPERT_VALUES, *_EVENTS]
    db.session.execute(insert(ExpertYear).from_select(columns, assigned))
    _rebuild_events()
    db.session.flush()


def _rebuild_events() -> None:
    """Add the visit records and cooperation steps, by expert and year, to expert_year."""
    year = _year_sql(TicketEvent.at)
    # a visit counts for the expert who recorded it, a cooperation step for the ticket's expert
    who = case((TicketEvent.action == "visit", TicketEvent.actor_id), else_=Ticket.expert_id)
    rating = cast(TicketEvent.data["satisfaction"].as_string(), Integer)
    landed = TicketEvent.action == "land"
    rows = db.session.execute(
        select(
            who,
            year,
            *(_flag(TicketEvent.action == action) for action in EVENT_COLUMNS),
            _flag(landed & rating.is_not(None)),
            func.coalesce(func.sum(rating).filter(landed), 0),
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.action.in_(list(EVENT_COLUMNS)), who.is_not(None))
        .group_by(who, year)
    ).all()
    for expert_id, event_year, *counts in rows:
        values = dict(zip(_EVENTS, (int(n or 0) for n in counts), strict=True))
        _upsert(ExpertYear, {"expert_id": expert_id, "year": event_year}, values)
