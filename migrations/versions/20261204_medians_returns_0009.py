"""the dashboard's medians and each university's returns: the days per step as histograms
(duration_tally; place_duration_tally by category, park and county too; place_days_tally the
same without month and campaign; days_tally by step and university alone), the problems each
university returned (ticket_university.returned_at and fact_tally.returns)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_university") as batch_op:
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    # a return is done by a liaison of the university the ticket was with: their university
    # returned it, last at the latest such event
    op.execute(
        """
        UPDATE ticket_university SET returned_at = r.at
        FROM (
            SELECT e.ticket_id, u.university_id, max(e.at) AS at
            FROM ticket_event e JOIN "user" u ON u.id = e.actor_id
            WHERE e.action = 'return' AND u.university_id IS NOT NULL
            GROUP BY e.ticket_id, u.university_id
        ) AS r
        WHERE ticket_university.ticket_id = r.ticket_id
          AND ticket_university.university_id = r.university_id
        """
    )
    with op.batch_alter_table("fact_tally") as batch_op:
        batch_op.add_column(sa.Column("returns", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "duration_tally",
        sa.Column("step", sa.String(8), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "step", "month", "university_id", "campaign_id", "days", name="pk_duration_tally"
        ),
    )
    op.create_table(
        "place_duration_tally",
        sa.Column("step", sa.String(8), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "step",
            "month",
            "university_id",
            "campaign_id",
            "category",
            "park_id",
            "county_id",
            "days",
            name="pk_place_duration_tally",
        ),
    )
    op.create_index("ix_place_duration_tally_park_id", "place_duration_tally", ["park_id"])
    op.create_index("ix_place_duration_tally_county_id", "place_duration_tally", ["county_id"])
    op.create_index("ix_place_duration_tally_category", "place_duration_tally", ["category"])
    op.create_table(
        "place_days_tally",
        sa.Column("step", sa.String(8), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "step",
            "university_id",
            "category",
            "park_id",
            "county_id",
            "days",
            name="pk_place_days_tally",
        ),
    )
    op.create_index("ix_place_days_tally_park_id", "place_days_tally", ["park_id"])
    op.create_index("ix_place_days_tally_county_id", "place_days_tally", ["county_id"])
    op.create_index("ix_place_days_tally_category", "place_days_tally", ["category"])
    op.create_table(
        "days_tally",
        sa.Column("step", sa.String(8), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("step", "university_id", "days", name="pk_days_tally"),
    )
    # all four filled by `flask migrate` (cli.TALLY_REVISIONS), which rebuilds the tallies after it


def downgrade() -> None:
    op.drop_table("days_tally")
    op.drop_table("place_days_tally")
    op.drop_table("place_duration_tally")
    op.drop_table("duration_tally")
    with op.batch_alter_table("fact_tally") as batch_op:
        batch_op.drop_column("returns")
    with op.batch_alter_table("ticket_university") as batch_op:
        batch_op.drop_column("returned_at")
