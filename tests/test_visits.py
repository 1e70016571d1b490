"""Visit records (走访记录): kept by the assigned expert while the work is on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import hidden_value
from ticketing import db
from ticketing.db import local_today
from ticketing.tickets.models import TicketEvent, Visit


def _post_visit(client, number, **fields):  # type: ignore[no-untyped-def]
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "visited_on": local_today().isoformat(),
        "place": "企业三号车间",
        "participants": "王工、李博士",
        "findings": "冷却水路结垢",
        "agreed": "下周更换过滤器",
        **fields,
    }
    return client.client.post(f"/tickets/{number}/visits", data=data)


def test_expert_records_a_visit_that_everyone_on_the_ticket_sees(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress").number
    assert _post_visit(login(world.expert_u1), number).status_code == 303
    for actor in ("commissioner_a", "admin", "liaison_u1"):
        page = login(getattr(world, actor)).get(f"/tickets/{number}").get_data(as_text=True)
        assert "冷却水路结垢" in page and "企业三号车间" in page, actor
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 1
        assert (
            db.session.scalar(
                select(func.count(TicketEvent.id)).where(TicketEvent.action == "visit")
            )
            == 1
        )


@pytest.mark.parametrize(
    ("actor", "state", "status"),
    [
        ("expert2_u1", "in_progress", 404),  # another expert does not even see the ticket
        ("expert_u2", "in_progress", 404),
        ("commissioner_a", "in_progress", 403),
        ("liaison_u1", "in_progress", 403),
        ("expert_u1", "resolved", 403),
        ("expert_u1", "expert_assigned", 403),
    ],
)
def test_only_the_assigned_expert_while_working(
    actor, state, status, make, world, login, app
) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, state).number
    client = login(getattr(world, actor))
    response = client.client.post(
        f"/tickets/{number}/visits",
        data={
            "csrf_token": client.token("/account"),
            "visited_on": local_today().isoformat(),
            "place": "企业三号车间",
            "participants": "王工",
            "findings": "冷却水路结垢",
        },
    )
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_bad_visit_data(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress").number
    client = login(world.expert_u1)
    future = local_today().replace(year=local_today().year + 1).isoformat()
    assert _post_visit(client, number, visited_on=future).status_code == 422
    assert _post_visit(client, number, findings="  ").status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(Visit.id))) == 0
