"""Who sees what: lists, ticket pages, comments and attachment downloads, per role and org."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.helpers import hidden_value
from ticketing import db
from ticketing.accounts.models import User
from ticketing.permissions import can_view, visible_tickets
from ticketing.tickets import services, transitions
from ticketing.tickets.models import Ticket

CANARY = "CANARY-INTERNAL-7f3a"


@pytest.fixture
def tickets(make, world):  # type: ignore[no-untyped-def]
    """Tickets of A and B in several places, and the people who should see each."""
    draft_a = make.ticket(world, "draft")
    submitted_a = make.ticket(world, "submitted")
    working_a = make.ticket(world, "in_progress")
    moved_a = make.ticket(world, "in_progress")
    with make.app.app_context():
        admin = db.session.get(User, world.admin.id)
        commissioner_b = db.session.get(User, world.commissioner_b.id)
        moved = db.session.get(Ticket, moved_a.id)
        transitions.perform(moved, "transfer", admin, university_id=world.u2.id, reason="换校")
        b = services.create_draft(
            commissioner_b,
            zone_code="CZ",
            title="乙企业问题",
            description="描述",
            category="management",
            enterprise_id=world.enterprise_b.id,
        )
        transitions.perform(b, "submit", commissioner_b)
        transitions.perform(b, "route", admin, university_id=world.u2.id)
        transitions.perform(
            b,
            "assign_expert",
            db.session.get(User, world.liaison_u2.id),
            expert_id=world.expert_u2.id,
        )
        db.session.commit()
        routed_b = b.number
    return {
        "draft_a": draft_a.number,
        "submitted_a": submitted_a.number,
        "working_a": working_a.number,
        "moved_a": moved_a.number,
        "routed_b": routed_b,
    }


EXPECTED = {
    "admin": {"submitted_a", "working_a", "moved_a", "routed_b"},
    "commissioner_a": {"draft_a", "submitted_a", "working_a", "moved_a"},
    "commissioner_a2": {"submitted_a", "working_a", "moved_a"},
    "commissioner_b": {"routed_b"},
    "liaison_u1": {"working_a", "moved_a"},
    "liaison_u2": {"moved_a", "routed_b"},
    "expert_u1": {"working_a", "moved_a"},
    "expert2_u1": set(),
    "expert_u2": {"routed_b"},
    "disabled": set(),
}


@pytest.mark.parametrize("actor", sorted(EXPECTED))
def test_visible_tickets_filter(actor, tickets, world, make) -> None:  # type: ignore[no-untyped-def]
    with make.app.app_context():
        user = db.session.get(User, getattr(world, actor).id)
        numbers = set(db.session.scalars(select(Ticket.number).where(visible_tickets(user))))
        seen = {key for key, number in tickets.items() if number in numbers}
        assert seen == EXPECTED[actor]
        for key, number in tickets.items():
            ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
            assert can_view(user, ticket) == (key in EXPECTED[actor]), key


@pytest.mark.parametrize("actor", sorted(set(EXPECTED) - {"disabled"}))
def test_ticket_pages_and_queues(actor, tickets, world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(getattr(world, actor))
    listed = ""
    for key in ("to_route", "all", "university", "assigned", "mine"):
        response = client.get(f"/queue/{key}")
        if response.status_code == 200:
            listed += response.get_data(as_text=True)
        else:
            assert response.status_code == 404
    for key, number in tickets.items():
        status = client.get(f"/tickets/{number}").status_code
        assert status == (200 if key in EXPECTED[actor] else 404), (key, status)
        if key not in EXPECTED[actor]:
            assert number not in listed, key


def test_disabled_user_cannot_sign_in(world, browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.post("/login", {"login": world.disabled.login, "password": "secret-pass-1"})
    assert response.status_code == 422
    assert browser.get("/queue/all").status_code == 302


def _add_internal_material(make, world, number):  # type: ignore[no-untyped-def]
    with make.app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        expert = db.session.get(User, world.expert_u1.id)
        services.add_comment(ticket, expert, body=f"{CANARY} 报价偏高", internal=True)
        services.add_comment(ticket, expert, body="下周到厂", internal=False)
        folder = make.app.config["UPLOAD_FOLDER"]
        public = services.add_attachment(
            ticket,
            expert,
            stream=io.BytesIO(b"public notes"),
            filename="notes.txt",
            folder=folder,
            max_bytes=10**6,
        )
        secret = services.add_attachment(
            ticket,
            expert,
            stream=io.BytesIO(CANARY.encode()),
            filename="internal.txt",
            folder=folder,
            max_bytes=10**6,
            internal=True,
        )
        db.session.commit()
        return public.id, secret.id


def test_internal_notes_and_files_stay_inside(tickets, make, world, login) -> None:  # type: ignore[no-untyped-def]
    public_id, secret_id = _add_internal_material(make, world, tickets["working_a"])
    url = f"/tickets/{tickets['working_a']}"
    for actor in ("commissioner_a", "commissioner_a2"):
        client = login(getattr(world, actor))
        page = client.get(url).get_data(as_text=True)
        assert "下周到厂" in page and CANARY not in page and "internal.txt" not in page
        assert client.get(f"/files/{public_id}").status_code == 200
        assert client.get(f"/files/{secret_id}").status_code == 404
    for actor in ("admin", "liaison_u1", "expert_u1"):
        client = login(getattr(world, actor))
        assert CANARY in client.get(url).get_data(as_text=True)
        download = client.get(f"/files/{secret_id}")
        assert download.status_code == 200 and download.data == CANARY.encode()
        assert download.headers["Content-Disposition"].startswith("attachment")
    for actor in ("commissioner_b", "expert_u2", "expert2_u1"):
        client = login(getattr(world, actor))
        assert client.get(f"/files/{public_id}").status_code == 404
        assert client.get(f"/files/{secret_id}").status_code == 404


def test_commissioner_cannot_post_an_internal_note(tickets, world, login, make) -> None:  # type: ignore[no-untyped-def]
    client = login(world.commissioner_a)
    url = f"/tickets/{tickets['working_a']}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="internal"' not in page
    response = client.client.post(
        f"{url}/comments",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "body": "想偷偷写内部备注",
            "internal": "y",
        },
    )
    assert response.status_code == 403
    with make.app.app_context():
        from ticketing.tickets.models import Comment

        assert db.session.scalar(select(Comment).where(Comment.body == "想偷偷写内部备注")) is None


def test_former_staff_read_only(tickets, world, login) -> None:  # type: ignore[no-untyped-def]
    """The liaison and expert of the first university still read the moved ticket, no more."""
    for actor in ("liaison_u1", "expert_u1"):
        client = login(getattr(world, actor))
        page = client.get(f"/tickets/{tickets['moved_a']}").get_data(as_text=True)
        assert "/act/" not in page and "/comments" not in page
