"""The queues: which tickets each role works from, filtered, newest activity first.

A page costs the same on a zone of 1,000 tickets as on a province of 1,000,000, and the same on
its first page as a thousand pages in: rows are read in queue order straight from an index
that ends in (updated_at, id) (keyset pagination: the next page starts after the last row
shown), the number of matches is counted up to COUNT_CAP only, and the page joins the few
things a row shows for its 20 rows alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from ticketing import db
from ticketing.accounts.models import Role, User
from ticketing.orgs.models import Enterprise, University
from ticketing.permissions import BOUND, Viewer, viewer, viewer_params, visibility
from ticketing.reports.models import EnterpriseTally, TicketTally
from ticketing.search import highlight
from ticketing.search import index as search_index
from ticketing.tickets.models import Category, Priority, Ticket
from ticketing.values import row_id
from ticketing.workflow import State

COUNT_CAP = 1000
RANKED = 100  # a search by words ranks the most recently active RANKED matches, best first
PROBE_RANKED = 4000  # …looked for first among this many latest tickets (on PostgreSQL)
NUMBER = re.compile(r"[A-Za-z]{1,8}-\d{4}-\d{4,7}")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    role: str
    empty: Any


QUEUES = (
    Queue("to_route", _l("To route"), Role.ADMIN, _l("No tickets are waiting to be routed.")),
    Queue("all", _l("All tickets"), Role.ADMIN, _l("No tickets match.")),
    Queue(
        "university",
        _l("Routed to my university"),
        Role.LIAISON,
        _l("No tickets are with your university now."),
    ),
    Queue("assigned", _l("Assigned to me"), Role.EXPERT, _l("No tickets are assigned to you.")),
    Queue(
        "mine",
        _l("My enterprises' tickets"),
        Role.COMMISSIONER,
        _l("No tickets yet. File the first one with “New ticket”."),
    ),
)
QUEUE_BY_KEY = {queue.key: queue for queue in QUEUES}


def queues_for(user: User) -> list[Queue]:
    return [queue for queue in QUEUES if queue.role in user.roles]


def home_queue(user: User) -> Queue | None:
    queues = queues_for(user)
    return queues[0] if queues else None


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just after (older) or just before (newer) this row."""

    updated_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.updated_at - EPOCH) // MICRO}_{self.id}"

    @classmethod
    def parse(cls, value: Any) -> Cursor | None:
        micros, _, ident = str(value or "").partition("_")
        ticket_id = row_id(ident)
        if not (micros.isascii() and micros.isdigit()) or len(micros) > 17 or ticket_id is None:
            return None
        return cls(EPOCH + int(micros) * MICRO, ticket_id)


