"""a search index of the tickets' words: a tsvector with a GIN index on PostgreSQL, an FTS5
table on SQLite, filled here from the existing tickets

The terms are cut in Python (ticketing/search/index.py) so that both databases index the same
ones, two-character Chinese words included.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ticketing.search.index import TABLE, document

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute(
            f"CREATE TABLE {TABLE} (ticket_id INTEGER PRIMARY KEY "
            "REFERENCES ticket (id) ON DELETE CASCADE, terms TSVECTOR NOT NULL)"
        )
        insert = f"INSERT INTO {TABLE} (ticket_id, terms) VALUES (:id, to_tsvector('simple', :doc))"
    else:
        op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(terms, tokenize='unicode61')")
        insert = f"INSERT INTO {TABLE} (rowid, terms) VALUES (:id, :doc)"
    rows = bind.execute(
        sa.text(
            "SELECT t.id, t.number, t.title, e.name, t.description FROM ticket t "
            "JOIN enterprise e ON e.id = t.enterprise_id ORDER BY t.id"
        )
    )
    batch = []
    for row in rows:
        batch.append({"id": row[0], "doc": document(row[1], row[2], row[3], row[4])})
        if len(batch) == 5000:
            bind.execute(sa.text(insert), batch)
            batch = []
    if batch:
        bind.execute(sa.text(insert), batch)
    if postgres:  # built once, after the rows: faster than kept up row by row
        op.execute(f"CREATE INDEX ix_{TABLE}_terms ON {TABLE} USING gin (terms)")


def downgrade() -> None:
    op.execute(f"DROP TABLE {TABLE}")
