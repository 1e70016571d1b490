"""sign-ins kept on the server, one per device (signing out deletes the row); the second factor; the password's date

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 00:20:00

Cookies issued before this revision name no sign-in: everyone signs in once more.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("user_token", sa.String(64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name="fk_sign_in_user_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in"),
    )
    op.create_index("ix_sign_in_user_id", "sign_in", ["user_id"])
    op.add_column("user", sa.Column("totp_secret", sa.String(64), nullable=True))
    op.add_column("user", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column("user", sa.Column("password_changed_at", WHEN, nullable=True))
    # the clock of PASSWORD_MAX_AGE_DAYS starts at this upgrade for everyone
    now = sa.bindparam("now", datetime.now(UTC), type_=WHEN)
    op.execute(sa.text('UPDATE "user" SET password_changed_at = :now').bindparams(now))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose
    # the unique index on lower(login)
    op.execute('ALTER TABLE "user" DROP COLUMN password_changed_at')
    op.execute('ALTER TABLE "user" DROP COLUMN totp_last_step')
    op.execute('ALTER TABLE "user" DROP COLUMN totp_secret')
    op.drop_index("ix_sign_in_user_id", table_name="sign_in")
    op.drop_table("sign_in")
