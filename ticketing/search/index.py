"""Finding tickets by their words through an index, on either database, best match first.

Each ticket has one document in three weighted sections: its number and title (the head), its
enterprise and description (the body), and its resolution, public comments and visit records
(the notes). Internal comments stay out of the document: a ticket must not be findable by words
that some of the people who see it may not read. The sections are cut into terms here in
Python so that both databases index the same terms: every Chinese character and every
pair of neighbouring characters (so that two-character words such as 测序 are found, which the
databases' own trigram indexes cannot do), and every run of Latin letters and digits, in lower
case. A query matches a ticket that has all of the query's terms: its Chinese pairs (or the
character, for a one-character query) and its Latin words as prefixes (PC finds PCR).

PostgreSQL keeps the terms in a tsvector with a GIN index, the sections as weights A, B, C
(ranked by ts_rank); SQLite in an FTS5 table with one column a section (ranked by bm25 with
column weights). matching(), scores(), search_query() and the writes below are the only places
that differ between them.
index_ticket() is called by history.record() for the changes that alter a ticket's words, in
the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)

from ticketing import db
from ticketing.orgs.models import Enterprise
from ticketing.tickets.models import Comment, Ticket, Visit

TABLE = "ticket_search"
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{HAN}]+|[0-9A-Za-z]+")
IS_HAN = re.compile(rf"[{HAN}]")
MAX_QUERY_TERMS = 12
# the words of a ticket that its document holds; an event with these changes them
DOCUMENT_ACTIONS = frozenset({"create", "edit", "comment", "visit", "resolve", "reopen"})
SECTIONS = ("head", "body", "notes")
PG_WEIGHTS = "ABC"
SQLITE_WEIGHTS = ("10.0", "4.0", "1.0")  # bm25's weight of each FTS5 column
MAX_POSITION = 16383  # the highest position a tsvector keeps

_pg = table(TABLE, column("ticket_id"), column("terms"))  # a tsvector with a GIN index
_fts = table(TABLE, column("rowid"), *(column(name) for name in SECTIONS))  # FTS5, id as rowid


def terms(text_: str) -> list[str]:
    """The terms a document is indexed by, each once, in order."""
    found: dict[str, None] = {}
    for run in RUNS.findall(text_ or ""):
        if IS_HAN.match(run):
            for i, char in enumerate(run):
                found[char] = None
                if i + 1 < len(run):
                    found[run[i : i + 2]] = None
        else:
            found[run.lower()] = None
    return list(found)


def query_terms(q: str) -> tuple[list[str], list[str]]:
    """What a query must match: Chinese terms exactly, Latin words as prefixes."""
    exact: dict[str, None] = {}
    prefixes: dict[str, None] = {}
    for run in RUNS.findall(q or ""):
        if IS_HAN.match(run):
            pairs = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
            exact.update(dict.fromkeys(pairs))
        else:
            prefixes[run.lower()] = None
    return list(exact)[:MAX_QUERY_TERMS], list(prefixes)[:MAX_QUERY_TERMS]


def document(number: str, title: str, enterprise: str, description: str) -> str:
    """A ticket's terms as one string, as revision 0006 indexed them (see sections())."""
    return " ".join(terms(f"{number} {title} {enterprise} {description}"))


def sections(
    number: str, title: str, enterprise: str, description: str, notes: Iterable[str] = ()
) -> tuple[str, str, str]:
    """A ticket's terms by section (head, body, notes), each space-separated."""
    return (
        " ".join(terms(f"{number} {title}")),
        " ".join(terms(f"{enterprise} {description}")),
        " ".join(terms(" ".join(note for note in notes if note))),
    )


def weighted_vector(head: str, body: str, notes: str) -> str:
    """The sections as a PostgreSQL tsvector literal, each term at its positions with its
    section's weight (our terms need no quotes: Chinese characters, or Latin letters and
    digits)."""
    positions: dict[str, list[str]] = {}
    position = 0
    for section, weight in zip((head, body, notes), PG_WEIGHTS, strict=True):
        for term in section.split():
            position = min(position + 1, MAX_POSITION)
            positions.setdefault(term, []).append(f"{position}{weight}")
    return " ".join(f"{term}:{','.join(found)}" for term, found in positions.items())


def searchable(q: str) -> bool:
    exact, prefixes = query_terms(q)
    return bool(exact or prefixes)


