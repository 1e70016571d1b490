"""Pages of an admin list in name order (enterprises, users): LIST_PAGE rows at a time, the
next page starting after the last name shown (keyset), with a search on part of the name,
so that a province's thousands of enterprises never come to one page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, tuple_

from ticketing.values import row_id

LIST_PAGE = 50


@dataclass(frozen=True)
class NameCursor:
    name: str
    id: int

    @classmethod
    def from_args(cls, args: Any) -> NameCursor | None:
        ident = row_id(args.get("after_id"))
        name = str(args.get("after") or "")[:200]
        return cls(name, ident) if ident is not None and name else None


@dataclass
class ListPage:
    rows: list[Any]
    q: str
    after: NameCursor | None  # where this page started (None: the first page)
    next: NameCursor | None  # where the next one starts, if there is one


def search_text(args: Any) -> str:
    return " ".join(str(args.get("q") or "").split())[:60]


def like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_of(query: Select[Any], name: Any, ident: Any, args: Any, read: Any) -> ListPage:
    """The page of `query` (already filtered) that `args` asks for; `read` runs the
    statement and gives rows whose `name` and `id` it can read."""
    after = NameCursor.from_args(args)
    if after is not None:
        query = query.where(tuple_(name, ident) > tuple_(after.name, after.id))
    rows = read(query.order_by(name, ident).limit(LIST_PAGE + 1))
    more = len(rows) > LIST_PAGE
    rows = rows[:LIST_PAGE]
    last = rows[-1] if rows and more else None
    following = None
    if last is not None:
        obj = last[0] if isinstance(last, tuple) or hasattr(last, "_mapping") else last
        following = NameCursor(obj.name, obj.id)
    return ListPage(rows, search_text(args), after, following)
