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


# The resolve step starts on Tuesday 3 March 2026 at 05:30 in Changzhi; counted in working days
# it ends past weekends, 清明 (Monday 6 April), 劳动节 (1, 4 and 5 May) and the 调休 Saturday 9 May.
RESOLVE_DUE = {
    "urgent": datetime(2026, 3, 11, 21, 30, tzinfo=UTC),  # Thursday 12 March, 05:30 local
    "high": datetime(2026, 3, 22, 21, 30, tzinfo=UTC),  # Monday 23 March
    "normal": datetime(2026, 4, 14, 21, 30, tzinfo=UTC),  # Wednesday 15 April
    "low": datetime(2026, 5, 28, 21, 30, tzinfo=UTC),  # Friday 29 May
}


@pytest.mark.parametrize("priority", ["urgent", "high", "normal", "low"])
def test_each_step_has_its_target(priority, world, ctx) -> None:  # type: ignore[no-untyped-def]
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
        (expert, "start", {}, RESOLVE_DUE[priority]),
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
        # the first steps fall within one working week: there N working days are N days
        if isinstance(days, datetime):
            expected = days
        else:
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
