"""The monthly and yearly reports: the source report's sentence and the key figures, equal to
independent counts, the same rows in the download, scoped for liaisons, refused to others."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

from openpyxl import load_workbook
from sqlalchemy import func, select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.outcomes.models import Outcome
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket

ROW = re.compile(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>')
# Asia/Shanghai: 2025 runs from 2024-12-31 16:00 to 2025-12-31 16:00 UTC
YEAR_2025 = (datetime(2024, 12, 31, 16, tzinfo=UTC), datetime(2025, 12, 31, 16, tzinfo=UTC))
MAY_2025 = (datetime(2025, 4, 30, 16, tzinfo=UTC), datetime(2025, 5, 31, 16, tzinfo=UTC))


def _build(make, world) -> None:  # type: ignore[no-untyped-def]
    for when, state in (
        (datetime(2025, 2, 10, tzinfo=UTC), "outcome_landed"),
        (datetime(2025, 5, 3, tzinfo=UTC), "outcome_agreement"),
        (datetime(2025, 5, 20, tzinfo=UTC), "closed"),
        (datetime(2025, 5, 21, tzinfo=UTC), "outcome_intention"),
        (datetime(2026, 1, 7, tzinfo=UTC), "in_progress"),
    ):
        with db.frozen_clock(when):
            make.ticket(world, state)


def _expected(period: tuple[datetime, datetime], university: int | None = None) -> dict[str, int]:
    """The sentence's numbers, counted straight from the tickets and cooperations."""
    filed = [
        Ticket.state != "draft",
        Ticket.submitted_at >= period[0],
        Ticket.submitted_at < period[1],
    ]
    if university is not None:
        filed.append(Ticket.university_id == university)
    tickets = select(Ticket.id).where(*filed)
    count = db.session.scalar
    return {
        "problems": count(select(func.count()).select_from(tickets.subquery())),
        "enterprises": count(select(func.count(Ticket.enterprise_id.distinct())).where(*filed)),
        "experts": count(select(func.count(Ticket.expert_id.distinct())).where(*filed)),
        "intentions": count(select(func.count(Outcome.id)).where(Outcome.ticket_id.in_(tickets))),
        "agreements": count(
            select(func.count(Outcome.id)).where(
                Outcome.ticket_id.in_(tickets), Outcome.agreement_date.is_not(None)
            )
        ),
    }


def _english(client):  # type: ignore[no-untyped-def]
    """Labels in the source language, whatever the catalogue says (the person's choice)."""
    assert (
        client.post("/language", {"locale": "en", "next": "/"}, token_from="/account").status_code
        == 303
    )
    return client


def _number(value: object) -> Decimal:
    return Decimal(str(value).replace(",", ""))


def _sentence(page: str) -> list[int]:
    found = re.search(r'<p class="report-sentence">([^<]+)</p>', page)
    assert found, "no report sentence"
    return [int(n) for n in re.findall(r"\d+", unescape(found.group(1)))]


def test_the_yearly_report_states_the_counts_of_the_year(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    page = _english(login(world.admin)).get("/reports/yearly?year=2025")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    with app.app_context():
        e = _expected(YEAR_2025)
    assert e["problems"] == 4 and e["intentions"] == 3  # the data is what the test thinks
    assert _sentence(text) == [
        e["experts"],
        e["enterprises"],
        e["problems"],
        e["intentions"],
        e["agreements"],
    ]
    figures = dict(ROW.findall(text))
    with app.app_context():
        landed = _landed()
    assert figures["Outcomes landed"] == str(landed) == "1"


def _landed() -> int:
    return db.session.scalar(
        select(func.count(Outcome.id))
        .join(Ticket, Ticket.id == Outcome.ticket_id)
        .where(Outcome.landed_date.is_not(None), Ticket.submitted_at < YEAR_2025[1])
    )


def test_the_monthly_report_counts_only_its_month(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    client = _english(login(world.admin))
    text = client.get("/reports/monthly?year=2025&month=5").get_data(as_text=True)
    with app.app_context():
        e = _expected(MAY_2025)
    assert e["problems"] == 3
    assert _sentence(text) == [
        e["experts"],
        e["enterprises"],
        e["problems"],
        e["intentions"],
        e["agreements"],
    ]
    assert "2025-05" in text


def test_a_liaison_reads_their_university_only(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    with db.frozen_clock(datetime(2025, 6, 2, tzinfo=UTC)), app.app_context():
        other = db.session.merge(make.ticket(world, "submitted"))
        admin = db.session.get(User, world.admin.id)
        transitions.perform(other, "route", admin, university_id=world.u2.id)
        db.session.commit()
    text = login(world.liaison_u1).get("/reports/yearly?year=2025").get_data(as_text=True)
    with app.app_context():
        mine = _expected(YEAR_2025, university=world.u1.id)
        every = _expected(YEAR_2025)
    assert _sentence(text)[2] == mine["problems"]
    assert 'href="/dashboard"' in text  # the liaison's navigation leads to their dashboard
    assert every["problems"] == mine["problems"] + 1


def test_others_have_no_reports(world, login) -> None:  # type: ignore[no-untyped-def]
    for person in (world.commissioner_a, world.expert_u1):
        client = login(person)
        for path in ("/reports/yearly", "/reports/monthly?year=2025&month=1"):
            assert client.get(path).status_code == 404


def test_the_download_has_the_rows_of_the_page(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _build(make, world)
    client = _english(login(world.admin))
    text = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    shown = [(unescape(label), unescape(value)) for label, value in ROW.findall(text)]
    response = client.get("/reports/yearly?year=2025&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Figure", "Value")
    downloaded = [(label, _number(value)) for label, value in rows[1:]]
    assert downloaded == [(label, _number(value)) for label, value in shown]
    csv = client.get("/reports/yearly?year=2025&format=csv").get_data(as_text=True)
    assert csv.startswith("\ufeffFigure,Value")
    assert len(csv.strip().splitlines()) == len(shown) + 1


def test_a_bad_year_is_named_and_the_report_still_answers(world, login) -> None:  # type: ignore[no-untyped-def]
    page = login(world.admin).get("/reports/yearly?year=abc")
    assert page.status_code == 200
    assert 'role="alert"' in page.get_data(as_text=True)


def test_the_report_costs_the_same_whatever_the_data(make, world, login, count_queries) -> None:  # type: ignore[no-untyped-def]
    client = login(world.admin)

    def statements() -> int:
        client.get("/reports/yearly?year=2025")  # warm the caches
        before = count_queries.count
        assert client.get("/reports/yearly?year=2025").status_code == 200
        return count_queries.count - before

    few = statements()
    _build(make, world)
    assert statements() == few
