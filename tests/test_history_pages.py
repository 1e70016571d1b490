"""A long history is shown in pages: the latest entries first, the earlier ones on demand."""

from __future__ import annotations

import re

from ticketing import db
from ticketing.accounts.models import User
from ticketing.tickets import services
from ticketing.tickets.models import Ticket
from ticketing.tickets.queries import HISTORY_PAGE


def _comments(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"第(\d+)条", page)]


def test_the_latest_entries_then_the_earlier_ones(make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "in_progress")
    with make.app.app_context():
        mine = db.session.get(Ticket, ticket.id)
        expert = db.session.get(User, world.expert_u1.id)
        for n in range(120):
            services.add_comment(mine, expert, body=f"第{n}条")
        db.session.commit()
    client = login(world.commissioner_a)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    seen = _comments(page)
    assert seen == list(range(120 - HISTORY_PAGE, 120))  # oldest of them first
    pages = 1
    while match := re.search(r'href="([^"]+earlier=[^"]+)"', page):
        page = client.get(match.group(1).replace("&amp;", "&")).get_data(as_text=True)
        seen = _comments(page) + seen
        pages += 1
        assert pages < 10
    assert seen == list(range(120))
    assert pages == 3  # 5 events of the path and 120 comments: 50, 50, 25
