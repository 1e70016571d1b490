"""working days: time targets an administrator sets per step and priority, the zone's calendar
of public holidays and adjusted working days (seeded with the State Council's), and on each
ticket when its current step started and which steps it did within their targets

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ticketing.config import time_targets
from ticketing.db import UTCDateTime
from ticketing.worktime import official
from ticketing.worktime.calendar import WorkCalendar

WHEN = sa.DateTime(timezone=True)
RUNNING = ("submitted", "university_assigned", "expert_assigned", "in_progress")
STEP_OF = {"submitted": "route", "university_assigned": "assign", "expert_assigned": "start"}

DUE_INDEXES = (
    ("ix_ticket_state_due", "state"),
    ("ix_ticket_university_due", "university_id"),
    ("ix_ticket_expert_due", "expert_id"),
    ("ix_ticket_enterprise_due", "enterprise_id"),
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "time_target",
        sa.Column("step", sa.String(10), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("days BETWEEN 1 AND 365", name="days_in_range"),
        sa.CheckConstraint("step IN ('route', 'assign', 'start', 'resolve')", name="known_step"),
        sa.CheckConstraint(
            "priority IN ('urgent', 'high', 'normal', 'low')", name="known_priority"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name="fk_time_target_updated_by_id_user"
        ),
        sa.PrimaryKeyConstraint("step", "priority", name="pk_time_target"),
    )
    calendar_day = op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_day"),
    )
    rows = [
        {"day": day, "working": working, "name": name}
        for year in official.YEARS
        for day, working, name in official.days(year)
    ]
    op.bulk_insert(calendar_day, rows)
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("due_soon_at", WHEN, nullable=True))
        batch.add_column(sa.Column("step_started_at", WHEN, nullable=True))
        batch.add_column(
            sa.Column("on_time_steps", sa.SmallInteger(), nullable=False, server_default="0")
        )
    _fill_tickets(WorkCalendar({r["day"]: r["working"] for r in rows}))
    for name, lane in DUE_INDEXES:
        op.create_index(name, "ticket", [lane, "due_at", "id"])


def _fill_tickets(calendar: WorkCalendar) -> None:
    """When each running step started (the ticket's last transition), its due time counted in
    working days, and the steps done within their targets as the tallies counted them until
    now (calendar days), so that the dashboard's figures stay as they were."""
    bind = op.get_bind()
    running = ", ".join(f"'{state}'" for state in RUNNING)
    bind.execute(
        sa.text(
            "UPDATE ticket SET step_started_at = COALESCE((SELECT max(e.at) FROM ticket_event e"
            " WHERE e.ticket_id = ticket.id AND e.to_state IS NOT NULL), updated_at)"
            f" WHERE state IN ({running})"
        )
    )
    targets = time_targets()
    epoch = (
        (lambda c: f"floor(extract(epoch from {c}))")
        if bind.dialect.name == "postgresql"
        else (lambda c: f"CAST(strftime('%s', {c}) AS INTEGER)")
    )

    def within(start: str, end: str, limit: str) -> str:
        return (
            f"CASE WHEN {start} IS NOT NULL AND {end} IS NOT NULL AND"
            f" {epoch(end)} - {epoch(start)} <= {limit} THEN 1 ELSE 0 END"
        )

    resolve_limit = (
        "CASE priority "
        + " ".join(
            f"WHEN '{p}' THEN {targets[f'resolve_{p}'] * 86400}"
            for p in ("urgent", "high", "normal", "low")
        )
        + f" ELSE {targets['resolve_normal'] * 86400} END"
    )
    bind.execute(
        sa.text(
            "UPDATE ticket SET on_time_steps = "
            f"{within('submitted_at', 'routed_at', str(targets['route'] * 86400))}"
            f" + 2 * {within('routed_at', 'expert_assigned_at', str(targets['assign'] * 86400))}"
            f" + 4 * {within('started_at', 'resolved_at', resolve_limit)}"
        )
    )
    ticket = sa.table(
        "ticket",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("priority", sa.String()),
        sa.column("step_started_at", UTCDateTime()),
        sa.column("due_at", UTCDateTime()),
        sa.column("due_soon_at", UTCDateTime()),
    )
    found = bind.execute(
        sa.select(ticket.c.id, ticket.c.state, ticket.c.priority, ticket.c.step_started_at).where(
            ticket.c.state.in_(RUNNING)
        )
    ).fetchall()
    update = (
        sa.update(ticket)
        .where(ticket.c.id == sa.bindparam("b_id"))
        .values(
            due_at=sa.bindparam("b_due", type_=UTCDateTime()),
            due_soon_at=sa.bindparam("b_soon", type_=UTCDateTime()),
        )
    )
    batch: list[dict[str, object]] = []
    for ticket_id, state, priority, started in found:
        step = STEP_OF.get(state)
        days = targets[step] if step else targets[f"resolve_{priority}"]
        due = calendar.add(started, days)
        batch.append({"b_id": ticket_id, "b_due": due, "b_soon": calendar.soon_from(due)})
        if len(batch) == 5000:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def downgrade() -> None:
    for name, _lane in DUE_INDEXES:
        op.drop_index(name, table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("on_time_steps")
        batch.drop_column("step_started_at")
        batch.drop_column("due_soon_at")
    op.drop_table("calendar_day")
    op.drop_table("time_target")