@cache
def matching() -> ColumnElement[bool]:
    """A filter on Ticket: the tickets whose document has every term of the query given as
    the parameter "search_query" (see search_query()); built once per database."""
    if db.dialect_name() == "postgresql":
        query = func.to_tsquery(literal_column("'simple'"), bindparam("search_query"))
        return exists().where(_pg.c.ticket_id == Ticket.id, _pg.c.terms.op("@@")(query))
    # SQLite runs a correlated MATCH again for every row: the matches are found once instead
    found = literal_column(TABLE).op("MATCH")(bindparam("search_query"))
    return Ticket.id.in_(select(_fts.c.rowid).where(found))


@cache
def scores() -> Any:
    """A subquery of (ticket_id, score) for the tickets that match the query given as the
    parameter "search_query": the higher the score, the better the match (a head hit above a
    body hit above a notes hit); joined to a few rows, it scores only those on PostgreSQL."""
    if db.dialect_name() == "postgresql":
        query = func.to_tsquery(literal_column("'simple'"), bindparam("search_query"))
        score = func.ts_rank(_pg.c.terms, query)
        return select(_pg.c.ticket_id, score.label("score")).subquery("search_scores")
    found = literal_column(TABLE).op("MATCH")(bindparam("search_query"))
    weights = (literal_column(weight) for weight in SQLITE_WEIGHTS)
    score = -func.bm25(literal_column(TABLE), *weights)  # bm25: the lower, the better
    return (
        select(_fts.c.rowid.label("ticket_id"), score.label("score"))
        .where(found)
        .subquery("search_scores")
    )


def can_probe() -> bool:
    """Whether probe() is cheaper than the index for a frequent word (PostgreSQL; on SQLite the
    index finds a word's matches once and the rows are checked against that set)."""
    return db.dialect_name() == "postgresql"


def probe(ticket_id: Any) -> ColumnElement[bool]:
    """The query (parameter "search_query") checked against one ticket's terms by its id, as a
    function call the planner cannot turn into a scan of the whole index."""
    query = func.to_tsquery(literal_column("'simple'"), bindparam("search_query"))
    return exists().where(
        _pg.c.ticket_id == ticket_id, func.ts_match_vq(_pg.c.terms, query).is_(True)
    )


def search_query(q: str) -> str:
    """The query in the form the database's index reads."""
    exact, prefixes = query_terms(q)
    if db.dialect_name() == "postgresql":
        lexemes = [_quoted(t, "'") for t in exact] + [_quoted(w, "'") + ":*" for w in prefixes]
        return " & ".join(lexemes)
    phrases = [_quoted(t, '"') for t in exact] + [_quoted(w, '"') + "*" for w in prefixes]
    return " ".join(phrases)


def _quoted(term: str, quote: str) -> str:
    return quote + term.replace(quote, quote * 2) + quote


def index_ticket(ticket: Ticket, enterprise_name: str) -> None:
    """Store the ticket's current document (insert or replace)."""
    notes = [ticket.resolution or "", *notes_of([ticket.id]).get(ticket.id, [])]
    head_body_notes = sections(
        ticket.number, ticket.title or "", enterprise_name, ticket.description or "", notes
    )
    store([(ticket.id, *head_body_notes)])


def notes_statement(ids: Any) -> Select[Any]:
    """The public comments and visit records of the tickets `ids` (a list or a subquery) as
    (ticket_id, text) rows, in the order they were written; internal comments never."""
    comments = select(Comment.ticket_id, Comment.body.label("text"), Comment.created_at).where(
        Comment.ticket_id.in_(ids), Comment.internal.is_(False)
    )
    visit_text = Visit.place + " " + Visit.findings + " " + Visit.agreed
    visits = select(Visit.ticket_id, visit_text.label("text"), Visit.created_at).where(
        Visit.ticket_id.in_(ids)
    )
    notes = union_all(comments, visits).subquery()
    return select(notes.c.ticket_id, notes.c.text).order_by(notes.c.ticket_id, notes.c.created_at)


def notes_of(ids: list[int]) -> dict[int, list[str]]:
    """The texts of notes_statement() by ticket, in one statement."""
    found: dict[int, list[str]] = {}
    if ids:
        for ticket_id, text_ in db.session.execute(notes_statement(ids)):
            found.setdefault(ticket_id, []).append(text_)
    return found


