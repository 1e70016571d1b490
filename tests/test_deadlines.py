"""Time targets: each step's due time, and the overdue filter of the queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers import state_of
from ticketing import db
from ticketing.accounts.models import User
from ticketing.tickets import services, transitions
from ticketing.tickets.models import Ticket

START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Changzhi


@pytest.mark.parametrize(
    ("priority", "resolve_days"), [("urgent", 7), ("high", 14), ("normal", 30), ("low", 60)]
)
def test_each_step_has_its_target(priority, resolve_days, world, ctx) -> None:  # type: ignore[no-untyped-def]
    filer, admin = (
        db.session.get(User, world.commissioner_a.id),
        db.session.get(User, world.admin.id),
    )
    liaison, expert = (
        db.session.get(User, world.liaison_u1.id),
        db.session.get(User, world.expert_u1.id),
    )
    steps = [
        (filer, "submit", {}, 3),
        (admin, "route", {"university_id": world.u1.id}, 3),
        (liaison, "assign_expert", {"expert_id": expert.id}, 2),
        (expert, "start", {}, resolve_days),
        (expert, "resolve", {"resolution": "完成"}, None),
    ]
    with db.frozen_clock(START):
        ticket = services.create_draft(
            filer,
            zone_code="CZ",
            title="温控",
            description="d",
            category="tech_upgrade",
            priority=priority,
            enterprise_id=world.enterprise_a.id,
        )
    assert ticket.due_at is None  # a draft runs no clock
    moment = START
    for actor, action, data, days in steps:
        moment += timedelta(hours=5)
        with db.frozen_clock(moment):
            transitions.perform(ticket, action, actor, **data)
        expected = moment + timedelta(days=days) if days else None
        assert ticket.due_at == expected, action


def test_overdue_filter(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    late = make.ticket(world, "submitted", title="早已逾期的问题")
    fresh = make.ticket(world, "submitted", title="刚提交的问题")
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.id == late.id))
        ticket.due_at = db.utcnow() - timedelta(hours=1)
        db.session.commit()
    page = login(world.admin).get("/queue/to_route?overdue=1").get_data(as_text=True)
    assert late.number in page and fresh.number not in page
    assert state_of(app, late.number) == "submitted"
