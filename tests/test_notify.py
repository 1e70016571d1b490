"""Notifications: who hears of what, in which language, in the same transaction as the change;
the bell, mark read, the e-mail choices and the due reminders."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.errors import RuleViolation
from ticketing.notify import services
from ticketing.notify.models import Notification, OutboxMessage
from ticketing.tickets import services as ticket_services
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket

BELL = re.compile(r'class="bell"[^>]*>[^<]*(?:<span class="badge"[^>]*>(\d+)</span>)?</a>')


@pytest.fixture
def mail(app, world, monkeypatch):  # type: ignore[no-untyped-def]
    """E-mail on, and everyone in the world with an address."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    with app.app_context():
        for name, person in vars(world).items():
            if isinstance(person, User):
                db.session.execute(
                    update(User).where(User.id == person.id).values(email=f"{name}@example.cn")
                )
        db.session.commit()
    return world


def _notified(app, kind: str | None = None) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(Notification.user_id, Notification.kind).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        found: dict[int, list[str]] = {}
        for user_id, k in db.session.execute(query):
            found.setdefault(user_id, []).append(k)
        return found


def _outbox(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.execute(
            select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.subject).order_by(
                OutboxMessage.id
            )
        ).all()


def test_a_routed_ticket_reaches_the_liaisons_of_that_university_only(app, make, world) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "university_assigned")
    assert _notified(app) == {world.liaison_u1.id: ["routed"]}


def test_an_assignment_reaches_the_expert_not_the_liaison_who_made_it(app, make, world) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "expert_assigned")
    assert _notified(app, "assigned") == {world.expert_u1.id: ["assigned"]}


def test_a_resolution_reaches_the_commissioners_of_the_enterprise(app, make, world) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "resolved")
    assert _notified(app, "resolved") == {
        world.commissioner_a.id: ["resolved"],
        world.commissioner_a2.id: ["resolved"],
    }


def test_comments_reach_everyone_on_the_ticket_and_internal_notes_only_the_staff(
    app, make, world
) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "in_progress")
    with app.app_context():
        ticket = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)
        writes.run(lambda: ticket_services.add_comment(ticket, expert, body="请提供温度曲线"))
    public = _notified(app, "comment")
    assert public == {
        world.commissioner_a.id: ["comment"],
        world.commissioner_a2.id: ["comment"],
        world.liaison_u1.id: ["comment"],
    }
    with app.app_context():
        ticket = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)
        writes.run(
            lambda: ticket_services.add_comment(
                ticket, expert, body="内部：成本偏高", internal=True
            )
        )
    after = _notified(app, "comment")
    assert after[world.liaison_u1.id] == ["comment", "comment"]
    assert after[world.commissioner_a.id] == ["comment"]  # the enterprise side never hears
    assert after[world.commissioner_a2.id] == ["comment"]
    assert world.expert_u1.id not in after  # nor the author


def test_emails_are_written_in_each_persons_language(app, make, mail) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.execute(update(User).where(User.id == mail.liaison_u1.id).values(locale="en"))
        db.session.commit()
    ticket = make.ticket(mail, "university_assigned")
    rows = _outbox(app)
    assert [(r.channel, r.recipient) for r in rows] == [("email", "liaison_u1@example.cn")]
    assert rows[0].subject == (
        f"Ticket {ticket.number} was routed to your university: {ticket.title}"
    )


def test_no_email_rows_while_smtp_is_off_but_the_bell_still_rings(app, make, world) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "university_assigned")
    assert _outbox(app) == []
    assert _notified(app) == {world.liaison_u1.id: ["routed"]}


def test_nothing_is_written_for_a_change_that_rolled_back(app, make, mail) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(mail, "submitted")
    with app.app_context():
        ticket = db.session.get(Ticket, ticket.id)
        admin = db.session.get(User, mail.admin.id)

        def route_then_fail() -> None:
            transitions.perform(ticket, "route", admin, university_id=mail.u1.id)
            assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
            raise RuleViolation(None, "refused later in the same request")

        with pytest.raises(RuleViolation):
            writes.run(route_then_fail)
    assert _outbox(app) == []
    assert _notified(app) == {}


