"""indexes that serve the queues in their order, and a ticket's history in pages

Every queue lists tickets newest activity first (updated_at DESC, id DESC), filtered by one
of expert, university, enterprise or state: one index each, ending in (updated_at, id), so
that a page reads its 20 rows from the index instead of sorting the whole set. The
single-column indexes they replace are dropped. A ticket's history is read newest first in
pages: (ticket_id, at, id).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

REPLACED = {  # old index → its columns
    "ix_ticket_enterprise_id": ["enterprise_id"],
    "ix_ticket_expert_id": ["expert_id"],
    "ix_ticket_university_id": ["university_id"],
    "ix_ticket_state": ["state"],
    "ix_ticket_state_updated": ["state", "updated_at"],
}
NEW = {
    "ix_ticket_updated": ["updated_at", "id"],
    "ix_ticket_enterprise_updated": ["enterprise_id", "updated_at", "id"],
    "ix_ticket_expert_updated": ["expert_id", "updated_at", "id"],
    "ix_ticket_university_updated": ["university_id", "updated_at", "id"],
    "ix_ticket_state_updated": ["state", "updated_at", "id"],
}


def upgrade() -> None:
    for name in REPLACED:
        op.drop_index(name, table_name="ticket")
    for name, columns in NEW.items():
        op.create_index(name, "ticket", columns)
    op.drop_index("ix_ticket_event_ticket_id", table_name="ticket_event")
    op.create_index("ix_ticket_event_ticket_at", "ticket_event", ["ticket_id", "at", "id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_event_ticket_at", table_name="ticket_event")
    op.create_index("ix_ticket_event_ticket_id", "ticket_event", ["ticket_id"])
    for name in NEW:
        op.drop_index(name, table_name="ticket")
    for name, columns in REPLACED.items():
        op.create_index(name, "ticket", columns)
