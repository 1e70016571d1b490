"""Every figure on the dashboard equals an independent count and the rows of its list."""

from __future__ import annotations

import io
import re
import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text

from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.campaigns import services as campaign_services
from ticketing.orgs.models import County, Enterprise, Park, Zone
from ticketing.reports import queries, tallies
from ticketing.tickets import transitions
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
            elif (
                "days" in name
                or "rating" in name
                or "on-time" in name
                or name in ("amount", "benefit")
            ):
                continue
            else:
                assert int(value) == len(rows), (query, name)


# Every headline figure as SQL written here, apart from the app's code: the tickets filed
# (not drafts) in the period by their filing time in Asia/Shanghai (UTC+8, no DST), in the
# park and county they were filed in, tagged to the campaign.
INDEPENDENT = {
    "filed": "SELECT count(*) FROM ticket t WHERE {w}",
    "experts": "SELECT count(DISTINCT t.expert_id) FROM ticket t WHERE {w}",
    "enterprises": "SELECT count(DISTINCT t.enterprise_id) FROM ticket t WHERE {w}",
    "parks": "SELECT count(DISTINCT t.filed_park_id) FROM ticket t WHERE {w}",
    "counties": "SELECT count(DISTINCT t.filed_county_id) FROM ticket t WHERE {w}",
    "visits": "SELECT count(*) FROM visit v JOIN ticket t ON t.id = v.ticket_id WHERE {w}",
    "returned": "SELECT count(*) FROM ticket t WHERE {w} AND t.returned_at IS NOT NULL"
    " AND t.state = 'submitted'",
    "intentions": "SELECT count(*) FROM outcome o JOIN ticket t ON t.id = o.ticket_id WHERE {w}",
    "agreements": "SELECT count(*) FROM outcome o JOIN ticket t ON t.id = o.ticket_id"
    " WHERE {w} AND o.agreement_date IS NOT NULL",
    "amount": "SELECT coalesce(sum(o.amount), 0) FROM outcome o JOIN ticket t"
    " ON t.id = o.ticket_id WHERE {w} AND o.agreement_date IS NOT NULL",
    "landed": "SELECT count(*) FROM outcome o JOIN ticket t ON t.id = o.ticket_id"
    " WHERE {w} AND o.landed_date IS NOT NULL",
    "benefit": "SELECT coalesce(sum(o.economic_benefit), 0) FROM outcome o JOIN ticket t"
    " ON t.id = o.ticket_id WHERE {w} AND o.landed_date IS NOT NULL",
}


def _independent(figure: str, where: str, params: dict[str, Any]) -> str:
    value = db.session.execute(text(INDEPENDENT[figure].format(w=where)), params).scalar()
    if figure in ("amount", "benefit"):
        return f"{Decimal(value or 0):.2f}"
    return str(value)


def _place_and_campaign(make, world) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """_build's tickets, then enterprise A moves into a park and a county, and a campaign of
    that park runs in June 2025 with two more problems filed during it and one after."""
    _build(make, world)
    with make.app.app_context():
        zone = Zone(code="DT", name="看板区")
        db.session.add(zone)
        db.session.flush()
        park, county = (
            Park(zone_id=zone.id, name="看板园区"),
            County(zone_id=zone.id, name="看板县"),
        )
        db.session.add_all([park, county])
        db.session.flush()
        # saved before the move: saving a campaign rebuilds the tallies, and the rebuild
        # gives the tickets filed without a park or county their enterprise's current ones
        campaign = campaign_services.save_campaign(
            None,
            db.session.get(User, world.admin.id),
            name="博士专家企业行·看板",
            starts_on=date(2025, 6, 1),
            ends_on=date(2025, 6, 30),
            park_ids=[park.id],
        )
        enterprise = db.session.get(Enterprise, world.enterprise_a.id)
        enterprise.park_id, enterprise.county_id = park.id, county.id
        db.session.commit()
        ids = (park.id, county.id, campaign.id)
    for when, state in (
        (datetime(2025, 6, 2, tzinfo=UTC), "outcome_landed"),
        (datetime(2025, 6, 9, tzinfo=UTC), "outcome_intention"),
        (datetime(2025, 7, 9, tzinfo=UTC), "resolved"),
    ):
        with db.frozen_clock(when):
            make.ticket(world, state)
    return ids