def test_a_person_chooses_which_kinds_come_by_email(app, make, mail, login) -> None:  # type: ignore[no-untyped-def]
    liaison = login(mail.liaison_u1)
    page = liaison.get("/account/notifications").get_data(as_text=True)
    assert page.count('type="checkbox"') == 8 and page.count("checked") == 8  # on by default
    # not "routed"
    kinds = ["assigned", "comment", "resolved", "due", "overdue", "challenge", "not_picked"]
    response = liaison.post(
        "/account/notifications", {"kinds": kinds}, token_from="/account/notifications"
    )
    assert response.status_code == 302
    make.ticket(mail, "university_assigned")
    assert _outbox(app) == []  # no e-mail ...
    assert _notified(app) == {mail.liaison_u1.id: ["routed"]}  # ... but in the bell
    page = liaison.get("/account/notifications").get_data(as_text=True)
    assert page.count("checked") == 7


def test_the_bell_counts_unread_and_mark_read_clears_it(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "university_assigned")
    liaison = login(world.liaison_u1)
    assert BELL.search(liaison.get("/").get_data(as_text=True)).group(1) == "1"
    listing = liaison.get("/notifications").get_data(as_text=True)
    assert ticket.number in listing and f"/tickets/{ticket.number}" in listing
    assert liaison.post("/notifications/read", {}, token_from="/notifications").status_code == 302
    with app.app_context():
        unread = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.read_at.is_(None))
        )
    assert unread == 0
    assert BELL.search(liaison.get("/").get_data(as_text=True)).group(1) is None
    # someone else's page shows none of it
    other = login(world.liaison_u2).get("/notifications").get_data(as_text=True)
    assert ticket.number not in other


def test_a_ticket_transferred_away_leaves_the_old_liaisons_list(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "university_assigned")
    with app.app_context():
        t = db.session.get(Ticket, ticket.id)
        admin = db.session.get(User, world.admin.id)
        writes.run(
            lambda: transitions.perform(
                t, "transfer", admin, university_id=world.u2.id, reason="换校"
            )
        )
    assert _notified(app, "routed") == {
        world.liaison_u1.id: ["routed"],
        world.liaison_u2.id: ["routed"],
    }
    # liaison 1 still sees the ticket (it was routed to them once): the rule decides, not us
    listing = login(world.liaison_u1).get("/notifications").get_data(as_text=True)
    assert ticket.number in listing


def test_the_group_robot_gets_routed_tickets_without_confidential_titles(
    app, make, world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "NOTIFY_WEBHOOK_URL", "http://127.0.0.1:9/robot")
    make.ticket(world, "university_assigned", title="公开的题目")
    make.ticket(world, "university_assigned", title="保密的题目", confidential=True)
    rows = [r for r in _outbox(app) if r.channel == "webhook"]
    assert len(rows) == 2
    assert "公开的题目" in rows[0].subject
    assert "保密的题目" not in rows[1].subject


def test_due_reminders_go_to_whoever_acts_and_overdue_ones_escalate_once_a_day(
    app, make, world
) -> None:  # type: ignore[no-untyped-def]
    due_tomorrow = make.ticket(world, "university_assigned")
    overdue = make.ticket(world, "expert_assigned")
    with app.app_context():
        now = db.utcnow()
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == due_tomorrow.id)
            .values(due_at=now + timedelta(days=1), due_soon_at=now - timedelta(hours=1))
        )
        db.session.execute(
            update(Ticket).where(Ticket.id == overdue.id).values(due_at=now - timedelta(hours=1))
        )
        db.session.commit()
        written = writes.run(lambda: services.write_due(now))
        again = writes.run(lambda: services.write_due(now + timedelta(minutes=5)))
    assert again == 0
    assert _notified(app, "due") == {world.liaison_u1.id: ["due"]}
    assert _notified(app, "overdue") == {
        world.liaison_u1.id: ["overdue"],
        world.expert_u1.id: ["overdue"],
    }
    assert written == 3
