"""Queues: filters, search, pagination, and hostile query strings."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers import hidden_value
from ticketing import db
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.orgs.models import Enterprise
from ticketing.tickets.models import Ticket


def _numbers(page: str) -> set[str]:
    return set(re.findall(r'class="number">(CZ-\d{4}-\d{5})<', page))


def test_filters_and_pages(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    urgent = make.ticket(
        world, "submitted", priority="urgent", category="talent", title="急需热处理工艺工程师"
    )
    others = [make.ticket(world, "submitted").number for _ in range(21)]
    client = login(world.admin)
    first = client.get("/queue/to_route").get_data(as_text=True)
    assert len(_numbers(first)) == app.config["PAGE_SIZE"] == 20
    assert 'rel="prev"' not in first
    second = client.get(_link(first, "next")).get_data(as_text=True)
    assert _numbers(first) | _numbers(second) == {urgent.number, *others}
    assert len(_numbers(second)) == 2 and 'rel="next"' not in second
    back = client.get(_link(second, "prev")).get_data(as_text=True)
    assert _order(back) == _order(first) and 'rel="prev"' not in back
    assert "22" in first  # the number of matches
    for query in (
        "priority=urgent",
        "category=talent",
        "q=热处理",
        f"q={urgent.number}",
        f"enterprise={world.enterprise_a.id}&priority=urgent",
    ):
        page = client.get(f"/queue/to_route?{query}").get_data(as_text=True)
        assert _numbers(page) == {urgent.number}, query
    page = client.get(f"/queue/all?university={world.u2.id}").get_data(as_text=True)
    assert _numbers(page) == set()
    empty = client.get("/queue/to_route?state=closed").get_data(as_text=True)
    assert _numbers(empty) == set() and 'class="empty"' in empty


def test_hostile_query_strings_are_ignored(make, world, login) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "submitted")
    client = login(world.admin)
    for query in (
        "state=x'%20OR%201=1--",
        "page=-5",
        "page=99999999999999999999",
        "enterprise=abc",
        "university=1e9",
        "q=%25%25%25_",
        "priority[]=1",
        "q=" + "长" * 500,
        "after=abc",
        "after=99999999999999999999_1",
        "after=1_99999999999",
        "before=-1_-1",
        "after=" + "9" * 17 + "_5",
        "enterprise_name=%25",
    ):
        assert client.get(f"/queue/all?{query}").status_code == 200, query


def test_empty_queue_says_so(world, login) -> None:  # type: ignore[no-untyped-def]
    page = login(world.expert2_u1).get("/queue/assigned").get_data(as_text=True)
    assert 'class="empty"' in page


def _order(page: str) -> list[str]:
    return re.findall(r'class="number">(CZ-\d{4}-\d{5})<', page)


def _link(page: str, rel: str) -> str:
    match = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    assert match, f"no {rel} link"
    return match.group(1).replace("&amp;", "&")


def test_any_activity_brings_a_ticket_to_the_top(make, world, login) -> None:  # type: ignore[no-untyped-def]
    """A comment, a visit record or a file moves a ticket up its queue like a step does,
    without a version step: a form someone has open on the ticket stays valid."""
    oldest, middle, newest = (make.ticket(world, "in_progress") for _ in range(3))
    expert = login(world.expert_u1)
    assert _order(expert.get("/queue/assigned").get_data(as_text=True))[:3] == [
        newest.number,
        middle.number,
        oldest.number,
    ]
    version = oldest.version
    page = expert.get(f"/tickets/{oldest.number}").get_data(as_text=True)
    token = hidden_value(page, "csrf_token")
    posted = expert.client.post(
        f"/tickets/{oldest.number}/comments", data={"csrf_token": token, "body": "今天到厂"}
    )
    assert posted.status_code == 303
    assert _order(expert.get("/queue/assigned").get_data(as_text=True))[0] == oldest.number
    visit = {
        "csrf_token": token,
        "visited_on": local_today().isoformat(),
        "place": "二号车间",
        "participants": "王工",
        "findings": "主轴轴承磨损",
    }
    assert expert.client.post(f"/tickets/{middle.number}/visits", data=visit).status_code == 303
    assert _order(expert.get("/queue/assigned").get_data(as_text=True))[0] == middle.number
    upload = {"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 test"), "报告.pdf")}
    assert (
        expert.client.post(f"/tickets/{newest.number}/attachments", data=upload).status_code == 303
    )
    assert _order(expert.get("/queue/assigned").get_data(as_text=True))[:3] == [
        newest.number,
        middle.number,
        oldest.number,
    ]
    with make.app.app_context():
        assert db.session.get(Ticket, oldest.id).version == version


def test_a_commissioners_queue_across_enterprises_pages_in_order(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    """Read lane by lane (one per enterprise, one for own drafts), the queue is still one
    list newest first, every ticket once, page after page."""
    third = make.enterprise()
    with app.app_context():
        person = db.session.get(User, world.commissioner_a.id)
        person.enterprises = [
            db.session.get(Enterprise, e.id)
            for e in (world.enterprise_a, world.enterprise_b, third)
        ]
        db.session.commit()
    made = []
    for n in range(27):
        enterprise = (world.enterprise_a, world.enterprise_b, third)[n % 3]
        state = ("draft", "submitted", "in_progress")[n % 3]
        made.append(make.ticket(world, state, enterprise_id=enterprise.id).number)
    make.ticket(make.world(), "submitted")  # not theirs
    client = login(world.commissioner_a)
    page = client.get("/queue/mine").get_data(as_text=True)
    seen = _order(page)
    while 'rel="next"' in page:
        page = client.get(_link(page, "next")).get_data(as_text=True)
        seen += _order(page)
    assert seen == list(reversed(made))


def _all_pages(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get(url).get_data(as_text=True)
    seen = _order(page)
    while 'rel="next"' in page:
        page = client.get(_link(page, "next")).get_data(as_text=True)
        seen += _order(page)
    return seen


def _shown_count(page: str) -> int:
    return int(re.search(r'<span class="count">([\d,]+)</span>', page).group(1).replace(",", ""))


@pytest.mark.parametrize(
    ("who", "queue"),
    [
        ("admin", "all"),
        ("admin", "to_route"),
        ("liaison_u1", "university"),
        ("commissioner_a", "mine"),
        ("expert_u1", "assigned"),
    ],
)
def test_each_queue_says_how_many_it_lists(who, queue, make, world, login) -> None:  # type: ignore[no-untyped-def]
    """The number beside a queue's name is the number of tickets it lists (unfiltered queues
    take it from the dashboard's tallies, filtered ones count)."""
    other = make.world()
    for n in range(26):
        make.ticket(world, ("draft", "submitted", "in_progress", "resolved", "closed")[n % 5])
    make.ticket(other, "in_progress")
    client = login(getattr(world, who))
    url = f"/queue/{queue}"
    listed = _all_pages(client, url)
    assert _shown_count(client.get(url).get_data(as_text=True)) == len(listed) > 0
    filtered = f"{url}?category=tech_upgrade"
    assert _shown_count(client.get(filtered).get_data(as_text=True)) == len(
        _all_pages(client, filtered)
    )
