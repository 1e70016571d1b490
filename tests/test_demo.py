"""The demo world loads through the real services and covers every state."""

from __future__ import annotations

from sqlalchemy import func, select

from ticketing import db, demo
from ticketing.accounts.models import User
from ticketing.accounts.services import authenticate
from ticketing.orgs import credit_code
from ticketing.orgs.models import Enterprise
from ticketing.outcomes.models import Outcome
from ticketing.tickets.models import Ticket
from ticketing.workflow import State


def test_demo_world(ctx) -> None:  # type: ignore[no-untyped-def]
    summary = demo.load()
    assert summary
    states = dict(
        db.session.execute(select(Ticket.state, func.count()).group_by(Ticket.state)).all()
    )
    assert set(states) == {str(s) for s in State}
    assert sum(states.values()) == 175
    assert db.session.scalar(select(func.count(Enterprise.id))) == 65
    codes = db.session.scalars(select(Enterprise.credit_code)).all()
    assert all(credit_code.is_valid(code) for code in codes)
    assert db.session.scalar(select(func.count(Outcome.id))) >= 40
    for login, _role in demo.DEMO_LOGINS:
        assert authenticate(login, demo.DEMO_PASSWORD) is not None, login
    assert db.session.scalar(select(func.count(User.id)).where(User.is_demo.is_(False))) == 0
    assert "demo-pass-2026" in demo.logins_text()
