"""Reads for the security log page: its filters, a page of events newest first (keyset: the
next page starts after the last event shown), and the whole filtered list for a download."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.orm import aliased

from ticketing import db
from ticketing.accounts.models import User
from ticketing.audit.models import OUTCOMES, Kind, SecurityEvent
from ticketing.listing import LIST_PAGE, like
from ticketing.values import row_id

DOWNLOAD_MOST = 100_000
Subject = aliased(User, name="subject")
Actor = aliased(User, name="actor")


def _day(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def _text(raw: Any, limit: int) -> str:
    return " ".join(str(raw or "").split())[:limit]


@dataclass(frozen=True)
class Filters:
    who: str = ""
    kind: str = ""
    outcome: str = ""
    address: str = ""
    start: date | None = None  # days in the zone's time (Asia/Shanghai), both included
    end: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        kind = str(args.get("kind") or "")
        outcome = str(args.get("outcome") or "")
        return cls(
            who=_text(args.get("who"), 60),
            kind=kind if kind in tuple(Kind) else "",
            outcome=outcome if outcome in OUTCOMES else "",
            address=_text(args.get("address"), 64),
            start=_day(args.get("start")),
            end=_day(args.get("end")),
        )

    def args(self, **more: Any) -> dict[str, Any]:
        """The filters (and `more`) as query-string arguments, the empty ones left out."""
        values = {**asdict(self), **more}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.who:
            pattern = like(self.who.lower())
            query = query.where(
                or_(
                    func.lower(SecurityEvent.login).like(pattern, escape="\\"),
                    func.lower(Subject.name).like(pattern, escape="\\"),
                )
            )
        if self.kind:
            query = query.where(SecurityEvent.kind == self.kind)
        if self.outcome:
            query = query.where(SecurityEvent.outcome == self.outcome)
        if self.address:
            query = query.where(SecurityEvent.address.like(like(self.address), escape="\\"))
        if self.start is not None:
            query = query.where(SecurityEvent.at >= _midnight(self.start))
        if self.end is not None:
            query = query.where(SecurityEvent.at < _midnight(self.end + timedelta(days=1)))
        return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), db.ZONE_TIME).astimezone(UTC)


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    @classmethod
    def from_args(cls, args: Any) -> Cursor | None:
        ident = row_id(args.get("after_id"))
        try:
            at = datetime.fromisoformat(str(args.get("after") or ""))
        except ValueError:
            return None
        if ident is None or at.tzinfo is None:
            return None
        return cls(at.astimezone(UTC), ident)

    def args(self) -> dict[str, str]:
        return {"after": self.at.isoformat(), "after_id": str(self.id)}


@dataclass
class EventPage:
    rows: list[Any]  # (event, subject name, actor login, actor name)
    first: bool  # this is the first page
    next: Cursor | None  # where the next page starts, if there is one


def _events(filters: Filters) -> Select[Any]:
    query = (
        select(SecurityEvent, Subject.name, Actor.login, Actor.name)
        .outerjoin(Subject, Subject.id == SecurityEvent.user_id)
        .outerjoin(Actor, Actor.id == SecurityEvent.actor_id)
    )
    return filters.apply(query)


def page(filters: Filters, args: Any) -> EventPage:
    """A page of the filtered events, newest first (one statement)."""
    after = Cursor.from_args(args)
    query = _events(filters)
    if after is not None:
        query = query.where(tuple_(SecurityEvent.at, SecurityEvent.id) < tuple_(after.at, after.id))
    query = query.order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc()).limit(LIST_PAGE + 1)
    rows = list(db.session.execute(query))
    more = len(rows) > LIST_PAGE
    rows = rows[:LIST_PAGE]
    following = Cursor(rows[-1][0].at, rows[-1][0].id) if more else None
    return EventPage(rows, after is None, following)


def everything(filters: Filters) -> list[Any]:
    """Every filtered event for a download, newest first (at most DOWNLOAD_MOST)."""
    query = _events(filters).order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
    return list(db.session.execute(query.limit(DOWNLOAD_MOST)))
