"""webhooks: URLs that receive signed JSON for chosen ticket events; their deliveries are
outbox rows of the new channel 'hook' (outbox.webhook_id), each try kept in webhook_attempt

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

WHEN = sa.DateTime(timezone=True)
HOOK_HAS_WEBHOOK = (
    "(channel = 'hook' AND webhook_id IS NOT NULL) OR (channel <> 'hook' AND webhook_id IS NULL)"
)

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name="fk_webhook_created_by_id_user",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook"),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("webhook_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_outbox_webhook_id_webhook", "webhook", ["webhook_id"], ["id"], ondelete="CASCADE"
        )
        batch.drop_constraint("known_channel", type_="check")
        batch.create_check_constraint("known_channel", "channel IN ('email', 'hook', 'webhook')")
        batch.create_check_constraint("hook_has_webhook", HOOK_HAS_WEBHOOK)
        batch.create_index("ix_outbox_webhook", ["webhook_id", "id"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.String(500), nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name="fk_webhook_attempt_outbox_id_outbox",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempt"),
    )
    op.create_index("ix_webhook_attempt_outbox", "webhook_attempt", ["outbox_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempt_outbox", table_name="webhook_attempt")
    op.drop_table("webhook_attempt")
    op.execute("DELETE FROM outbox WHERE channel = 'hook'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_webhook")
        batch.drop_constraint("hook_has_webhook", type_="check")
        batch.drop_constraint("known_channel", type_="check")
        batch.create_check_constraint("known_channel", "channel IN ('email', 'webhook')")
        batch.drop_constraint("fk_outbox_webhook_id_webhook", type_="foreignkey")
        batch.drop_column("webhook_id")
    op.drop_table("webhook")
