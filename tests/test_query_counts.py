"""Pages cost the same number of SQL statements whatever the number of rows they show."""

from __future__ import annotations

from ticketing import db
from ticketing.accounts.models import User
from ticketing.tickets import services
from ticketing.tickets.models import Ticket


def _statements(client, url, count_queries) -> int:  # type: ignore[no-untyped-def]
    client.get(url)  # warm caches (templates, metadata)
    before = count_queries.count
    assert client.get(url).status_code == 200
    return count_queries.count - before


def test_queues_are_constant(make, world, login, count_queries) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "in_progress")
    admin, expert, commissioner, liaison = (
        login(world.admin),
        login(world.expert_u1),
        login(world.commissioner_a),
        login(world.liaison_u1),
    )
    urls = [
        (admin, "/queue/all"),
        (admin, "/queue/to_route"),
        (expert, "/queue/assigned"),
        (commissioner, "/queue/mine"),
        (liaison, "/queue/university"),
    ]
    few = [_statements(client, url, count_queries) for client, url in urls]
    # more than a page, spread over states, enterprises, universities and experts
    worlds = [world, make.world(), make.world(), make.world()]
    for n in range(24):
        make.ticket(worlds[n % 4], ("submitted", "in_progress", "resolved")[n % 3])
    many = [_statements(client, url, count_queries) for client, url in urls]
    assert few == many, f"statements per queue page: few rows {few}, many rows {many}"


def test_ticket_page_is_constant(make, world, login, count_queries) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress").number
    client = login(world.expert_u1)
    url = f"/tickets/{number}"
    few = _statements(client, url, count_queries)
    with make.app.app_context():
        ticket = db.session.scalar(db_select_ticket(number))
        people = [
            db.session.get(User, u.id)
            for u in (world.expert_u1, world.commissioner_a, world.liaison_u1, world.admin)
        ]
        for n in range(20):
            services.add_comment(
                ticket, people[n % 4], body=f"第{n}条", internal=n % 4 != 1 and n % 3 == 0
            )
        db.session.commit()
    many = _statements(client, url, count_queries)
    assert few == many, f"statements on the ticket page: {few} then {many}"


def db_select_ticket(number: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    return select(Ticket).where(Ticket.number == number)