def texts_of(ids: list[int], q: str) -> dict[int, list[str]]:
    """What the results' snippets are cut from, by ticket, in one statement: the description,
    the resolution, then those public comments and visit records, as written, that hold a
    word of the query `q` (a ticket may have thousands of comments)."""
    exact, prefixes = query_terms(q)
    if not ids or not (exact or prefixes):
        return {}
    words = [*exact, *prefixes]
    described = select(Ticket.id, Ticket.description, literal(0), Ticket.created_at)
    resolved = select(Ticket.id, Ticket.resolution, literal(1), Ticket.created_at).where(
        Ticket.resolution.is_not(None)
    )
    comments = select(Comment.ticket_id, Comment.body, literal(2), Comment.created_at).where(
        Comment.internal.is_(False), or_(*(Comment.body.ilike(f"%{w}%") for w in words))
    )
    visit_text = Visit.place + " " + Visit.findings + " " + Visit.agreed
    visits = select(Visit.ticket_id, visit_text, literal(2), Visit.created_at).where(
        or_(*(visit_text.ilike(f"%{w}%") for w in words))
    )
    parts = union_all(
        described.where(Ticket.id.in_(ids)),
        resolved.where(Ticket.id.in_(ids)),
        comments.where(Comment.ticket_id.in_(ids)),
        visits.where(Visit.ticket_id.in_(ids)),
    ).subquery()
    ticket_id, text_, part, at = parts.c
    found: dict[int, list[str]] = {}
    for row in db.session.execute(select(parts).order_by(ticket_id, part, at)):
        found.setdefault(row[0], []).append(row[1] or "")
    return found


def reindex_enterprise(enterprise_id: int, batch: int = 5_000) -> None:
    """After an enterprise is renamed: its tickets' documents hold its name."""
    _reindex(Ticket.enterprise_id == enterprise_id, batch)


def rebuild(batch: int = 5_000) -> int:
    """Index every ticket again (after a bulk load or a change of the document's shape);
    returns how many were indexed."""
    db.session.execute(text(f"DELETE FROM {TABLE}"))
    return _reindex(true(), batch, replace=False)


def documents(execute: Any, which: Any, batch: int) -> Iterator[list[tuple[int, str, str, str]]]:
    """The documents of the tickets `which` selects, `batch` tickets at a time, read through
    `execute` (a session's or a connection's: migrations use it too)."""
    last = 0
    while True:
        rows = execute(
            select(
                Ticket.id,
                Ticket.number,
                Ticket.title,
                Enterprise.name,
                Ticket.description,
                Ticket.resolution,
            )
            .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
            .where(which, Ticket.id > last)
            .order_by(Ticket.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        notes: dict[int, list[str]] = {}
        for ticket_id, text_ in execute(notes_statement([row[0] for row in rows])):
            notes.setdefault(ticket_id, []).append(text_)
        yield [
            (row[0], *sections(*row[1:5], [row[5] or "", *notes.get(row[0], [])])) for row in rows
        ]
        last = rows[-1][0]


def _reindex(which: ColumnElement[bool], batch: int, replace: bool = True) -> int:
    done = 0
    for found in documents(db.session.execute, which, batch):
        store(found, replace=replace)
        done += len(found)
    return done


def store(documents_: Iterable[tuple[int, str, str, str]], replace: bool = True) -> None:
    """Write many documents at once (each ticket's id and its three sections of terms)."""
    values = [{"id": i, "head": h, "body": b, "notes": n} for i, h, b, n in documents_]
    if not values:
        return
    postgres = db.dialect_name() == "postgresql"
    if postgres:
        values = [{"id": v["id"], "doc": weighted_vector(v["head"], v["body"], v["notes"])}
                  for v in values]  # fmt: skip
    db.session.execute(text(STORE[postgres, replace]), values)


STORE = {
    (True, False): f"INSERT INTO {TABLE} (ticket_id, terms) VALUES (:id, CAST(:doc AS tsvector))",
    (True, True): f"INSERT INTO {TABLE} (ticket_id, terms) VALUES (:id, CAST(:doc AS tsvector))"
    " ON CONFLICT (ticket_id) DO UPDATE SET terms = excluded.terms",
    (False, False): f"INSERT INTO {TABLE} (rowid, head, body, notes)"
    " VALUES (:id, :head, :body, :notes)",
    (False, True): f"INSERT OR REPLACE INTO {TABLE} (rowid, head, body, notes)"
    " VALUES (:id, :head, :body, :notes)",
}
