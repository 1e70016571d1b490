"""Keeps the experts' profiles (routing/models.py) in step with every change.

history.record() takes moves() of each change before it is flushed and count()s them after,
like the dashboard's tallies: a ticket adds to the profile of its expert while it is solved
(SOLVED: resolved, a cooperation stage, or closed — every closed ticket was resolved first),
so resolving adds it, a reopen takes it away again, a second resolve with a new resolution
adds the new text. Only a change that moves a ticket into, out of or within SOLVED cuts text
(the resolve, reopen and close steps); every other event costs nothing. The upserts run in the
open transaction, so a change that rolls back takes its counts with it.

rebuild() recomputes both tables from the tickets (`flask rebuild-routing`, after a bulk
load; revision 0014 runs it once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import attributes

from ticketing import db
from ticketing.routing import terms
from ticketing.routing.models import ExpertCategory, ExpertTerm
from ticketing.tickets.models import Ticket
from ticketing.workflow import WITH_RESOLUTION, State

SOLVED = frozenset(WITH_RESOLUTION | {State.CLOSED})
NAMES = ("state", "expert_id", "category", "title", "description", "resolution")
BATCH = 2000

Contribution = tuple[Any, ...] | None  # (expert_id, category, title, description, resolution)
Move = tuple[Contribution, Contribution]


def _before(ticket: Ticket, name: str) -> Any:
    """The value `name` had before the changes not yet flushed (None for a new ticket)."""
    history = attributes.get_history(ticket, name)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None if history.added else getattr(ticket, name)


def _contribution(state: Any, expert_id: Any, *rest: Any) -> Contribution:
    if state not in SOLVED or expert_id is None:
        return None
    return (expert_id, *rest)


def moves(ticket: Ticket) -> Move | None:
    """What the change not yet flushed does to the profiles: None when nothing."""
    old = _contribution(*(_before(ticket, name) for name in NAMES))
    new = _contribution(*(getattr(ticket, name) for name in NAMES))
    return None if old == new else (old, new)


def count(moved: Move | None) -> None:
    """Apply a change's move to the profiles (after the change is flushed)."""
    if moved is None:
        return
    found_terms: Counter[tuple[int, str]] = Counter()
    found_categories: Counter[tuple[int, str]] = Counter()
    for contribution, step in zip(moved, (-1, 1), strict=True):
        if contribution is None:
            continue
        expert_id, category, *texts = contribution
        for term in terms.document_terms(*texts):
            found_terms[(expert_id, term)] += step
        found_categories[(expert_id, str(category))] += step
    _apply(ExpertTerm, "term", found_terms)
    _apply(ExpertCategory, "category", found_categories)


def _apply(model: Any, key: str, steps: Counter[tuple[int, str]]) -> None:
    changed = sorted((pair, n) for pair, n in steps.items() if n)
    if not changed:
        return
    dialect = postgresql if db.dialect_name() == "postgresql" else sqlite
    statement = dialect.insert(model).values(
        [{"expert_id": e, key: k, "n": n} for (e, k), n in changed]
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["expert_id", key], set_={"n": model.n + statement.excluded.n}
        )
    )
    if any(n < 0 for _pair, n in changed):  # a row counted down to nothing goes
        column = getattr(model, key)
        pairs = [and_(model.expert_id == e, column == k) for (e, k), n in changed if n < 0]
        db.session.execute(delete(model).where(model.n <= 0, or_(*pairs)))


def solved_tickets(execute: Callable[..., Any], batch: int = BATCH) -> Iterable[list[Any]]:
    """The solved tickets with an expert, (expert_id, category, title, description,
    resolution), in batches by id (keyset, so a million tickets never sit in memory)."""
    last = 0
    while True:
        rows = execute(
            select(
                Ticket.id,
                Ticket.expert_id,
                Ticket.category,
                Ticket.title,
                Ticket.description,
                Ticket.resolution,
            )
            .where(
                Ticket.id > last,
                Ticket.state.in_(sorted(SOLVED)),
                Ticket.expert_id.is_not(None),
            )
            .order_by(Ticket.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [row[1:] for row in rows]


def compute(execute: Callable[..., Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both tables' rows, counted from the tickets."""
    found_terms: Counter[tuple[int, str]] = Counter()
    found_categories: Counter[tuple[int, str]] = Counter()
    for rows in solved_tickets(execute):
        for expert_id, category, *texts in rows:
            for term in terms.document_terms(*texts):
                found_terms[(expert_id, term)] += 1
            found_categories[(expert_id, category)] += 1
    term_rows = [{"expert_id": e, "term": t, "n": n} for (e, t), n in sorted(found_terms.items())]
    category_rows = [
        {"expert_id": e, "category": c, "n": n} for (e, c), n in sorted(found_categories.items())
    ]
    return term_rows, category_rows


def write(execute: Callable[..., Any], term_rows: list[Any], category_rows: list[Any]) -> None:
    execute(delete(ExpertTerm))
    execute(delete(ExpertCategory))
    for model, rows in ((ExpertTerm, term_rows), (ExpertCategory, category_rows)):
        for start in range(0, len(rows), 5000):
            execute(insert(model), rows[start : start + 5000])


def rebuild() -> int:
    """Recompute the profiles from the tickets (flushes, does not commit); the number of
    experts with a profile."""
    term_rows, category_rows = compute(db.session.execute)
    write(db.session.execute, term_rows, category_rows)
    return len({row["expert_id"] for row in category_rows})
