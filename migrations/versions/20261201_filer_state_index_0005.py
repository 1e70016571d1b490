"""a person's own tickets by state in queue order: (filer_id, state, updated_at, id)

A person's drafts are found without reading every ticket they ever filed (a commissioner
files thousands); the single-column index on filer_id it replaces is dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_filer_id", table_name="ticket")
    op.create_index("ix_ticket_filer_state", "ticket", ["filer_id", "state", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_filer_state", table_name="ticket")
    op.create_index("ix_ticket_filer_id", "ticket", ["filer_id"])