def test_every_headline_figure_equals_independent_sql(make, world, login, ctx) -> None:  # type: ignore[no-untyped-def]
    park, county, campaign = _place_and_campaign(make, world)
    client = login(world.admin)
    filed_at = "coalesce(t.submitted_at, t.created_at)"
    cases = [
        ("", "1 = 1", {}),
        (
            "?year=2025",
            f"{filed_at} >= :start AND {filed_at} < :end",
            {
                "start": datetime(2024, 12, 31, 16, tzinfo=UTC),
                "end": datetime(2025, 12, 31, 16, tzinfo=UTC),
            },
        ),
        (
            "?year=2025&quarter=2",
            f"{filed_at} >= :start AND {filed_at} < :end",
            {
                "start": datetime(2025, 3, 31, 16, tzinfo=UTC),
                "end": datetime(2025, 6, 30, 16, tzinfo=UTC),
            },
        ),
        (f"?park={park}", "t.filed_park_id = :park", {"park": park}),
        (f"?county={county}", "t.filed_county_id = :county", {"county": county}),
        (f"?campaign={campaign}", "t.campaign_id = :campaign", {"campaign": campaign}),
        (
            f"?university={world.u1.id}&category=tech_upgrade",
            "t.university_id = :u AND t.category = 'tech_upgrade'",
            {"u": world.u1.id},
        ),
    ]
    seen = set()
    for query, where, params in cases:
        page = client.get("/dashboard" + query).get_data(as_text=True)
        figures = _figures(page)
        where = f"t.state <> 'draft' AND {where}"
        for figure in INDEPENDENT:
            expected = _independent(figure, where, params)
            assert figures[figure][1] == expected, (query, figure)
            seen.add((query, figure, expected))
    # the data make the filters differ: the park and the campaign count fewer than all
    by = {(q, f): v for q, f, v in seen}
    assert by["", "filed"] == "8" and by[f"?park={park}", "filed"] == "3"
    assert by[f"?campaign={campaign}", "filed"] == "2"
    assert by[f"?campaign={campaign}", "landed"] == "1"
    assert by[f"?park={park}", "parks"] == "1" and by["", "counties"] == "1"


def test_liaison_sees_their_university(make, world, login) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    client = login(world.liaison_u1)
    mine = _figures(client.get("/dashboard").get_data(as_text=True))
    assert mine["filed"][1] == "4"  # the four routed ones, all to u1 in the factories
    assert len(_rows(client, mine["filed"][0])) == 4
    # the university filter is the liaison's own, whatever the query string says
    other = client.get(f"/dashboard?university={world.u2.id}").get_data(as_text=True)
    assert _figures(other)["filed"][1] == "4"


def test_liaison_of_another_university_sees_nothing_of_it(make, world, login) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    other = login(world.liaison_u2)
    assert _figures(other.get("/dashboard").get_data(as_text=True))["filed"][1] == "0"
    assert _rows(other, "/reports/tickets?figure=filed") == []
    assert _rows(other, f"/reports/tickets?figure=filed&university={world.u1.id}") == []


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


