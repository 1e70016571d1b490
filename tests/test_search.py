"""Finding tickets by their words, through each database's own index: Chinese words of two
characters or more, Latin words in any case and as prefixes, numbers; never a ticket the
person may not see; current after every change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.helpers import send_form, ticket_fields
from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.orgs import services as org_services
from ticketing.orgs.models import Enterprise
from ticketing.search import index
from ticketing.tickets.models import Ticket


def _found(client, q: str) -> set[str]:  # type: ignore[no-untyped-def]
    page = client.get("/queue/all", query_string={"q": q}).get_data(as_text=True)
    return set(re.findall(r'class="number">([A-Z]+-\d{4}-\d{5})<', page))


@pytest.fixture
def tickets(make, world):  # type: ignore[no-untyped-def]
    return {
        "pcr": make.ticket(
            world, "submitted", title="芯片式数字PCR系统故障", description="核酸定量检测偏差大"
        ).number,
        "seq": make.ticket(
            world, "in_progress", title="高通量测序仪温控", description="夏季机房温度高"
        ).number,
        "motor": make.ticket(
            world, "submitted", title="Servo motor overheating", description="Line 3 stops"
        ).number,
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("数字PCR", {"pcr"}),
        ("数字", {"pcr"}),
        ("测序", {"seq"}),
        ("测序仪", {"seq"}),
        ("芯片式数字", {"pcr"}),
        ("pcr", {"pcr"}),
        ("PC", {"pcr"}),
        ("系统 故障", {"pcr"}),
        ("核酸定量", {"pcr"}),  # the description
        ("温", {"seq"}),  # one character
        ("MOTOR", {"motor"}),
        ("overheat", {"motor"}),
        ("servo heat", set()),  # prefixes, not any substring
        ("测序 PCR", set()),  # every word must be there
        ("离心机", set()),
        ("%%_", set()),  # no word: nothing
    ],
)
def test_words_find_tickets(q, expected, tickets, world, login) -> None:  # type: ignore[no-untyped-def]
    found = _found(login(world.admin), q)
    assert found == {tickets[key] for key in expected}, q


def test_the_enterprise_name_and_a_partial_number(tickets, world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.admin)
    assert _found(client, world.enterprise_a.name[2:6]) == set(tickets.values())
    serial = tickets["seq"].rsplit("-", 1)[1]
    assert _found(client, serial) == {tickets["seq"]}
    assert _found(client, tickets["seq"]) == {tickets["seq"]}  # the whole number: equality


def test_search_never_shows_what_the_person_may_not_see(tickets, world, login) -> None:  # type: ignore[no-untyped-def]
    other = login(world.commissioner_b)
    page = other.get("/queue/mine", query_string={"q": "测序"}).get_data(as_text=True)
    assert tickets["seq"] not in page
    expert = login(world.expert_u1)
    page = expert.get("/queue/assigned", query_string={"q": "测序"}).get_data(as_text=True)
    assert tickets["seq"] in page
    assert tickets["pcr"] not in expert.get("/queue/assigned", query_string={"q": "PCR"}).get_data(
        as_text=True
    )


def test_an_edit_and_a_renamed_enterprise_are_found_at_once(tickets, world, login, app) -> None:  # type: ignore[no-untyped-def]
    filer = login(world.commissioner_a)
    number = tickets["pcr"]
    fields = ticket_fields(world.enterprise_a.id, title="离心机转子裂纹", description="需要检测")
    assert send_form(filer, f"/tickets/{number}/edit", fields).status_code == 302
    admin = login(world.admin)
    assert _found(admin, "离心机") == {number}
    assert _found(admin, "数字PCR") == set()
    with app.app_context():
        person = db.session.get(User, world.admin.id)
        enterprise = db.session.get(Enterprise, world.enterprise_a.id)
        writes.run(
            lambda: org_services.save_enterprise(
                enterprise, person, name="晋东南精密仪器厂", credit_code=enterprise.credit_code
            )
        )
    assert _found(admin, "精密仪器") == set(tickets.values())


def test_a_rebuilt_index_finds_the_same(tickets, world, login, app) -> None:  # type: ignore[no-untyped-def]
    client = login(world.admin)
    before = {q: _found(client, q) for q in ("数字", "测序", "motor", "PC")}
    with app.app_context():
        count = writes.run(index.rebuild)
        assert count == db.session.scalar(select(func.count(Ticket.id)))
    assert {q: _found(client, q) for q in before} == before


def test_terms() -> None:
    assert index.terms("数字PCR") == ["数", "数字", "字", "pcr"]
    assert index.query_terms("芯片式 PCR-9") == (["芯片", "片式"], ["pcr", "9"])
    assert index.query_terms("泵") == (["泵"], [])


def test_a_frequent_word_pages_like_a_rare_one(make, world, login) -> None:  # type: ignore[no-untyped-def]
    """Many matches by latest activity: the page is filled from the latest tickets (on
    PostgreSQL without asking the index for every match); the next page, and fewer matches,
    come from the index."""
    matching = [make.ticket(world, "submitted", title=f"变频器过热{n}").number for n in range(25)]
    for n in range(5):
        make.ticket(world, "submitted", title=f"空压机漏气{n}")
    client = login(world.admin)
    page = client.get("/queue/all", query_string={"q": "变频器", "order": "recent"})
    page = page.get_data(as_text=True)
    first = re.findall(r'class="number">([A-Z]+-\d{4}-\d{5})<', page)
    assert first == list(reversed(matching))[:20]
    older = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    rest = re.findall(
        r'class="number">([A-Z]+-\d{4}-\d{5})<', client.get(older).get_data(as_text=True)
    )
    assert rest == list(reversed(matching))[20:]
