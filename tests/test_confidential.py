"""Confidential (保密) tickets: the filer or an admin sets and lifts the mark in any state
before the end, each change is in the history, and lists beyond the people involved show
such a ticket only as “保密问题” with its category and park."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import hidden_value
from ticketing import db
from ticketing.accounts.models import User
from ticketing.errors import NotAllowed
from ticketing.orgs.models import Park, Zone
from ticketing.permissions import public_rows, public_tickets
from ticketing.tickets import services
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.workflow import TERMINAL, State

OPEN = [str(s) for s in State if s not in TERMINAL]


def _toggle(client, number: str, value: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    return client.client.post(
        f"/tickets/{number}/confidential",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "version": hidden_value(page, "version"),
            "confidential": value,
        },
    )


@pytest.mark.parametrize("state", OPEN)
def test_the_filer_marks_and_lifts_in_every_state_before_the_end(state, make, world, login, app):  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, state)
    client = login(world.commissioner_a)
    assert _toggle(client, ticket.number, "1").status_code == 303
    assert _toggle(client, ticket.number, "0").status_code == 303
    with app.app_context():
        stored = db.session.get(Ticket, ticket.id)
        assert stored.confidential is False
        events = db.session.scalars(
            select(TicketEvent.action)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action.like("%confidential"))
            .order_by(TicketEvent.id)
        ).all()
        assert events == ["mark_confidential", "unmark_confidential"]
        page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
        assert "设为保密" in page or "Mark as confidential" in page


@pytest.mark.parametrize("state", [str(s) for s in TERMINAL])
def test_no_change_after_the_end(state, make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, state).id)
    with pytest.raises(NotAllowed):
        services.set_confidential(
            ticket, db.session.get(User, world.commissioner_a.id), confidential=True
        )


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("admin", True), ("commissioner_a", True), ("commissioner_a2", False), ("expert_u1", False)],
)
def test_only_the_filer_or_an_admin(actor, allowed, make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "in_progress").id)
    person = db.session.get(User, getattr(world, actor).id)
    if allowed:
        assert services.set_confidential(ticket, person, confidential=True) is not None
        assert ticket.confidential
    else:
        with pytest.raises(NotAllowed):
            services.set_confidential(ticket, person, confidential=True)
        assert not ticket.confidential


def test_public_lists_show_only_category_and_park(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    zone = Zone(code="TZ", name="测试园区")
    db.session.add(zone)
    db.session.flush()
    park = Park(zone_id=zone.id, name="精密制造产业园·测试")
    db.session.add(park)
    db.session.flush()
    world.enterprise_a.park_id = park.id
    db.session.merge(world.enterprise_a)
    secret = make.ticket(world, "submitted", title="保密的专利工艺", confidential=True)
    plain = make.ticket(world, "submitted", title="公开的技术难题")
    draft = make.ticket(world, "draft", title="草稿不出现")
    ids = [secret.id, plain.id, draft.id]
    rows = {r.id: r for r in public_rows(public_tickets().where(Ticket.id.in_(ids)))}
    assert set(rows) == {secret.id, plain.id}
    hidden = rows[secret.id]
    assert (hidden.number, hidden.title, hidden.description, hidden.enterprise) == (None,) * 4
    assert hidden.category == "tech_upgrade" and hidden.park == "精密制造产业园·测试"
    assert hidden.shown_title in ("保密问题", "Confidential problem")
    shown = rows[plain.id]
    assert shown.title == "公开的技术难题" and shown.enterprise == world.enterprise_a.name
    assert shown.number == plain.number and shown.description


def test_the_edit_form_no_longer_carries_the_mark(make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    page = login(world.commissioner_a).get(f"/tickets/{number}/edit").get_data(as_text=True)
    assert 'name="confidential"' not in page
