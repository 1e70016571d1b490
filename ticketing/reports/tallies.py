"""The dashboard's tallies, kept in step with every change in the same transaction.

history.record() takes moves() of each change before it is flushed (the ticket's tally moves
from the key it had to the key it has now: state, category, university) and
count()s them with the event's action, in its month with the amount it records, after. The
upserts run inside whatever transaction or savepoint is open, so a change that rolls back
takes its counts with it. Within a change rows are touched in one order (the event's, then
the ticket's keys sorted). rebuild() recomputes both tables from the tickets and their
history (after a bulk load, or to check them).

The dashboard's fact tallies (FactTally by the filter dimensions, ReachTally for the distinct
counts; what each figure means is in reports/measures.py) are kept by mapper events of Ticket,
Outcome and Visit: each time one of those rows is written, inside the flush and on the flush's
own connection, so in the transaction of record() and of whatever service wrote the row, even
when a query flushed it early. A ticket's figures move from the key it had to the key it has
now; its visits move with it; a cooperation's figures move with its own values. rebuild()
recomputes them with set-based SQL (one INSERT … SELECT each).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Numeric,
    case,
    cast,
    delete,
    event,
    extract,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import attributes

from ticketing import db
from ticketing.orgs.models import Enterprise
from ticketing.outcomes.models import Outcome
from ticketing.reports import measures
from ticketing.reports.models import (
    COOPERATION_MEASURES,
    DIMENSIONS,
    HISTOGRAMS,
    MEASURES,
    RETURN_MEASURES,
    TICKET_MEASURES,
    EnterpriseTally,
    EventTally,
    FactTally,
    ReachTally,
    TicketTally,
)
from ticketing.tickets.deadlines import ASSIGN, RESOLVE, ROUTE
from ticketing.tickets.models import Ticket, TicketEvent, TicketUniversity, Visit
from ticketing.workflow import State

AMOUNT_OF = {"sign_agreement": "amount", "land": "economic_benefit"}


month_of = measures.month_of


def _before(ticket: Ticket, name: str) -> Any:
    """The value `name` had before the changes not yet flushed (None for a new ticket)."""
    history = attributes.get_history(ticket, name)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None if history.added else getattr(ticket, name)


TALLIES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (TicketTally, ("state", "category", "university_id")),
    (EnterpriseTally, ("enterprise_id",)),
)
Move = tuple[int, tuple[Any, ...], int]  # which tally, its key, +1 or -1


def _keys(state: Any, category: Any, university_id: Any, enterprise_id: Any) -> list[Any]:
    """A filed ticket's key in each tally (a draft counts in none)."""
    if state is None or state == State.DRAFT:
        return [None, None]
    return [(str(state), str(category), university_id or 0), (enterprise_id,)]


def moves(ticket: Ticket) -> list[Move]:
    """How the change not yet flushed moves the ticket between tally keys."""
    names = ("state", "category", "university_id", "enterprise_id")
    old = _keys(*(_before(ticket, name) for name in names))
    new = _keys(*(getattr(ticket, name) for name in names))
    found: list[Move] = []
    for which, (before, after) in enumerate(zip(old, new, strict=True)):
        if before != after:
            found += [(which, key, step) for key, step in ((before, -1), (after, 1)) if key]
    return sorted(found)


def count(event: TicketEvent, moved: list[Move]) -> None:
    """Count `event` and apply the ticket's moves (after the change is flushed)."""
    _count_event(event)
    for which, key, step in moved:
        model, columns = TALLIES[which]
        _upsert(model, dict(zip(columns, key, strict=True), n=step), columns)


def _count_event(event: TicketEvent) -> None:
    field = AMOUNT_OF.get(event.action)
    amount = Decimal(0)
    if field is not None:
        try:
            amount = Decimal(str(event.data.get(field, 0)))
        except InvalidOperation:
            amount = Decimal(0)
    values = {"action": event.action, "month": month_of(event.at), "n": 1, "amount": amount}
    _upsert(EventTally, values, ("action", "month"))


