"""initial schema: organisations, users, tickets, history, outcomes

The ticket_event table is append-only: a trigger refuses UPDATE and DELETE on it.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:08:01.166742
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_sequence",
        sa.Column("zone_code", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("zone_code", "year", name=op.f("pk_ticket_sequence")),
    )
    op.create_table(
        "university",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_university")),
        sa.UniqueConstraint("name", name=op.f("uq_university_name")),
    )
    op.create_table(
        "zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone")),
        sa.UniqueConstraint("code", name=op.f("uq_zone_code")),
    )
    op.create_table(
        "county",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["zone_id"], ["zone.id"], name=op.f("fk_county_zone_id_zone")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county")),
        sa.UniqueConstraint("name", name=op.f("uq_county_name")),
    )
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_county_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "park",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["zone_id"], ["zone.id"], name=op.f("fk_park_zone_id_zone")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_park")),
        sa.UniqueConstraint("name", name=op.f("uq_park_name")),
    )
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_park_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("university_id", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["university_id"], ["university.id"], name=op.f("fk_user_university_id_university")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("login", name=op.f("uq_user_login")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_university_id"), ["university_id"], unique=False)

    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=120), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_enterprise_county_id_county")
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_enterprise_park_id_park")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
        sa.UniqueConstraint("name", name=op.f("uq_enterprise_name")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_park_id"), ["park_id"], unique=False)

    op.create_table(
        "expert_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("expertise", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_expert_profile_capacity_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_expert_profile_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_expert_profile")),
    )
    op.create_table(
        "role_grant",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'commissioner', 'liaison', 'expert')",
            name=op.f("ck_role_grant_known_role"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_role_grant_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_role_grant")),
    )
    op.create_table(
        "commissioner_enterprise",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_commissioner_enterprise_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_commissioner_enterprise_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "enterprise_id", name=op.f("pk_commissioner_enterprise")
        ),
    )
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("filer_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expert_assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "category IN ('breakthrough', 'management', 'product_rd', 'talent', 'tech_upgrade', 'transformation')",
            name=op.f("ck_ticket_known_category"),
        ),
        sa.CheckConstraint(
            "expert_id IS NOT NULL OR NOT (state IN ('expert_assigned', 'in_progress', 'outcome_agreement', 'outcome_intention', 'outcome_landed', 'resolved'))",
            name=op.f("ck_ticket_expert_when_assigned"),
        ),
        sa.CheckConstraint(
            "priority IN ('high', 'low', 'normal', 'urgent')", name=op.f("ck_ticket_known_priority")
        ),
        sa.CheckConstraint(
            "resolution IS NOT NULL OR NOT (state IN ('outcome_agreement', 'outcome_intention', 'outcome_landed', 'resolved'))",
            name=op.f("ck_ticket_resolution_when_resolved"),
        ),
        sa.CheckConstraint(
            "state IN ('closed', 'draft', 'expert_assigned', 'in_progress', 'outcome_agreement', 'outcome_intention', 'outcome_landed', 'resolved', 'submitted', 'university_assigned', 'withdrawn')",
            name=op.f("ck_ticket_known_state"),
        ),
        sa.CheckConstraint(
            "university_id IS NOT NULL OR NOT (state IN ('expert_assigned', 'in_progress', 'outcome_agreement', 'outcome_intention', 'outcome_landed', 'resolved', 'university_assigned'))",
            name=op.f("ck_ticket_university_when_routed"),
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name=op.f("ck_ticket_satisfaction_range"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_ticket_version_positive")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_ticket_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["user.id"], name=op.f("fk_ticket_expert_id_user")),
        sa.ForeignKeyConstraint(["filer_id"], ["user.id"], name=op.f("fk_ticket_filer_id_user")),
        sa.ForeignKeyConstraint(
            ["university_id"], ["university.id"], name=op.f("fk_ticket_university_id_university")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("number", name=op.f("uq_ticket_number")),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_filer_id"), ["filer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_due_at"), ["due_at"], unique=False)
        batch_op.create_index("ix_ticket_state_updated", ["state", "updated_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ticket_university_id"), ["university_id"], unique=False
        )

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_attachment_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_attachment_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["user.id"], name=op.f("fk_attachment_uploader_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachment_stored_name")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_comment_author_id_user")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_comment_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("agreed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["expert_id"], ["user.id"], name=op.f("fk_visit_expert_id_user")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_visit_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("cooperation_form", sa.String(length=20), nullable=False),
        sa.Column("intention_date", sa.Date(), nullable=False),
        sa.Column("agreement_number", sa.String(length=60), nullable=True),
        sa.Column("agreement_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("landed_date", sa.Date(), nullable=True),
        sa.Column("landing_description", sa.Text(), nullable=True),
        sa.Column("economic_benefit", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("abandoned_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(agreement_number IS NULL) = (agreement_date IS NULL) "
            "AND (agreement_number IS NULL) = (amount IS NULL)",
            name=op.f("ck_outcome_agreement_complete"),
        ),
        sa.CheckConstraint(
            "amount IS NULL OR amount >= 0", name=op.f("ck_outcome_amount_not_negative")
        ),
        sa.CheckConstraint(
            "economic_benefit IS NULL OR economic_benefit >= 0",
            name=op.f("ck_outcome_benefit_not_negative"),
        ),
        sa.CheckConstraint(
            "landed_date IS NULL OR (agreement_date IS NOT NULL "
            "AND economic_benefit IS NOT NULL AND landing_description IS NOT NULL)",
            name=op.f("ck_outcome_landing_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_outcome_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome")),
    )
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_ticket_event_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_event_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_event")),
    )
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_event_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_expert",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["user.id"], name=op.f("fk_ticket_expert_expert_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_expert_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("ticket_id", "expert_id", name=op.f("pk_ticket_expert")),
    )
    with op.batch_alter_table("ticket_expert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_expert_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "ticket_university",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_university_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["university_id"],
            ["university.id"],
            name=op.f("fk_ticket_university_university_id_university"),
        ),
        sa.PrimaryKeyConstraint("ticket_id", "university_id", name=op.f("pk_ticket_university")),
    )
    with op.batch_alter_table("ticket_university", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_university_university_id"), ["university_id"], unique=False
        )

    _protect_history()


def downgrade() -> None:
    _unprotect_history()
    with op.batch_alter_table("ticket_university", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_university_university_id"))

    op.drop_table("ticket_university")
    with op.batch_alter_table("ticket_expert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_expert_expert_id"))

    op.drop_table("ticket_expert")
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_event_ticket_id"))

    op.drop_table("ticket_event")
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_ticket_id"))

    op.drop_table("outcome")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_ticket_id"))

    op.drop_table("visit")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_ticket_id"))

    op.drop_table("comment")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_ticket_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_university_id"))
        batch_op.drop_index("ix_ticket_state_updated")
        batch_op.drop_index(batch_op.f("ix_ticket_state"))
        batch_op.drop_index(batch_op.f("ix_ticket_due_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_filer_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_expert_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_enterprise_id"))

    op.drop_table("ticket")
    op.drop_table("commissioner_enterprise")
    op.drop_table("role_grant")
    op.drop_table("expert_profile")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_park_id"))
        batch_op.drop_index(batch_op.f("ix_enterprise_county_id"))

    op.drop_table("enterprise")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_university_id"))

    op.drop_table("user")
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_park_zone_id"))

    op.drop_table("park")
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_county_zone_id"))

    op.drop_table("county")
    op.drop_table("zone")
    op.drop_table("university")
    op.drop_table("ticket_sequence")


def _protect_history() -> None:
    """Refuse UPDATE and DELETE on ticket_event, in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ticket_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'ticket history is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER ticket_event_append_only BEFORE UPDATE OR DELETE ON ticket_event "
            "FOR EACH ROW EXECUTE FUNCTION ticket_event_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER ticket_event_no_{verb.lower()} BEFORE {verb} ON ticket_event "
            "BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END"
        )


def _unprotect_history() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_event_append_only ON ticket_event")
        op.execute("DROP FUNCTION IF EXISTS ticket_event_append_only()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS ticket_event_no_{verb}")
