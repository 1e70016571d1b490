"""The dashboard's figures come from the tickets the viewer may see."""

from __future__ import annotations

import re


def _figures(page: str) -> list[str]:
    return re.findall(r'<span class="figure">([^<]+)</span>', page)


def test_dashboard_counts_outcomes(make, world, login) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "outcome_landed")  # agreement 35.50, benefit 120 (see factories)
    make.ticket(world, "outcome_intention")
    make.ticket(world, "submitted")
    make.ticket(world, "draft")  # only its filer sees a draft: not counted for the admin
    page = login(world.admin).get("/dashboard").get_data(as_text=True)
    filed, enterprises, experts, visits, intentions, agreements, amount, landed, benefit = _figures(
        page
    )
    assert (filed, enterprises, experts, visits) == ("3", "1", "1", "0")
    assert (intentions, agreements, amount, landed, benefit) == ("2", "1", "35.50", "1", "120.00")


def test_dashboard_is_for_the_zone(world, login) -> None:  # type: ignore[no-untyped-def]
    for actor in ("commissioner_a", "liaison_u1", "expert_u1"):
        assert login(getattr(world, actor)).get("/dashboard").status_code == 404


def test_dashboard_statements_are_constant(make, world, login, count_queries) -> None:  # type: ignore[no-untyped-def]
    client = login(world.admin)
    make.ticket(world, "resolved")
    client.get("/dashboard")
    before = count_queries.count
    client.get("/dashboard")
    few = count_queries.count - before
    for state in ("closed", "outcome_agreement", "withdrawn", "in_progress", "submitted"):
        make.ticket(world, state)
    before = count_queries.count
    client.get("/dashboard")
    assert count_queries.count - before == few
