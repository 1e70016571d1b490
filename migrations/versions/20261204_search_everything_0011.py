"""search over every text of a ticket, and saved searches

The search document gets three weighted sections (head: number and title; body: enterprise
and description; notes: resolution, public comments, visit records): on PostgreSQL the same
tsvector column with weights A, B, C; on SQLite an FTS5 table with one column a section.
Both are filled again from the existing tickets.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ticketing.search.index import TABLE, document, documents, weighted_vector

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("queue", sa.String(20), nullable=False),
        sa.Column("args", sa.String(600), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name="fk_saved_search_user_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_saved_search"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_search_user_id_name"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DELETE FROM {TABLE}")
        insert = f"INSERT INTO {TABLE} (ticket_id, terms) VALUES (:id, CAST(:doc AS tsvector))"
        for found in documents(bind.execute, sa.true(), 5000):
            values = [{"id": i, "doc": weighted_vector(h, b, n)} for i, h, b, n in found]
            bind.execute(sa.text(insert), values)
        return
    op.execute(f"DROP TABLE {TABLE}")
    op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(head, body, notes, tokenize='unicode61')")
    insert = f"INSERT INTO {TABLE} (rowid, head, body, notes) VALUES (:id, :head, :body, :notes)"
    for found in documents(bind.execute, sa.true(), 5000):
        values = [{"id": i, "head": h, "body": b, "notes": n} for i, h, b, n in found]
        bind.execute(sa.text(insert), values)


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute(f"DELETE FROM {TABLE}")
        insert = f"INSERT INTO {TABLE} (ticket_id, terms) VALUES (:id, to_tsvector('simple', :doc))"
    else:
        op.execute(f"DROP TABLE {TABLE}")
        op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(terms, tokenize='unicode61')")
        insert = f"INSERT INTO {TABLE} (rowid, terms) VALUES (:id, :doc)"
    rows = bind.execute(
        sa.text(
            "SELECT t.id, t.number, t.title, e.name, t.description FROM ticket t "
            "JOIN enterprise e ON e.id = t.enterprise_id ORDER BY t.id"
        )
    ).all()
    for start in range(0, len(rows), 5000):
        values = [{"id": r[0], "doc": document(*r[1:])} for r in rows[start : start + 5000]]
        bind.execute(sa.text(insert), values)
    op.drop_table("saved_search")
