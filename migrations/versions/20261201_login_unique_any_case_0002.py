"""one login per person whatever its case: a unique index on lower(login)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_user_login_lower", "user", [sa.text("lower(login)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_user_login_lower", table_name="user")
