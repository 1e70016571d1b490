"""Webhooks: deliveries written with the event (one per hook that chose it, none for a change
that rolled back or an internal note), sent by the worker with an HMAC signature to a real
local HTTP server, retried, logged; the SSRF guard; the admin pages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.errors import RuleViolation
from ticketing.notify.models import OutboxMessage
from ticketing.tickets import services as ticket_services
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket
from ticketing.webhooks import services
from ticketing.webhooks.models import Webhook

ALL = ["ticket.routed", "ticket.assigned", "ticket.commented", "ticket.resolved"]


@pytest.fixture
def private_ok(app, monkeypatch):  # type: ignore[no-untyped-def]
    """The test receivers live on 127.0.0.1: allow private addresses."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


def _hook(app, world, url="http://127.0.0.1:9/hook", events=ALL, name="集团平台"):  # type: ignore[no-untyped-def]
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        hook = writes.run(lambda: services.register(admin, name=name, url=url, events=events))
        return hook.id, hook.secret


def _deliveries(app, hook_id=None):  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.channel == "hook")
        if hook_id is not None:
            query = query.where(OutboxMessage.webhook_id == hook_id)
        rows = db.session.scalars(query.order_by(OutboxMessage.id)).all()
        return [(row.id, row.subject, json.loads(row.body), row.status) for row in rows]


def test_an_event_writes_one_delivery_per_active_hook_that_chose_it(
    app, make, world, private_ok
) -> None:  # type: ignore[no-untyped-def]
    first, _s = _hook(app, world)
    second, _s = _hook(app, world, events=["ticket.resolved"], name="只要解决")
    paused, _s = _hook(app, world, name="暂停的")
    with app.app_context():
        hook = db.session.get(Webhook, paused)
        writes.run(
            lambda: services.set_active(hook, db.session.get(User, world.admin.id), active=False)
        )
    ticket = make.ticket(world, "university_assigned")
    found = _deliveries(app)
    assert [(subject, body["event"]) for _id, subject, body, _st in found] == [
        ("ticket.routed", "ticket.routed")
    ]
    [(delivery_id, _subject, body, status)] = found
    assert status == "pending" and body["delivery_id"] == delivery_id
    assert body["ticket"]["number"] == ticket.number
    assert body["ticket"]["title"] == ticket.title
    assert body["ticket"]["university"] and body["actor_role"] == "admin"
    assert _deliveries(app, second) == [] and _deliveries(app, paused) == []
    assert _deliveries(app, first)


def test_a_change_that_rolls_back_writes_no_delivery(app, make, world, private_ok) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world)
    ticket = make.ticket(world, "in_progress")
    before = len(_deliveries(app))
    with app.app_context():
        row = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)

        def resolve_then_fail() -> None:
            transitions.perform(row, "resolve", expert, resolution="换了轴承")
            assert (
                db.session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.channel == "hook")
                )
                == before + 1
            )
            raise RuleViolation(None, "stop")

        with pytest.raises(RuleViolation):
            writes.run(resolve_then_fail)
    assert len(_deliveries(app)) == before


def test_internal_notes_never_leave_and_confidential_titles_are_masked(
    app, make, world, private_ok
) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world)
    ticket = make.ticket(world, "in_progress", confidential=True)
    before = len(_deliveries(app))
    with app.app_context():
        row = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)
        writes.run(
            lambda: ticket_services.add_comment(row, expert, body="内部：报价", internal=True)
        )
        assert len(_deliveries(app)) == before
        writes.run(lambda: ticket_services.add_comment(row, expert, body="公开：已到现场"))
    *_, (_id, subject, body, _st) = _deliveries(app)
    assert subject == "ticket.commented"
    assert body["ticket"]["title"] == "保密问题" and ticket.title not in json.dumps(body)
    assert body["comment"] == {"text": None}  # even public words of a confidential ticket stay
    assert "内部" not in json.dumps(body, ensure_ascii=False)


def test_a_public_comment_carries_its_text(app, make, world, private_ok) -> None:  # type: ignore[no-untyped-def]
    _hook(app, world, events=["ticket.commented"])
    ticket = make.ticket(world, "in_progress")
    with app.app_context():
        row = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)
        writes.run(lambda: ticket_services.add_comment(row, expert, body="明天到厂"))
    [(_id, _subject, body, _st)] = _deliveries(app)
    assert body["comment"] == {"text": "明天到厂"} and body["actor_role"] == "expert"
