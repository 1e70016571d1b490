"""The dashboard's figures come from the tickets the viewer may see: the zone's for admins,
their university's for liaisons, none for anyone else."""

from __future__ import annotations

import re

FIGURE = re.compile(r'data-figure="([^"]+)" href="[^"]+">([^<]*)</a>')


def _figures(page: str) -> dict[str, str]:
    return dict(FIGURE.findall(page))


def test_dashboard_counts_outcomes(make, world, login) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "outcome_landed")  # agreement 35.50, benefit 120 (see factories)
    make.ticket(world, "outcome_intention")
    make.ticket(world, "submitted")
    make.ticket(world, "draft")  # a draft is filed nowhere: not counted
    page = login(world.admin).get("/dashboard").get_data(as_text=True)
    f = _figures(page)
    assert (f["filed"], f["enterprises"], f["experts"], f["visits"]) == ("3", "1", "1", "0")
    assert (f["intentions"], f["agreements"], f["amount"]) == ("2", "1", "35.50")
    assert (f["landed"], f["benefit"]) == ("1", "120.00")
    assert (f["funnel-filed"], f["funnel-intentions"], f["funnel-landed"]) == ("3", "2", "1")


def test_dashboard_is_for_admins_and_liaisons(make, world, login) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "outcome_intention")
    assert login(world.liaison_u1).get("/dashboard").status_code == 200


def test_commissioner_has_no_dashboard(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.commissioner_a)
    for url in ("/dashboard", "/reports/tickets", "/reports/cooperations"):
        assert client.get(url).status_code == 404


def test_expert_has_no_dashboard(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.expert_u1)
    for url in ("/dashboard", "/reports/tickets", "/reports/cooperations"):
        assert client.get(url).status_code == 404


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