def _upsert(model: Any, values: dict[str, Any], keys: tuple[str, ...]) -> None:
    dialect = postgresql if db.dialect_name() == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    added = {"n": model.n + statement.excluded.n}
    if "amount" in values:
        added["amount"] = model.amount + statement.excluded.amount
    db.session.execute(statement.on_conflict_do_update(index_elements=keys, set_=added))


def _month_sql(column: Any) -> Any:
    """The SQL for month_of(): one small function per database."""
    if db.dialect_name() == "postgresql":
        local = func.timezone(literal_column("'Asia/Shanghai'"), column)
        return cast(func.date_trunc(literal_column("'month'"), local), Date)
    # Asia/Shanghai is UTC+8 all year (no daylight saving time)
    return func.date(column, literal_column("'+8 hours'"), literal_column("'start of month'"))


def rebuild() -> None:
    """Recompute the tallies from the tickets and the history (flushes, does not commit)."""
    for model in (TicketTally, EnterpriseTally, EventTally):
        db.session.execute(delete(model))
    university = func.coalesce(Ticket.university_id, literal_column("0"))
    tickets = (
        select(Ticket.state, Ticket.category, university, func.count())
        .where(Ticket.state != State.DRAFT)
        .group_by(Ticket.state, Ticket.category, university)
    )
    columns = ["state", "category", "university_id", "n"]
    db.session.execute(insert(TicketTally).from_select(columns, tickets))
    enterprises = (
        select(Ticket.enterprise_id, func.count())
        .where(Ticket.state != State.DRAFT)
        .group_by(Ticket.enterprise_id)
    )
    db.session.execute(insert(EnterpriseTally).from_select(["enterprise_id", "n"], enterprises))
    data = TicketEvent.data
    amount = case(
        *(
            (TicketEvent.action == action, cast(data[field].as_string(), Numeric(16, 2)))
            for action, field in AMOUNT_OF.items()
        ),
        else_=literal(0),
    )
    event_month = _month_sql(TicketEvent.at)
    events = select(
        TicketEvent.action, event_month, func.count(), func.coalesce(func.sum(amount), 0)
    ).group_by(TicketEvent.action, event_month)
    db.session.execute(insert(EventTally).from_select(["action", "month", "n", "amount"], events))
    _rebuild_facts()
    db.session.flush()


# -- the dashboard's fact tallies, kept by mapper events ---------------------------------------


def _values(target: Any, names: tuple[str, ...], before: bool) -> dict[str, Any]:
    if before:
        return {name: _before(target, name) for name in names}
    return {name: getattr(target, name) for name in names}


def _add(connection: Connection, model: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Add `values` to the row of `key` (created at zero), on the flush's connection."""
    if not any(values.values()):
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**key, **values)
    table = model.__table__
    added = {name: table.c[name] + statement.excluded[name] for name in values}
    connection.execute(statement.on_conflict_do_update(index_elements=list(key), set_=added))


def _full(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: values.get(name, 0) for name in names}


def _move_facts(
    connection: Connection,
    old: tuple[Any, dict[str, Any]] | None,
    new: tuple[Any, dict[str, Any]] | None,
    names: tuple[str, ...],
) -> None:
    """Take `old` figures off their key and put `new` ones on theirs (one row when equal)."""
    steps: dict[Any, dict[str, Any]] = {}
    for found, sign in ((old, -1), (new, 1)):
        if found is None:
            continue
        key, figures = found
        row = steps.setdefault(key, {name: 0 for name in names})
        for name, value in figures.items():
            row[name] += sign * value
    for key, figures in sorted(steps.items(), key=lambda item: str(item[0])):
        _add(connection, FactTally, dict(zip(DIMENSIONS, key, strict=True)), figures)


def _visit_count(connection: Connection, ticket_id: int) -> int:
    query = select(func.count(Visit.id)).where(Visit.ticket_id == ticket_id)
    return connection.execute(query).scalar() or 0