@dataclass
class Filters:
    state: str | None = None
    category: str | None = None
    priority: str | None = None
    enterprise_id: int | None = None
    enterprise_name: str | None = None
    university_id: int | None = None
    q: str | None = None
    overdue: bool = False
    recent: bool = False  # a search by words in queue order instead of best match first
    by_due: bool = False  # running steps only, the soonest due first
    page: int = 1  # the page of a ranked search
    after: Cursor | None = None
    before: Cursor | None = None

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Read filters from a query string; unknown values are dropped, not trusted."""
        filters = cls()
        state = args.get("state") or None
        filters.state = state if state in set(State) else None
        category = args.get("category") or None
        filters.category = category if category in set(Category) else None
        priority = args.get("priority") or None
        filters.priority = priority if priority in set(Priority) else None
        filters.enterprise_id = row_id(args.get("enterprise"))
        filters.enterprise_name = " ".join((args.get("enterprise_name") or "").split())[:60] or None
        filters.university_id = row_id(args.get("university"))
        filters.q = " ".join((args.get("q") or "").split())[:100] or None
        filters.overdue = args.get("overdue") == "1"
        filters.recent = args.get("order") == "recent"
        filters.by_due = args.get("sort") == "due"
        page = row_id(args.get("page"))
        filters.page = page if page is not None and page <= RANKED else 1
        filters.after = Cursor.parse(args.get("after"))
        filters.before = None if filters.after else Cursor.parse(args.get("before"))
        return filters

    def as_args(self) -> dict[str, Any]:
        """The filters as query arguments (without the page's position)."""
        pairs = {
            "state": self.state,
            "category": self.category,
            "priority": self.priority,
            "enterprise": self.enterprise_id,
            "enterprise_name": self.enterprise_name,
            "university": self.university_id,
            "q": self.q,
            "overdue": "1" if self.overdue else None,
            "order": "recent" if self.recent and self.q else None,
            "sort": "due" if self.by_due else None,
        }
        return {key: value for key, value in pairs.items() if value}


@dataclass(frozen=True)
class Row:
    """What a queue shows of one ticket."""

    id: int
    number: str
    title: str
    confidential: bool
    state: str
    priority: str
    category: str
    due_at: datetime | None
    due_soon_at: datetime | None
    updated_at: datetime
    enterprise: str
    university: str | None
    expert: str | None


@dataclass
class Page:
    rows: list[Row]
    matches: int | None  # counted up to COUNT_CAP + 1; None: not counted (a frequent word)
    older: Cursor | None
    newer: Cursor | None
    ranked: bool = False  # best match first (a search by words); paged by number
    next_page: int | None = None
    previous_page: int | None = None
    window_full: bool = False  # more matches than RANKED: only the latest RANKED are ranked
    titles: dict[int, Any] | None = None  # ticket id → its title with the words marked
    snippets: dict[int, Any] | None = None  # ticket id → where else the words are, marked

    @property
    def more_than_cap(self) -> bool:
        return self.matches is not None and self.matches > COUNT_CAP


FILTER_COLUMNS = {
    "state": Ticket.state,
    "category": Ticket.category,
    "priority": Ticket.priority,
    "enterprise_id": Ticket.enterprise_id,
    "university_id": Ticket.university_id,
}


@dataclass(frozen=True)
class Shape:
    """What a queue statement's text depends on; its values are parameters."""

    who: Viewer
    queue: str
    filters: tuple[str, ...]  # the filters in use, by name
    search: str | None  # "number", "words", "ranked" (words, best first) or "nothing"
    cursor: str | None  # "after" or "before"
    limit: int
    enterprises: int = 0  # "mine": how many enterprises the commissioner has
    by_due: bool = False  # in order of due time (running steps only) instead of activity


def _lanes(shape: Shape) -> list[ColumnElement[bool]]:
    """The queue as one or more index-friendly selections whose rows never overlap, each
    within what the queue's role may see (so that the visibility rule, applied to every row
    the lanes yield, never leaves a page short). A commissioner's queue is one lane per
    enterprise and one for their own drafts: each lane reads its rows in order from
    (enterprise_id, updated_at, id) instead of the database sorting every ticket of every
    enterprise."""
    viewer_id = BOUND.viewer
    own_drafts = and_(Ticket.filer_id == viewer_id, Ticket.state == State.DRAFT)
    if shape.queue == "to_route":
        return [Ticket.state == State.SUBMITTED]
    if shape.queue == "university":
        return [Ticket.university_id == BOUND.university]
    if shape.queue == "assigned":
        return [Ticket.expert_id == viewer_id]
    if shape.queue == "mine":
        return [
            and_(Ticket.enterprise_id == bindparam(f"enterprise_{n}"), Ticket.state != State.DRAFT)
            for n in range(shape.enterprises)
        ] + [own_drafts]
    return [or_(Ticket.state != State.DRAFT, own_drafts)]  # "all", for an administrator


def _where(shape: Shape) -> list[ColumnElement[bool]]:
    where = []
    for name in shape.filters:
        if name in FILTER_COLUMNS:
            where.append(FILTER_COLUMNS[name] == bindparam(f"f_{name}"))
        elif name == "enterprise_name":
            named = select(Enterprise.id).where(
                Enterprise.name.like(bindparam("f_enterprise_name"), escape="\\")
            )
            where.append(Ticket.enterprise_id.in_(named))
        elif name == "overdue":
            where.append(Ticket.due_at < bindparam("f_now", type_=Ticket.due_at.type))
    if shape.search == "number":
        where.append(Ticket.number == bindparam("f_number"))
    elif shape.search in ("words", "ranked"):
        where.append(search_index.matching())
    elif shape.search == "nothing":  # a query with no word in it finds nothing
        where.append(false())
    return where


def _in_order(shape: Shape, descending: bool, limit: int, *also: ColumnElement[bool]) -> Any:
    """The ids of the first `limit` rows of the lanes in queue order, each lane read in index
    order (keys only: the columns, and for a page the visibility rule, come after, for these
    rows only)."""
    where = [*_where(shape), *also]
    column = _key(shape)
    if shape.by_due:
        where.append(Ticket.due_at.is_not(None))
    key = tuple_(column, Ticket.id)
    cursor = tuple_(bindparam("c_at", type_=Ticket.updated_at.type), bindparam("c_id"))
    if shape.cursor is not None:  # "after": further in queue order; "before": back
        later = (shape.cursor == "after") != shape.by_due  # newest first: later is smaller
        where.append(key < cursor if later else key > cursor)
    lanes = [
        select(Ticket.id, column.label("sort_key"))
        .where(lane, *where)
        .order_by(*_order(column, Ticket.id, descending))
        .limit(limit)
        for lane in _lanes(shape)
    ]
    if len(lanes) == 1:
        return lanes[0].subquery()
    # each lane as a subquery: SQLite allows no ORDER BY or LIMIT in a member of a UNION
    merged = union_all(*(select(lane.subquery()) for lane in lanes)).subquery()
    return (
        select(merged)
        .order_by(*_order(merged.c.sort_key, merged.c.id, descending))
        .limit(limit)
        .subquery()
    )


def _key(shape: Shape) -> Any:
    """The column a queue is read in order of: the last activity, or the due time."""
    return Ticket.due_at if shape.by_due else Ticket.updated_at


def _descending(shape: Shape) -> bool:
    """Newest activity first, soonest due first; backwards for the page before."""
    return (shape.cursor != "before") != shape.by_due


@cache
def _page_statement(shape: Shape) -> Select[Any]:
    descending = _descending(shape)
    return _rows(_in_order(shape, descending, shape.limit), shape.who, descending, _key(shape))


PROBE = 1000


@cache
def _probe_statement(shape: Shape) -> Select[Any]:
    """The search among the PROBE latest tickets of each lane, checked one by one against their
    terms: for a frequent word this fills a page after a few hundred rows, where the index
    would first gather every match (tens of thousands) to sort them. If the probe does not fill
    the page, the indexed statement runs instead."""
    descending = _descending(shape)
    latest = _in_order(replace(shape, search=None), descending, PROBE)
    matched = (
        select(latest.c.id, latest.c.sort_key)
        .where(search_index.probe(latest.c.id))
        .order_by(*_order(latest.c.sort_key, latest.c.id, descending))
        .limit(shape.limit)
        .subquery()
    )
    return _rows(matched, shape.who, descending, _key(shape))


@cache
def _count_statement(shape: Shape) -> Select[Any]:
    """How many tickets match, counted up to COUNT_CAP + 1 (the page shows “1,000+”), read in
    queue order too, so that counting stops after COUNT_CAP + 1 index entries. One lane is
    checked against the visibility rule in the same pass; several lanes (whose plans the rule's
    OR would spoil) are read first and checked after, like a page."""
    if len(_lanes(shape)) == 1:
        ids = _in_order(shape, True, COUNT_CAP + 1, visibility(shape.who))
        return select(func.count()).select_from(ids)
    ids = _in_order(shape, True, COUNT_CAP + 1)
    return (
        select(func.count())
        .select_from(Ticket)
        .join(ids, ids.c.id == Ticket.id)
        .where(visibility(shape.who))
    )


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _shape_and_params(
    user: User, queue: Queue, filters: Filters, per_page: int
) -> tuple[Shape, dict[str, Any]]:
    params = viewer_params(user)
    used = []
    for name in FILTER_COLUMNS:
        value = getattr(filters, name)
        if value:
            used.append(name)
            params[f"f_{name}"] = value
    if filters.enterprise_name:
        used.append("enterprise_name")
        params["f_enterprise_name"] = _like(filters.enterprise_name)
    if filters.overdue:
        used.append("overdue")
        params["f_now"] = db.utcnow()
    search = None
    if filters.q and NUMBER.fullmatch(filters.q):
        search, params["f_number"] = "number", filters.q.upper()
    elif filters.q and search_index.searchable(filters.q):
        search, params["search_query"] = "words", search_index.search_query(filters.q)
        if not filters.recent:
            search, params["r_offset"] = "ranked", (filters.page - 1) * per_page
    elif filters.q:
        search = "nothing"
    cursor = filters.after or filters.before
    if cursor is not None:
        params["c_at"], params["c_id"] = cursor.updated_at, cursor.id
    direction = "after" if filters.after else "before" if filters.before else None
    if search == "ranked":
        direction = None
    enterprises = sorted(user.enterprise_ids) if queue.key == "mine" else []
    params.update({f"enterprise_{n}": e for n, e in enumerate(enterprises)})
    shape = Shape(
        viewer(user),
        queue.key,
        tuple(used),
        search,
        direction,
        per_page + 1,
        len(enterprises),
        by_due=filters.by_due and search != "ranked",
    )
    return shape, params


def list_queue(user: User, queue: Queue, filters: Filters, per_page: int) -> Page:
    """One page of a queue: two statements whatever the page size or position, each built
    once per shape of query and then only given new values."""
    shape, params = _shape_and_params(user, queue, filters, per_page)
    if shape.search == "ranked":
        return _ranked_page(shape, params, filters, per_page)
    newer_first = filters.before is None
    found: list[Any] = []
    probed = shape.search == "words" and search_index.can_probe()
    if probed:  # a frequent word: its matches among the latest tickets fill the page
        found = db.rows(_probe_statement(shape), params)
        probed = len(found) > per_page
    if not probed:
        found = db.rows(_page_statement(shape), params)
    rows = [Row(*row) for row in found[:per_page]]
    more = len(found) > per_page
    if not newer_first:
        rows.reverse()
    moved = filters.after is not None or filters.before is not None
    older = newer = None
    if rows:
        first, last = rows[0], rows[-1]
        at = (lambda row: row.due_at) if shape.by_due else (lambda row: row.updated_at)
        if more if newer_first else moved:
            older = Cursor(at(last), last.id)
        if moved if newer_first else more:
            newer = Cursor(at(first), first.id)
    if probed:  # counting every match of a frequent word is what the probe avoids
        return Page(rows, None, older, newer)
    count_shape = replace(shape, cursor=None, limit=0)
    statement = _tally_statement(count_shape)
    if statement is None:
        statement = _count_statement(count_shape)
    matches = db.rows(statement, params)[0][0] or 0
    return Page(rows, matches, older, newer)


def _ranked_page(shape: Shape, params: dict[str, Any], filters: Filters, per_page: int) -> Page:
    """A page of a search by words, best match first among the latest RANKED matches, with the
    words marked: the rows (on PostgreSQL first from the latest tickets, as for a frequent
    word) and the texts the snippets come from (two or three statements). The matches are
    counted in the same statement, up to RANKED."""
    found: list[Any] = []
    probed = search_index.can_probe()
    if probed:
        found = db.rows(_ranked_statement(shape, True), params)
        probed = bool(found) and found[0][-1] >= RANKED
    if not probed:
        found = db.rows(_ranked_statement(shape, False), params)
    rows = [Row(*row[:-2]) for row in found[:per_page]]
    in_window = found[0][-1] if found else 0
    window_full = probed or in_window >= RANKED
    matches = None if window_full else in_window
    more = len(found) > per_page and filters.page * per_page < RANKED
    found_words = highlight.pattern(filters.q or "")
    texts = search_index.texts_of([row.id for row in rows], filters.q or "")
    return Page(
        rows,
        matches,
        None,
        None,
        ranked=True,
        next_page=filters.page + 1 if more else None,
        previous_page=filters.page - 1 if filters.page > 1 else None,
        window_full=window_full,
        titles={row.id: highlight.marked(row.title, found_words) for row in rows},
        snippets={row.id: highlight.snippet(texts.get(row.id, []), found_words) for row in rows},
    )


@cache
def _ranked_statement(shape: Shape, probed: bool) -> Select[Any]:
    """The page's rows by score among the latest RANKED matches, each row ending in the
    match's score and in how many of the window's matches the viewer may see. Probed, the
    matches are looked for among the latest PROBE_RANKED tickets of each lane one by one, in
    queue order, until RANKED are found (see _probe_statement): a word in more than one ticket
    in 40 needs no more; else the index finds them."""
    if probed:
        latest = _in_order(replace(shape, search=None), True, PROBE_RANKED)
        window = (
            select(latest.c.id, latest.c.sort_key)
            .where(search_index.probe(latest.c.id))
            .order_by(*_order(latest.c.sort_key, latest.c.id, True))
            .limit(RANKED)
            .subquery()
        )
    else:
        window = _in_order(shape, True, RANKED)
    scores = search_index.scores()
    expert = aliased(User)
    return (
        select(*row_columns(expert), scores.c.score, func.count().over())
        .join(window, window.c.id == Ticket.id)
        .join(scores, scores.c.ticket_id == Ticket.id)
        .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
        .outerjoin(University, University.id == Ticket.university_id)
        .outerjoin(expert, expert.id == Ticket.expert_id)
        .where(visibility(shape.who))
        .order_by(scores.c.score.desc(), Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(shape.limit)
        .offset(bindparam("r_offset"))
    )


@cache
def _tally_statement(shape: Shape) -> Select[Any] | None:
    """An unfiltered queue's exact size, from the dashboard's tallies (kept in the same
    transaction as every change) and the viewer's own drafts; None where no tally fits."""
    if shape.filters or shape.search or shape.queue == "assigned" or shape.by_due:
        return None
    own_drafts = (
        select(func.count())
        .where(Ticket.filer_id == BOUND.viewer, Ticket.state == State.DRAFT)
        .scalar_subquery()
    )
    filed = func.coalesce(func.sum(TicketTally.n), 0)
    if shape.queue == "to_route":
        return select(filed).where(TicketTally.state == State.SUBMITTED)
    if shape.queue == "university":
        return select(filed).where(TicketTally.university_id == BOUND.university)
    if shape.queue == "mine":
        mine = func.coalesce(func.sum(EnterpriseTally.n), 0)
        in_mine = EnterpriseTally.enterprise_id.in_(BOUND.enterprises)
        return select(mine + own_drafts).where(in_mine)
    return select(filed + own_drafts)  # "all", for an administrator


def _order(updated_at: Any, ident: Any, descending: bool) -> tuple[Any, Any]:
    if descending:
        return updated_at.desc(), ident.desc()
    return updated_at.asc(), ident.asc()


def row_columns(expert: Any, enterprise_name: Any = Enterprise.name) -> list[Any]:
    """The columns of a Row, in order; `expert` is an alias of User joined on the expert,
    University is joined on the ticket's university (and Enterprise on its enterprise,
    unless the enterprise's name is given)."""
    university = func.coalesce(func.nullif(University.short_name, ""), University.name)
    return [
        Ticket.id,
        Ticket.number,
        Ticket.title,
        Ticket.confidential,
        Ticket.state,
        Ticket.priority,
        Ticket.category,
        Ticket.due_at,
        Ticket.due_soon_at,
        Ticket.updated_at,
        enterprise_name,
        university,
        expert.name,
    ]


def _rows(ids: Any, who: Viewer, descending: bool, key: Any = Ticket.updated_at) -> Select[Any]:
    """The page's tickets that the viewer may see, with the names a row shows."""
    expert = aliased(User)
    return (
        select(*row_columns(expert))
        .join(ids, ids.c.id == Ticket.id)
        .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
        .outerjoin(University, University.id == Ticket.university_id)
        .outerjoin(expert, expert.id == Ticket.expert_id)
        .where(visibility(who))
        .order_by(*_order(key, Ticket.id, descending))
    )
