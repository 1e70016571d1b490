"""Every figure on the dashboard equals an independent count and the rows of its list."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape

from openpyxl import load_workbook
from sqlalchemy import func, select

from ticketing import db
from ticketing.outcomes.models import Outcome
from ticketing.tickets.models import Ticket

FIGURE = re.compile(r'data-figure="([^"]+)" href="([^"]+)">([^<]*)</a>')


def _figures(page: str) -> dict[str, tuple[str, str]]:
    return {name: (unescape(href), value) for name, href, value in FIGURE.findall(page)}


def _rows(client, href: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Every row of a list, all pages."""
    rows: list[dict[str, str]] = []
    while href:
        page = client.get(href).get_data(as_text=True)
        for attrs in re.findall(r"<tr (data-id=[^>]+)>", page):
            rows.append(dict(re.findall(r'data-([a-z]+)="([^"]*)"', attrs)))
        found = re.search(r'<a rel="next" href="([^"]+)"', page)
        href = unescape(found.group(1)) if found else ""
    return rows


def _build(make, world) -> None:  # type: ignore[no-untyped-def]
    for when, state in (
        (datetime(2025, 2, 10, tzinfo=UTC), "outcome_landed"),
        (datetime(2025, 5, 3, tzinfo=UTC), "outcome_agreement"),
        (datetime(2025, 5, 20, tzinfo=UTC), "closed"),
        (datetime(2026, 1, 5, tzinfo=UTC), "submitted"),
        (datetime(2026, 1, 7, tzinfo=UTC), "in_progress"),
    ):
        with db.frozen_clock(when):
            make.ticket(world, state)


def test_every_figure_equals_its_list(make, world, login, ctx) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    client = login(world.admin)
    for query in ("", "?year=2025", "?year=2025&quarter=2", "?category=tech_upgrade"):
        page = client.get("/dashboard" + query)
        assert page.status_code == 200
        figures = _figures(page.get_data(as_text=True))
        assert "filed" in figures and "intentions" in figures
        for name, (href, value) in figures.items():
            if value == "—":
                continue
            rows = _rows(client, href)
            if name == "enterprises":
                assert int(value) == len({r["enterprise"] for r in rows}), name
            elif name == "experts":
                assert int(value) == len({r["expert"] for r in rows}), name
            elif name in ("parks", "counties"):
                key = "park" if name == "parks" else "county"
                assert int(value) == len({r[key] for r in rows if r[key]}), name
            elif name == "visits":
                assert int(value) == sum(int(r["visits"]) for r in rows), name
            elif "days" in name or "rating" in name or name in ("amount", "benefit"):
                continue
            else:
                assert int(value) == len(rows), (query, name)


def test_figures_equal_independent_sql(make, world, login, ctx) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    figures = _figures(login(world.admin).get("/dashboard?year=2025").get_data(as_text=True))
    start, end = datetime(2024, 12, 31, 16, tzinfo=UTC), datetime(2025, 12, 31, 16, tzinfo=UTC)
    filed = db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.state != "draft", Ticket.submitted_at >= start, Ticket.submitted_at < end
        )
    )
    coops = db.session.scalar(
        select(func.count(Outcome.id))
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .where(Ticket.submitted_at >= start, Ticket.submitted_at < end)
    )
    agreed = db.session.scalar(
        select(func.count(Outcome.id))
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .where(
            Outcome.agreement_date.is_not(None),
            Ticket.submitted_at >= start,
            Ticket.submitted_at < end,
        )
    )
    assert (filed, coops, agreed) == (3, 2, 2)
    assert figures["filed"][1] == str(filed)
    assert figures["intentions"][1] == str(coops)
    assert figures["agreements"][1] == str(agreed)


def test_liaison_sees_their_university_and_commissioner_nothing(make, world, login, ctx) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    client = login(world.liaison_u1)
    mine = _figures(client.get("/dashboard").get_data(as_text=True))
    assert mine["filed"][1] == "4"  # the four routed ones, all to u1 in the factories
    client.logout()
    other = login(world.liaison_u2)
    assert _figures(other.get("/dashboard").get_data(as_text=True))["filed"][1] == "0"
    assert _rows(other, "/reports/tickets?figure=filed") == []


def test_commissioner_and_expert_have_no_dashboard(world, login) -> None:  # type: ignore[no-untyped-def]
    for person in (world.commissioner_a, world.expert_u1):
        client = login(person)
        assert client.get("/dashboard").status_code == 404
        assert client.get("/reports/tickets").status_code == 404
        client.logout()


def test_export_has_the_rows_of_the_list(make, world, login, ctx) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    client = login(world.admin)
    rows = _rows(client, "/reports/tickets?figure=filed&year=2025")
    response = client.get("/reports/tickets?figure=filed&year=2025&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row - 1 == len(rows) == 3
    csv_text = client.get("/reports/tickets?figure=filed&year=2025&format=csv").get_data(
        as_text=True
    )
    assert len(csv_text.strip().splitlines()) == 4


def test_bad_filters_get_a_message(world, login) -> None:  # type: ignore[no-untyped-def]
    page = login(world.admin).get("/dashboard?year=abc&quarter=9&category=x")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('role="alert"') >= 2
