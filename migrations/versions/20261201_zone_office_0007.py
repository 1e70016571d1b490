"""parks and counties can be retired; an enterprise's partner university; an expert's last
assignment; when a ticket was returned; the to-do lists' indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


TODO_INDEXES = {
    "ix_ticket_university_state": ["university_id", "state", "updated_at", "id"],
    "ix_ticket_expert_state": ["expert_id", "state", "updated_at", "id"],
    "ix_ticket_enterprise_state": ["enterprise_id", "state", "updated_at", "id"],
    "ix_ticket_returned": ["state", "returned_at", "id"],
}


def upgrade() -> None:
    for table in ("park", "county"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
            )
    with op.batch_alter_table("enterprise") as batch_op:
        batch_op.add_column(sa.Column("partner_university_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_enterprise_partner_university_id", ["partner_university_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_enterprise_partner_university_id_university",
            "university",
            ["partner_university_id"],
            ["id"],
        )
    with op.batch_alter_table("expert_profile") as batch_op:
        batch_op.add_column(
            sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True)
        )
    # the last assignment so far: the latest of the tickets each expert holds now
    op.execute(
        """
        UPDATE expert_profile SET last_assigned_at = (
            SELECT max(ticket.expert_assigned_at) FROM ticket
            WHERE ticket.expert_id = expert_profile.user_id
        )
        """
    )
    op.add_column("ticket", sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    # a ticket waiting for routing that a university had before was returned by it
    op.execute(
        """
        UPDATE ticket SET returned_at = (
            SELECT max(ticket_event.at) FROM ticket_event
            WHERE ticket_event.ticket_id = ticket.id AND ticket_event.action = 'return'
        )
        WHERE state = 'submitted'
          AND EXISTS (SELECT 1 FROM ticket_university WHERE ticket_university.ticket_id = ticket.id)
        """
    )
    for name, columns in TODO_INDEXES.items():
        op.create_index(name, "ticket", columns)


def downgrade() -> None:
    for name in TODO_INDEXES:
        op.drop_index(name, table_name="ticket")
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("returned_at")
    with op.batch_alter_table("expert_profile") as batch_op:
        batch_op.drop_column("last_assigned_at")
    with op.batch_alter_table("enterprise") as batch_op:
        batch_op.drop_constraint(
            "fk_enterprise_partner_university_id_university", type_="foreignkey"
        )
        batch_op.drop_index("ix_enterprise_partner_university_id")
        batch_op.drop_column("partner_university_id")
    for table in ("county", "park"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("active")
