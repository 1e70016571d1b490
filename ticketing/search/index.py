"""Finding tickets by their words through an index, on either database.

Each ticket has one document: its number, title, enterprise and description, cut into terms
here in Python so that both databases index the same terms: every Chinese character and every
pair of neighbouring characters (so that two-character words such as 测序 are found, which the
databases' own trigram indexes cannot do), and every run of Latin letters and digits, in lower
case. A query matches a ticket that has all of the query's terms: its Chinese pairs (or the
character, for a one-character query) and its Latin words as prefixes (PC finds PCR).

PostgreSQL keeps the terms in a tsvector with a GIN index; SQLite in an FTS5 table. matching(),
search_query() and the writes below are the only places that differ between them.
index_ticket() is called by history.record() for the changes that alter a ticket's words, in
the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)

from ticketing import db
from ticketing.orgs.models import Enterprise
from ticketing.tickets.models import Ticket

TABLE = "ticket_search"
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{HAN}]+|[0-9A-Za-z]+")
IS_HAN = re.compile(rf"[{HAN}]")
MAX_QUERY_TERMS = 12
# the words of a ticket that its document holds; an event with these changes them
DOCUMENT_ACTIONS = frozenset({"create", "edit"})

_pg = table(TABLE, column("ticket_id"), column("terms"))  # a tsvector with a GIN index
_fts = table(TABLE, column("rowid"), column("terms"))  # an FTS5 table, ticket id as rowid


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
    """A ticket's terms as one space-separated string (what both indexes store)."""
    return " ".join(terms(f"{number} {title} {enterprise} {description}"))


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
    doc = document(ticket.number, ticket.title or "", enterprise_name, ticket.description or "")
    store([(ticket.id, doc)])


def reindex_enterprise(enterprise_id: int, batch: int = 5_000) -> None:
    """After an enterprise is renamed: its tickets' documents hold its name."""
    _reindex(Ticket.enterprise_id == enterprise_id, batch)


def rebuild(batch: int = 20_000) -> int:
    """Index every ticket again (after a bulk load); returns how many were indexed."""
    db.session.execute(text(f"DELETE FROM {TABLE}"))
    return _reindex(true(), batch, replace=False)


def _reindex(which: ColumnElement[bool], batch: int, replace: bool = True) -> int:
    last, done = 0, 0
    while True:
        rows = db.session.execute(
            select(Ticket.id, Ticket.number, Ticket.title, Enterprise.name, Ticket.description)
            .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
            .where(which, Ticket.id > last)
            .order_by(Ticket.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        store([(row[0], document(*row[1:])) for row in rows], replace=replace)
        last, done = rows[-1][0], done + len(rows)


def store(documents: Iterable[tuple[int, str]], replace: bool = True) -> None:
    """Write many documents at once (each ticket's id and its terms)."""
    values: list[dict[str, Any]] = [{"id": i, "doc": doc} for i, doc in documents]
    if values:
        db.session.execute(text(_STORE[db.dialect_name() == "postgresql", replace]), values)


_STORE = {
    (
        True,
        False,
    ): f"INSERT INTO {TABLE} (ticket_id, terms) VALUES (:id, to_tsvector('simple', :doc))",
    (
        True,
        True,
    ): f"INSERT INTO {TABLE} (ticket_id, terms) VALUES (:id, to_tsvector('simple', :doc))"
    " ON CONFLICT (ticket_id) DO UPDATE SET terms = excluded.terms",
    (False, False): f"INSERT INTO {TABLE} (rowid, terms) VALUES (:id, :doc)",
    (False, True): f"INSERT OR REPLACE INTO {TABLE} (rowid, terms) VALUES (:id, :doc)",
}
