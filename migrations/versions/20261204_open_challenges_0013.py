"""open challenges (揭榜挂帅): a challenge beside a submitted ticket, the universities'
proposals, and two kinds of notification (a challenge published, a proposal not picked) that
link to the challenge's page

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

OLD_KINDS = ("routed", "assigned", "comment", "resolved", "due", "overdue")
NEW_KINDS = (*OLD_KINDS, "challenge", "not_picked")
WHEN = sa.DateTime(timezone=True)
OPEN_ONLY = sa.text("status = 'open'")

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _kinds(kinds: tuple[str, ...]) -> str:
    return f"kind IN {kinds!r}"


def _replace_kind_check(kinds: tuple[str, ...]) -> None:
    for table in ("notification", "email_opt_out"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint("known_kind", type_="check")
            batch.create_check_constraint("known_kind", _kinds(kinds))


def upgrade() -> None:
    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("published_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.CheckConstraint("status IN ('awarded', 'open', 'withdrawn')", name="known_status"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_challenge_ticket_id_ticket"),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user.id"], name="fk_challenge_published_by_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_challenge"),
    )
    op.create_index("ix_challenge_ticket_id", "challenge", ["ticket_id"])
    op.create_index("ix_challenge_status_deadline", "challenge", ["status", "deadline", "id"])
    op.create_index(
        "uq_challenge_open_ticket",
        "challenge",
        ["ticket_id"],
        unique=True,
        sqlite_where=OPEN_ONLY,
        postgresql_where=OPEN_ONLY,
    )
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("approach", sa.Text(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint("status IN ('not_picked', 'pending', 'picked')", name="known_status"),
        sa.CheckConstraint("days >= 1", name="days_positive"),
        sa.CheckConstraint("cost >= 0", name="cost_not_negative"),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name="fk_proposal_challenge_id_challenge",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["university_id"], ["university.id"], name="fk_proposal_university_id_university"
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["user.id"], name="fk_proposal_expert_id_user"),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name="fk_proposal_submitted_by_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_proposal"),
        sa.UniqueConstraint(
            "challenge_id", "university_id", name="uq_proposal_challenge_university"
        ),
    )
    op.create_index("ix_proposal_university_id", "proposal", ["university_id"])
    op.create_index("ix_proposal_expert_id", "proposal", ["expert_id"])
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("challenge_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_notification_challenge_id_challenge", "challenge", ["challenge_id"], ["id"]
        )
        batch.create_index("ix_notification_challenge_id", ["challenge_id"])
    _replace_kind_check(NEW_KINDS)


def downgrade() -> None:
    kinds = sa.text("kind IN ('challenge', 'not_picked')")
    op.execute(sa.delete(sa.table("notification", sa.column("kind"))).where(kinds))
    op.execute(sa.delete(sa.table("email_opt_out", sa.column("kind"))).where(kinds))
    _replace_kind_check(OLD_KINDS)
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_challenge_id")
        batch.drop_constraint("fk_notification_challenge_id_challenge", type_="foreignkey")
        batch.drop_column("challenge_id")
    op.drop_index("ix_proposal_expert_id", table_name="proposal")
    op.drop_index("ix_proposal_university_id", table_name="proposal")
    op.drop_table("proposal")
    op.drop_index("uq_challenge_open_ticket", table_name="challenge")
    op.drop_index("ix_challenge_status_deadline", table_name="challenge")
    op.drop_index("ix_challenge_ticket_id", table_name="challenge")
    op.drop_table("challenge")
