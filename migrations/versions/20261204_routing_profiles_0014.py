"""the experts' profiles for routing suggestions: expert_term (how many of an expert's
solved problems have a term in their text) and expert_category (how many of a category they
solved), counted from the solved tickets already there

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ticketing.routing.profiles import compute, write

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expert_term",
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["user.id"], name="fk_expert_term_expert_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("expert_id", "term", name="pk_expert_term"),
    )
    op.create_index("ix_expert_term_term", "expert_term", ["term", "expert_id"])
    op.create_table(
        "expert_category",
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["user.id"],
            name="fk_expert_category_expert_id_user",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("expert_id", "category", name="pk_expert_category"),
    )
    bind = op.get_bind()
    term_rows, category_rows = compute(bind.execute)
    write(bind.execute, term_rows, category_rows)


def downgrade() -> None:
    op.drop_table("expert_category")
    op.drop_index("ix_expert_term_term", table_name="expert_term")
    op.drop_table("expert_term")
