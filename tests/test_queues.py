"""Queues: filters, search, pagination, and hostile query strings."""

from __future__ import annotations

import re


def _numbers(page: str) -> set[str]:
    return set(re.findall(r'class="number">(CZ-\d{4}-\d{5})<', page))


def test_filters_and_pages(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    urgent = make.ticket(
        world, "submitted", priority="urgent", category="talent", title="急需热处理工艺工程师"
    )
    others = [make.ticket(world, "submitted").number for _ in range(21)]
    client = login(world.admin)
    first = client.get("/queue/to_route").get_data(as_text=True)
    second = client.get("/queue/to_route?page=2").get_data(as_text=True)
    assert len(_numbers(first)) == app.config["PAGE_SIZE"] == 20
    assert _numbers(first) | _numbers(second) == {urgent.number, *others}
    assert 'rel="next"' in first and 'rel="prev"' in second
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
    ):
        assert client.get(f"/queue/all?{query}").status_code == 200, query


def test_empty_queue_says_so(world, login) -> None:  # type: ignore[no-untyped-def]
    page = login(world.expert2_u1).get("/queue/assigned").get_data(as_text=True)
    assert 'class="empty"' in page