def _snapshot(connection: Connection, ticket: Ticket) -> None:
    """Keep the enterprise's park and county on a ticket when it is filed (or moved to another
    enterprise while filed)."""
    if ticket.state == State.DRAFT:
        return
    if _before(ticket, "state") not in (None, State.DRAFT) and (
        _before(ticket, "enterprise_id") == ticket.enterprise_id
    ):
        return
    query = select(Enterprise.park_id, Enterprise.county_id).where(
        Enterprise.id == ticket.enterprise_id
    )
    place = connection.execute(query).first()
    ticket.filed_park_id, ticket.filed_county_id = place if place else (None, None)


def _ticket_changed(connection: Connection, ticket: Ticket, inserted: bool) -> None:
    if not inserted:
        _snapshot(connection, ticket)
    old = None if inserted else _values(ticket, measures.TICKET_VALUES, before=True)
    new = _values(ticket, measures.TICKET_VALUES, before=False)
    _ticket_moved(connection, ticket.id, old, new)


def _ticket_moved(
    connection: Connection, ticket_id: int, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> None:
    old_key = measures.ticket_key(old) if old else None
    new_key = measures.ticket_key(new) if new else None
    before = (old_key, measures.ticket_figures(old)) if old and old_key else None
    after = (new_key, measures.ticket_figures(new)) if new and new_key else None
    if before != after and old_key != new_key and ticket_id is not None:
        visits = _visit_count(connection, ticket_id)
        for found in (before, after):
            if found is not None:
                found[1]["visits"] = visits
    _move_facts(connection, before, after, TICKET_MEASURES)
    _move_durations(connection, old if old_key else None, new if new_key else None)
    if ticket_id is not None and _other_dimensions(old_key) != _other_dimensions(new_key):
        _move_returns(connection, ticket_id, old_key, new_key)
    for kind, column in (("enterprise", "enterprise_id"), ("expert", "expert_id")):
        was = (old[column], old_key) if old and old_key and old[column] else None
        now = (new[column], new_key) if new and new_key and new[column] else None
        if was == now:
            continue
        for found, step in ((was, -1), (now, 1)):
            if found is not None:
                subject, key = found
                row = {
                    "kind": kind,
                    "subject_id": subject,
                    **dict(zip(DIMENSIONS, key, strict=True)),
                }
                _add(connection, ReachTally, row, {"n": step})


def _durations(v: dict[str, Any] | None, names: tuple[str, ...]) -> set[tuple[Any, ...]]:
    """The keys (by `names`, a histogram's columns) a ticket with values `v` counts in."""
    key = measures.ticket_key(v) if v else None
    if v is None or key is None:
        return set()
    dimensions = dict(zip(DIMENSIONS, key, strict=True))
    return {
        tuple({**dimensions, "step": step, "days": days}[name] for name in names)
        for step, days in measures.step_days(v).items()
    }


def _move_durations(
    connection: Connection, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> None:
    for model, names in HISTOGRAMS:
        was, now = _durations(old, names), _durations(new, names)
        for found, step in ((sorted(was - now), -1), (sorted(now - was), 1)):
            for key in found:
                _add(connection, model, dict(zip(names, key, strict=True)), {"n": step})


def _other_dimensions(key: Any) -> Any:
    """A ticket key but its university (the returns count with the returning university)."""
    return None if key is None else key[:4] + key[5:]


def _move_returns(connection: Connection, ticket_id: int, old_key: Any, new_key: Any) -> None:
    """Move the problem's returns (one per university that returned it) with its key."""
    query = select(TicketUniversity.university_id).where(
        TicketUniversity.ticket_id == ticket_id, TicketUniversity.returned_at.is_not(None)
    )
    for university in sorted(connection.execute(query).scalars()):
        _move_facts(
            connection,
            (old_key[:4] + (university, old_key[5]), {"returns": 1}) if old_key else None,
            (new_key[:4] + (university, new_key[5]), {"returns": 1}) if new_key else None,
            RETURN_MEASURES,
        )


def _returned(connection: Connection, link: TicketUniversity, step: int) -> None:
    found = _ticket_key_now(connection, link.ticket_id)
    if found is not None:
        key = found[0][:4] + (link.university_id, found[0][5])
        _add(connection, FactTally, dict(zip(DIMENSIONS, key, strict=True)), {"returns": step})


@event.listens_for(TicketUniversity, "after_insert")
def _link_inserted(_mapper: Any, connection: Connection, link: TicketUniversity) -> None:
    if link.returned_at is not None:
        _returned(connection, link, 1)


@event.listens_for(TicketUniversity, "before_update")
def _link_updated(_mapper: Any, connection: Connection, link: TicketUniversity) -> None:
    was, now = _before(link, "returned_at") is not None, link.returned_at is not None
    if was != now:
        _returned(connection, link, 1 if now else -1)


@event.listens_for(TicketUniversity, "before_delete")
def _link_deleted(_mapper: Any, connection: Connection, link: TicketUniversity) -> None:
    if _before(link, "returned_at") is not None:
        _returned(connection, link, -1)


@event.listens_for(Ticket, "before_insert")
def _ticket_inserted(_mapper: Any, connection: Connection, ticket: Ticket) -> None:
    if ticket.state not in (None, State.DRAFT):
        _snapshot(connection, ticket)
        # counted after the insert, when the ticket has its id
        ticket.__dict__.setdefault("_facts_pending", True)


@event.listens_for(Ticket, "after_insert")
def _ticket_inserted_after(_mapper: Any, connection: Connection, ticket: Ticket) -> None:
    if ticket.__dict__.pop("_facts_pending", False):
        _ticket_moved(
            connection, ticket.id, None, _values(ticket, measures.TICKET_VALUES, before=False)
        )


@event.listens_for(Ticket, "before_update")
def _ticket_updated(_mapper: Any, connection: Connection, ticket: Ticket) -> None:
    _ticket_changed(connection, ticket, inserted=False)


@event.listens_for(Ticket, "before_delete")
def _ticket_deleted(_mapper: Any, connection: Connection, ticket: Ticket) -> None:
    _ticket_moved(connection, ticket.id, _values(ticket, measures.TICKET_VALUES, True), None)


@event.listens_for(Visit, "after_insert")
def _visit_added(_mapper: Any, connection: Connection, visit: Visit) -> None:
    key = _ticket_key_now(connection, visit.ticket_id)
    if key is not None:
        _add(connection, FactTally, dict(zip(DIMENSIONS, key[0], strict=True)), {"visits": 1})


def _ticket_key_now(connection: Connection, ticket_id: int) -> tuple[Any, int] | None:
    """The ticket's key as written in the database now, and its university (0: none)."""
    columns = [getattr(Ticket, name) for name in measures.TICKET_VALUES]
    row = connection.execute(select(*columns).where(Ticket.id == ticket_id)).first()
    if row is None:
        return None
    values = dict(zip(measures.TICKET_VALUES, row, strict=True))
    for name in ("submitted_at", "created_at"):
        if values[name] is not None and values[name].tzinfo is None:
            values[name] = values[name].replace(tzinfo=db.UTC)
    key = measures.ticket_key(values)
    return (key, values["university_id"] or 0) if key else None


def _cooperation(connection: Connection, values: dict[str, Any] | None) -> Any:
    if values is None or values["ticket_id"] is None:
        return None
    found = _ticket_key_now(connection, values["ticket_id"])
    if found is None:
        return None
    key, ticket_university = found
    university = values["university_id"] or ticket_university
    return (key[:4] + (university, key[5]), measures.cooperation_figures(values))


def _cooperation_moved(
    connection: Connection, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> None:
    before, after = _cooperation(connection, old), _cooperation(connection, new)
    if before != after:
        _move_facts(connection, before, after, COOPERATION_MEASURES)


@event.listens_for(Outcome, "after_insert")
def _outcome_inserted(_mapper: Any, connection: Connection, outcome: Outcome) -> None:
    _cooperation_moved(connection, None, _values(outcome, measures.COOPERATION_VALUES, False))


@event.listens_for(Outcome, "before_update")
def _outcome_updated(_mapper: Any, connection: Connection, outcome: Outcome) -> None:
    old = _values(outcome, measures.COOPERATION_VALUES, before=True)
    new = _values(outcome, measures.COOPERATION_VALUES, before=False)
    _cooperation_moved(connection, old, new)


@event.listens_for(Outcome, "before_delete")
def _outcome_deleted(_mapper: Any, connection: Connection, outcome: Outcome) -> None:
    _cooperation_moved(connection, _values(outcome, measures.COOPERATION_VALUES, True), None)


def _epoch_sql(column: Any) -> Any:
    """Whole seconds since 1970 of a time (floored, as measures.seconds() does)."""
    if db.dialect_name() == "postgresql":
        return cast(func.floor(extract("epoch", column)), BigInteger)
    return cast(func.strftime(literal_column("'%s'"), column), Integer)


def _between(start: Any, end: Any) -> tuple[Any, Any]:
    both = start.is_not(None) & end.is_not(None)
    return (
        case((both, 1), else_=0),
        case((both, _epoch_sql(end) - _epoch_sql(start)), else_=0),
    )


def _on_time_sql() -> Any:
    """measures.ticket_figures()'s on_time as SQL: the route, assign and resolve steps done,
    each by its due time (the bits of on_time_steps)."""
    steps = (
        (Ticket.submitted_at, Ticket.routed_at, ROUTE),
        (Ticket.routed_at, Ticket.expert_assigned_at, ASSIGN),
        (Ticket.started_at, Ticket.resolved_at, RESOLVE),
    )
    done = [
        case(
            (
                start.is_not(None) & end.is_not(None) & (Ticket.on_time_steps.op("&")(bit) != 0),
                1,
            ),
            else_=0,
        )
        for start, end, bit in steps
    ]
    return done[0] + done[1] + done[2]


def _dimensions_sql(university: Any) -> list[Any]:
    zero = literal_column("0")
    return [
        _month_sql(measures.FILED_AT).label("month"),
        Ticket.category.label("category"),
        func.coalesce(Ticket.filed_park_id, zero).label("park_id"),
        func.coalesce(Ticket.filed_county_id, zero).label("county_id"),
        university.label("university_id"),
        func.coalesce(Ticket.campaign_id, zero).label("campaign_id"),
    ]


def days_sql() -> dict[str, tuple[Any, Any]]:
    """Each step's start and end, and the whole days (floored) a ticket took over it."""
    spans = {
        "route": (Ticket.submitted_at, Ticket.routed_at),
        "assign": (Ticket.routed_at, Ticket.expert_assigned_at),
        "resolve": (Ticket.started_at, Ticket.resolved_at),
    }
    return {
        step: (
            start.is_not(None) & end.is_not(None),
            (_epoch_sql(end) - _epoch_sql(start)) // 86400,
        )
        for step, (start, end) in spans.items()
    }


def _rebuild_durations() -> None:
    zero = literal_column("0")
    columns = {
        "month": _month_sql(measures.FILED_AT),
        "university_id": func.coalesce(Ticket.university_id, zero),
        "campaign_id": func.coalesce(Ticket.campaign_id, zero),
        "category": Ticket.category,
        "park_id": func.coalesce(Ticket.filed_park_id, zero),
        "county_id": func.coalesce(Ticket.filed_county_id, zero),
    }
    for model, names in HISTOGRAMS:
        db.session.execute(delete(model))
        parts = [
            select(
                literal(step).label("step"),
                *(columns[name].label(name) for name in names[1:-1]),
                days.label("days"),
            ).where(measures.FILED, done)
            for step, (done, days) in days_sql().items()
        ]
        every = union_all(*parts).subquery()
        keys = [every.c[name] for name in names]
        counted = select(*keys, func.count()).group_by(*keys)
        db.session.execute(insert(model).from_select([*names, "n"], counted))


def _rebuild_facts() -> None:
    """FactTally, ReachTally and DurationTally from the tickets, their visits, cooperations
    and returns."""
    _rebuild_durations()
    for model in (FactTally, ReachTally):
        db.session.execute(delete(model))
    zero = literal_column("0")
    visits = select(Visit.ticket_id, func.count().label("n")).group_by(Visit.ticket_id).subquery()

    def yes(condition: Any) -> Any:
        return case((condition, 1), else_=0)

    route, assign, resolve = (
        _between(Ticket.submitted_at, Ticket.routed_at),
        _between(Ticket.routed_at, Ticket.expert_assigned_at),
        _between(Ticket.started_at, Ticket.resolved_at),
    )
    problem = {
        "filed": literal_column("1"),
        "routed": yes(Ticket.university_id.is_not(None)),
        "resolved": yes(Ticket.resolved_at.is_not(None)),
        "returned": yes(measures.TICKET_PREDICATES["returned"]),
        "visits": func.coalesce(visits.c.n, zero),
        "rated": yes(Ticket.satisfaction.is_not(None)),
        "rating_sum": func.coalesce(Ticket.satisfaction, zero),
        "route_n": route[0],
        "route_seconds": route[1],
        "assign_n": assign[0],
        "assign_seconds": assign[1],
        "resolve_n": resolve[0],
        "resolve_seconds": resolve[1],
        "on_time": _on_time_sql(),
    }
    agreed, landed = Outcome.agreement_date.is_not(None), Outcome.landed_date.is_not(None)
    cooperation = {
        "intentions": literal_column("1"),
        "agreements": yes(agreed),
        "amount": case((agreed, func.coalesce(Outcome.amount, 0)), else_=0),
        "landed": yes(landed),
        "benefit": case((landed, func.coalesce(Outcome.economic_benefit, 0)), else_=0),
        "abandoned": yes(Outcome.abandoned_reason.is_not(None)),
    }

    def part(figures: dict[str, Any], university: Any) -> Any:
        return [
            *_dimensions_sql(university),
            *(figures.get(name, zero).label(name) for name in MEASURES),
        ]

    tickets = (
        select(*part(problem, func.coalesce(Ticket.university_id, zero)))
        .outerjoin(visits, visits.c.ticket_id == Ticket.id)
        .where(measures.FILED)
    )
    cooperations = (
        select(*part(cooperation, measures.COOPERATION_UNIVERSITY))
        .select_from(Outcome)
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .where(measures.FILED)
    )
    returning = TicketUniversity.university_id
    returns = (
        select(*part({"returns": literal_column("1")}, returning))
        .select_from(TicketUniversity)
        .join(Ticket, Ticket.id == TicketUniversity.ticket_id)
        .where(measures.FILED, TicketUniversity.returned_at.is_not(None))
    )
    both = union_all(tickets, cooperations, returns).subquery()
    keys = [both.c[name] for name in DIMENSIONS]
    summed = select(*keys, *(func.sum(both.c[name]) for name in MEASURES)).group_by(*keys)
    db.session.execute(insert(FactTally).from_select([*DIMENSIONS, *MEASURES], summed))
    for kind, column in (("enterprise", Ticket.enterprise_id), ("expert", Ticket.expert_id)):
        dims = _dimensions_sql(func.coalesce(Ticket.university_id, zero))
        reach = (
            select(literal(kind), column, *dims, func.count())
            .where(measures.FILED, column.is_not(None))
            .group_by(column, *(d.element for d in dims))
        )
        names = ["kind", "subject_id", *DIMENSIONS, "n"]
        db.session.execute(insert(ReachTally).from_select(names, reach))