def test_the_lists_page_through_every_row_once(make, world, login, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Keyset pages in filing order: small pages walk every ticket and cooperation once, the
    cooperations of one problem included."""
    _build(make, world)
    with db.frozen_clock(datetime(2025, 5, 20, tzinfo=UTC)):
        make.ticket(world, "outcome_landed")
    monkeypatch.setattr(queries, "PAGE", 2)
    client = login(world.admin)
    for path, expected in (
        ("/reports/tickets?figure=filed", 6),
        ("/reports/cooperations?figure=intentions", 3),
    ):
        rows = _rows(client, path)
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)) == expected, path


def test_a_university_shows_its_steps_done_within_their_targets(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    """Routed after 5 days (the target is 3), an expert assigned a day later (target 3): one
    step of two within its target, 50%, the same after a rebuild of the tallies."""
    start = datetime(2025, 3, 3, 1, tzinfo=UTC)
    with db.frozen_clock(start):
        ticket = make.ticket(world, "submitted")
    with app.app_context():
        mine = db.session.get(Ticket, ticket.id)
        with db.frozen_clock(start + timedelta(days=5)):
            transitions.perform(
                mine, "route", db.session.get(User, world.admin.id), university_id=world.u1.id
            )
            db.session.commit()
        with db.frozen_clock(start + timedelta(days=6)):
            transitions.perform(
                mine,
                "assign_expert",
                db.session.get(User, world.liaison_u1.id),
                expert_id=world.expert_u1.id,
            )
            db.session.commit()
    client = login(world.admin)
    figures = _figures(client.get("/dashboard").get_data(as_text=True))
    assert figures[f"university-on-time-{world.u1.id}"][1] == "50.0%"
    with app.app_context():
        writes.run(tallies.rebuild)
    figures = _figures(client.get("/dashboard").get_data(as_text=True))
    assert figures[f"university-on-time-{world.u1.id}"][1] == "50.0%"


def _step(app, ticket_id: int, at: datetime, action: str, who: Any, **data: Any) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), db.frozen_clock(at):
        transitions.perform(
            db.session.get(Ticket, ticket_id), action, db.session.get(User, who.id), **data
        )
        db.session.commit()


def _timed_tickets(make, world, app) -> None:  # type: ignore[no-untyped-def]
    """Problems whose steps took known times: routed after 0.5, 1, 2, 4 and 9 days, experts
    assigned after 1–3 days, three resolved after 5, 8 and 20 days; one returned by u1 and
    routed to u2; two in another category and one in 2026."""
    plan = [
        # (filed, category, days to route, days to assign, days to resolve)
        (datetime(2025, 3, 3, 1, tzinfo=UTC), "tech_upgrade", 0.5, 1.2, 5.1),
        (datetime(2025, 3, 10, 1, tzinfo=UTC), "tech_upgrade", 1.0, 2.0, 8.9),
        (datetime(2025, 4, 2, 1, tzinfo=UTC), "talent", 2.0, 3.5, 20.0),
        (datetime(2025, 5, 6, 1, tzinfo=UTC), "talent", 4.0, 1.0, None),
        (datetime(2026, 1, 6, 1, tzinfo=UTC), "tech_upgrade", 9.0, None, None),
    ]
    for filed, category, route, assign, resolve in plan:
        with db.frozen_clock(filed):
            ticket = make.ticket(world, "submitted", category=category)
        at = filed + timedelta(days=route)
        _step(app, ticket.id, at, "route", world.admin, university_id=world.u1.id)
        if assign is None:
            continue
        at += timedelta(days=assign)
        _step(app, ticket.id, at, "assign_expert", world.liaison_u1, expert_id=world.expert_u1.id)
        if resolve is None:
            continue
        _step(app, ticket.id, at, "start", world.expert_u1)
        at += timedelta(days=resolve)
        _step(app, ticket.id, at, "resolve", world.expert_u1, resolution="调整工艺参数后达标。")
    start = datetime(2025, 6, 2, 1, tzinfo=UTC)
    with db.frozen_clock(start):
        returned = make.ticket(world, "submitted")
    _step(
        app, returned.id, start + timedelta(days=1), "route", world.admin, university_id=world.u1.id
    )
    _step(
        app, returned.id, start + timedelta(days=2), "return", world.liaison_u1, reason="无对口专家"
    )
    _step(
        app, returned.id, start + timedelta(days=3), "route", world.admin, university_id=world.u2.id
    )


# the whole days (floored) each filed ticket took over each step, by the app's own columns
STEP_DAYS = {
    "route": ("t.submitted_at", "t.routed_at"),
    "assign": ("t.routed_at", "t.expert_assigned_at"),
    "resolve": ("t.started_at", "t.resolved_at"),
}


def _independent_median(step: str, where: str, params: dict[str, Any]) -> str:
    start, end = STEP_DAYS[step]
    rows = db.session.execute(
        text(
            f"SELECT {start} AS s, {end} AS e FROM ticket t WHERE {where}"
            f" AND {start} IS NOT NULL AND {end} IS NOT NULL"
        ),
        params,
    ).all()

    def aware(moment: Any) -> datetime:
        moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    days = [int((aware(e) - aware(s)).total_seconds() // 86400) for s, e in rows]
    return "—" if not days else str(float(statistics.median(days)))


def test_university_medians_and_returns_equal_independent_sql(make, world, login, app, ctx) -> None:  # type: ignore[no-untyped-def]
    _timed_tickets(make, world, app)
    client = login(world.admin)
    u1, u2 = world.u1.id, world.u2.id
    cases = [
        ("", "1 = 1", {}),
        ("?year=2025", "t.submitted_at < :end", {"end": datetime(2025, 12, 31, 16, tzinfo=UTC)}),
        # a category reads the days from the tickets, not the histogram
        ("?category=talent", "t.category = 'talent'", {}),
        ("?year=2025&category=tech_upgrade", "t.category = 'tech_upgrade' AND t.submitted_at"
         " < :end", {"end": datetime(2025, 12, 31, 16, tzinfo=UTC)}),
    ]  # fmt: skip
    seen = {}
    for query, where, params in cases:
        figures = _figures(client.get("/dashboard" + query).get_data(as_text=True))
        for step in STEP_DAYS:
            mine = f"t.state <> 'draft' AND t.university_id = {u1} AND {where}"
            expected = _independent_median(step, mine, params)
            assert figures[f"university-{step}-days-{u1}"][1] == expected, (query, step)
            seen[query, step] = expected
        returned = db.session.execute(
            text(f"SELECT count(*) FROM ticket_university tu JOIN ticket t ON t.id = tu.ticket_id"
                 f" WHERE tu.returned_at IS NOT NULL AND tu.university_id = {u1} AND"
                 f" t.state <> 'draft' AND {where}"),
            params,
        ).scalar()  # fmt: skip
        assert figures[f"university-returned-{u1}"][1] == str(returned), query
        assert figures.get(f"university-returned-{u2}", ("", "0"))[1] == "0", query
        # the figure opens the problems it counts: the one u1 returned, now with u2
        href = figures[f"university-returned-{u1}"][0]
        assert len(_rows(client, href)) == returned, query
    # the data make the medians what the plan says: route 0, 1, 2, 4, 9 days → 2; 2025 only
    # 0, 1, 2, 4 → 1.5; assign 1, 2, 3, 1 → 1.5; resolve 5, 8, 20 → 8
    assert seen["", "route"] == "2.0" and seen["?year=2025", "route"] == "1.5"
    assert seen["", "assign"] == "1.5" and seen["", "resolve"] == "8.0"
    assert seen["?category=talent", "route"] == "3.0"
    # the returned problem counts with u1 that returned it, u2 received it
    figures = _figures(client.get("/dashboard").get_data(as_text=True))
    assert figures[f"university-returned-{u1}"][1] == "1"
    assert figures[f"university-routed-{u2}"][1] == "1"
    # and the figures are the same after the tallies are rebuilt
    with app.app_context():
        writes.run(tallies.rebuild)
    again = _figures(client.get("/dashboard").get_data(as_text=True))
    for step in STEP_DAYS:
        assert again[f"university-{step}-days-{u1}"][1] == seen["", step]
    assert again[f"university-returned-{u1}"][1] == "1"


def test_a_liaison_sees_the_problems_their_university_returned(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    _timed_tickets(make, world, app)
    liaison = login(world.liaison_u1)
    figures = _figures(liaison.get("/dashboard").get_data(as_text=True))
    u1 = world.u1.id
    assert figures[f"university-returned-{u1}"][1] == "1"
    rows = _rows(liaison, figures[f"university-returned-{u1}"][0])
    assert len(rows) == 1
    # the other university's liaison neither counts nor sees it
    other = login(world.liaison_u2)
    figures = _figures(other.get("/dashboard").get_data(as_text=True))
    assert f"university-returned-{u1}" not in figures
    assert figures.get(f"university-returned-{world.u2.id}", ("", "0"))[1] == "0"
