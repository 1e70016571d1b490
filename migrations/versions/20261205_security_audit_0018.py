"""security audit trail: the security_event table, append-only in the database

An UPDATE is always refused; a DELETE only for events younger than 180 days, so the database
itself keeps the trail for that long (flask audit prune deletes older ones).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
KEEP_DAYS = 180  # ticketing.audit.models.KEEP_DAYS_LEAST
MESSAGE = "the security log is append-only; events are kept 180 days"


def upgrade() -> None:
    op.create_table(
        "security_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(60), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('success', 'failure')", name=op.f("ck_security_event_outcome")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name="fk_security_event_user_id_user"),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name="fk_security_event_actor_id_user"),
        sa.PrimaryKeyConstraint("id", name="pk_security_event"),
    )
    op.create_index("ix_security_event_at", "security_event", ["at", "id"])
    op.create_index("ix_security_event_user_at", "security_event", ["user_id", "at"])
    op.create_index("ix_security_event_kind_at", "security_event", ["kind", "at"])
    _protect()


def downgrade() -> None:
    _unprotect()
    op.drop_index("ix_security_event_kind_at", table_name="security_event")
    op.drop_index("ix_security_event_user_at", table_name="security_event")
    op.drop_index("ix_security_event_at", table_name="security_event")
    op.drop_table("security_event")


def _protect() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION security_event_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND OLD.at < now() - interval '{KEEP_DAYS} days' THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER security_event_append_only BEFORE UPDATE OR DELETE "
            "ON security_event FOR EACH ROW EXECUTE FUNCTION security_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER security_event_no_truncate BEFORE TRUNCATE ON security_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION security_event_append_only()"
        )
        return
    op.execute(
        "CREATE TRIGGER security_event_no_update BEFORE UPDATE ON security_event "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER security_event_no_young_delete BEFORE DELETE ON security_event "
        f"WHEN julianday(OLD.at) > julianday('now', '-{KEEP_DAYS} days') "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def _unprotect() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS security_event_no_truncate ON security_event")
        op.execute("DROP TRIGGER IF EXISTS security_event_append_only ON security_event")
        op.execute("DROP FUNCTION IF EXISTS security_event_append_only()")
        return
    op.execute("DROP TRIGGER IF EXISTS security_event_no_young_delete")
    op.execute("DROP TRIGGER IF EXISTS security_event_no_update")
