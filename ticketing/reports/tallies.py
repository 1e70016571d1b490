"""The dashboard's tallies, kept in step with every change in the same transaction.

history.record() takes moves() of each change before it is flushed (the ticket's tally moves
from the key it had to the key it has now: state, category, university) and
count()s them with the event's action, in its month with the amount it records, after. The
upserts run inside whatever transaction or savepoint is open, so a change that rolls back
takes its counts with it. Within a change rows are touched in one order (the event's, then
the ticket's keys sorted). rebuild() recomputes both tables from the tickets and their
history (after a bulk load, or to check them).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    Date,
    Numeric,
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
from ticketing.reports.models import EnterpriseTally, EventTally, TicketTally
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.workflow import State

AMOUNT_OF = {"sign_agreement": "amount", "land": "economic_benefit"}


def month_of(moment: datetime) -> date:
    """The first day of the moment's month where the zone is (Asia/Shanghai)."""
    return moment.astimezone(db.ZONE_TIME).date().replace(day=1)


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
    db.session.flush()
