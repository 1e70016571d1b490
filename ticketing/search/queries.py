"""Reads of search/: a person's saved searches."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from sqlalchemy import select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.search.models import SavedSearch


@dataclass(frozen=True)
class Saved:
    id: int
    name: str
    queue: str
    args: dict[str, str]


def saved_searches(user: User) -> list[Saved]:
    """The person's own saved searches, by name (one statement)."""
    rows = db.session.execute(
        select(SavedSearch.id, SavedSearch.name, SavedSearch.queue, SavedSearch.args)
        .where(SavedSearch.user_id == user.id)
        .order_by(SavedSearch.name, SavedSearch.id)
    )
    return [Saved(i, name, queue, dict(parse_qsl(args))) for i, name, queue, args in rows]
