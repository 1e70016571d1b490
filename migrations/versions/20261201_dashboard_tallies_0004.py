"""the dashboard's tallies: filed tickets by state, category and university and by enterprise,
and history events by action and month, kept in the same transaction as every change

The tables are filled from the tickets and their history here, so an existing database
upgrades with exact figures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ENTERPRISES = """INSERT INTO enterprise_tally (enterprise_id, n)
    SELECT enterprise_id, count(*) FROM ticket WHERE state <> 'draft' GROUP BY 1"""
FILL = {
    "postgresql": (
        ENTERPRISES,
        """INSERT INTO ticket_tally (state, category, university_id, n)
        SELECT state, category, coalesce(university_id, 0), count(*)
        FROM ticket WHERE state <> 'draft' GROUP BY 1, 2, 3""",
        """INSERT INTO event_tally (action, month, n, amount)
        SELECT action, date_trunc('month', timezone('Asia/Shanghai', at))::date, count(*),
               coalesce(sum(CASE action WHEN 'sign_agreement' THEN (data ->> 'amount')::numeric
                                        WHEN 'land' THEN (data ->> 'economic_benefit')::numeric
                                        ELSE 0 END), 0)
        FROM ticket_event GROUP BY 1, 2""",
    ),
    "sqlite": (
        ENTERPRISES,
        """INSERT INTO ticket_tally (state, category, university_id, n)
        SELECT state, category, coalesce(university_id, 0), count(*)
        FROM ticket WHERE state <> 'draft' GROUP BY 1, 2, 3""",
        """INSERT INTO event_tally (action, month, n, amount)
        SELECT action, date(at, '+8 hours', 'start of month'), count(*),
               coalesce(sum(CASE action WHEN 'sign_agreement' THEN json_extract(data, '$.amount')
                                        WHEN 'land' THEN json_extract(data, '$.economic_benefit')
                                        ELSE 0 END), 0)
        FROM ticket_event GROUP BY 1, 2""",
    ),
}


def upgrade() -> None:
    op.create_table(
        "ticket_tally",
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("state", "category", "university_id", name=op.f("pk_ticket_tally")),
    )
    op.create_table(
        "enterprise_tally",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_tally_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_enterprise_tally")),
    )
    op.create_table(
        "event_tally",
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("action", "month", name=op.f("pk_event_tally")),
    )
    for statement in FILL[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("event_tally")
    op.drop_table("enterprise_tally")
    op.drop_table("ticket_tally")
