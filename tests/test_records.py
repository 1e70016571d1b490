"""Rewards, work records and university records: the rules, the figures against independent
SQL on the ticket table, who sees what, and the downloads."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from tests.helpers import send_form
from ticketing import db
from ticketing.accounts.models import User
from ticketing.errors import NotAllowed, RuleViolation
from ticketing.outcomes.models import Reward
from ticketing.records import queries, services
from ticketing.records import tallies as work_records
from ticketing.records.models import CommissionerYear, ExpertYear
from ticketing.tickets import services as ticket_services
from ticketing.tickets.models import Ticket, TicketEvent


def this_year(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.local_today().year


def count_rewards(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return len(db.session.scalars(select(Reward)).all())


def table_rows(page: str) -> list[list[str]]:
    """The body rows of the page's records table, as the text of their cells."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def xlsx_rows(data: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(data)).active
    values = [
        [("—" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    return values


def same(sheet: list[list[str]], screen: list[list[str]]) -> bool:
    """The same rows, numbers compared as numbers (a spreadsheet keeps 0.0 as 0)."""

    def norm(value: str) -> object:
        try:
            return float(value)
        except ValueError:
            return value

    return [[norm(v) for v in row] for row in sheet] == [[norm(v) for v in row] for row in screen]


# ---------------------------------------------------------------- rewards


def test_rewards_flow_with_bad_input_and_history(app, make, world, login):  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "outcome_intention", confidential=False)
    year = this_year(app)
    admin = login(world.admin)
    url = "/records/rewards/nominate/outcome"
    good = {
        "name": "科技成果转化奖",
        "year": str(year),
        "reason": "带动新增产值",
        "ticket_number": ticket.number,
        "cooperation": "1",
    }
    for field, value, _message in (
        ("ticket_number", "CZ-1999-99999", "No ticket has this number"),
        ("year", "1999", "Enter a year from"),
        ("year", "明年", "Enter a year from"),
        ("cooperation", "2", "Enter a number from 1 to 1"),
    ):
        response = send_form(admin, url, {**good, field: value})
        assert response.status_code == 422, field
        page = response.get_data(as_text=True)
        assert "has-error" in page
        assert count_rewards(app) == 0
    assert send_form(admin, url, good).status_code == 302
    # the same nomination twice is refused on the reward's name
    again = send_form(admin, url, good)
    assert again.status_code == 422 and count_rewards(app) == 1
    with app.app_context():
        reward = db.session.scalars(select(Reward)).one()
        events = db.session.scalars(
            select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id)
        ).all()
        assert "reward_nominated" in events
        reward_id = reward.id
    assert ticket.number in admin.get("/records/rewards").get_data(as_text=True)
    decide = f"/records/rewards/{reward_id}/decide"
    bad = send_form(admin, decide, {"decision": "declined", "amount": "5"})
    assert bad.status_code == 422
    assert send_form(admin, decide, {"decision": "awarded", "amount": "-1"}).status_code == 422
    assert send_form(admin, decide, {"decision": "awarded", "amount": "12.5"}).status_code == 302
    twice = send_form(admin, decide, {"decision": "declined", "amount": ""})
    assert twice.status_code == 422
    with app.app_context():
        reward = db.session.get(Reward, reward_id)
        assert (reward.decision, str(reward.amount)) == ("awarded", "12.50")
        actions = db.session.scalars(
            select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id)
        ).all()
        assert actions.count("reward_decided") == 1
    # the list of the year, on screen and downloaded
    listing = admin.get(f"/records/rewards/awarded?year={year}")
    rows = table_rows(listing.get_data(as_text=True))
    assert len(rows) == 1 and rows[0][0] == ticket.number and rows[0][5] == "科技成果转化奖"
    download = admin.get(f"/records/rewards/awarded?year={year}&format=xlsx")
    sheet = xlsx_rows(download.data)
    assert sheet[1][:2] == rows[0][:2] and sheet[1][5:] == ["科技成果转化奖", "12.5"]
    assert len(sheet) == 1 + len(rows)
    csv = admin.get(f"/records/rewards/awarded?year={year}&format=csv").get_data(as_text=True)
    assert ticket.number in csv


def test_rewarded_confidential_outcome_is_masked_beyond_admins(app, make, world, login):  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "outcome_intention", title="保密的工艺难题")
    year = this_year(app)
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        db.session.get(Ticket, ticket.id).confidential = True
        reward = services.nominate(
            admin,
            subject="outcome",
            ticket_number=ticket.number,
            name="转化奖",
            year=year,
            reason="好",
        )
        services.decide(reward, admin, decision="awarded", amount="3")
        db.session.commit()
    other = login(world.commissioner_b).get(f"/records/rewards/awarded?year={year}")
    page = other.get_data(as_text=True)
    assert "保密的工艺难题" not in page and ticket.number not in page and "转化奖" in page
    full = login(world.admin).get(f"/records/rewards/awarded?year={year}").get_data(as_text=True)
    assert "保密的工艺难题" in full


def test_commissioner_nomination_rules(app, make, world, ctx):  # type: ignore[no-untyped-def]
    admin = db.session.get(User, world.admin.id)
    year = db.local_today().year
    base = {"subject": "commissioner", "name": "优秀特派员", "year": year, "reason": "服务企业多"}
    for data, field in (
        ({**base, "commissioner_id": world.expert_u1.id}, "commissioner_id"),
        ({**base, "commissioner_id": "x"}, "commissioner_id"),
        ({**base, "subject": "park", "commissioner_id": world.commissioner_a.id}, "subject"),
        ({**base, "year": year + 5, "commissioner_id": world.commissioner_a.id}, "year"),
        ({**base, "name": " ", "commissioner_id": world.commissioner_a.id}, "name"),
    ):
        with pytest.raises(RuleViolation) as caught:
            services.nominate(admin, **data)
        assert caught.value.field == field
    reward = services.nominate(admin, **base, commissioner_id=world.commissioner_a.id)
    with pytest.raises(RuleViolation):
        services.decide(reward, admin, decision="maybe")
    with pytest.raises(NotAllowed):
        services.decide(reward, db.session.get(User, world.commissioner_a.id), decision="awarded")
    services.decide(reward, admin, decision="awarded")
    assert queries.commissioner_awards(world.commissioner_a.id)[0].decision == "awarded"


# ---------------------------------------------------------------- work records


def _generate(make, world):  # type: ignore[no-untyped-def]
    """Tickets in many states for two worlds, rated closes, visits and a landed cooperation."""
    other = make.world()
    states = (
        "submitted",
        "university_assigned",
        "in_progress",
        "resolved",
        "closed",
        "outcome_intention",
        "outcome_landed",
        "withdrawn",
        "closed",
    )
    made = [make.ticket(w, s) for w in (world, other) for s in states]
    with make.app.app_context():
        expert = db.session.get(User, world.expert_u1.id)
        for t in made:
            ticket = db.session.get(Ticket, t.id)
            if ticket.state == "in_progress" and ticket.expert_id == expert.id:
                for n in range(2):
                    ticket_services.record_visit(
                        ticket,
                        expert,
                        visited_on=db.local_today(),
                        place="车间",
                        participants="张工",
                        findings=f"第{n}次",
                        agreed="",
                    )
        db.session.commit()
    return other


INDEPENDENT_COMMISSIONERS = """
SELECT filer_id, COUNT(DISTINCT enterprise_id), COUNT(*), COUNT(routed_at),
       COUNT(resolved_at), COUNT(satisfaction), COALESCE(SUM(satisfaction), 0)
FROM ticket WHERE submitted_at IS NOT NULL GROUP BY filer_id
"""
INDEPENDENT_EXPERTS = """
SELECT t.expert_id, COUNT(*), COUNT(t.started_at),
       SUM(CASE WHEN t.started_at IS NOT NULL AND t.resolved_at IS NOT NULL THEN 1 ELSE 0 END),
       COUNT(t.satisfaction), COALESCE(SUM(t.satisfaction), 0),
       (SELECT COUNT(*) FROM visit v WHERE v.expert_id = t.expert_id),
       (SELECT COUNT(*) FROM outcome o JOIN ticket x ON x.id = o.ticket_id
         WHERE x.expert_id = t.expert_id),
       (SELECT COUNT(o.agreement_date) FROM outcome o JOIN ticket x ON x.id = o.ticket_id
         WHERE x.expert_id = t.expert_id),
       (SELECT COUNT(o.landed_date) FROM outcome o JOIN ticket x ON x.id = o.ticket_id
         WHERE x.expert_id = t.expert_id)
FROM ticket t WHERE t.expert_id IS NOT NULL AND t.expert_assigned_at IS NOT NULL
GROUP BY t.expert_id
"""


def _tallies():  # type: ignore[no-untyped-def]
    return (
        sorted(tuple(r) for r in db.rows(select(*CommissionerYear.__table__.c))),
        sorted(tuple(r) for r in db.rows(select(*ExpertYear.__table__.c))),
    )


def test_the_work_records_equal_independent_sql(app, make, world, login):  # type: ignore[no-untyped-def]
    _generate(make, world)
    year = this_year(app)
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        expected = {
            row[0]: tuple(row[1:]) for row in db.session.execute(text(INDEPENDENT_COMMISSIONERS))
        }
        got = {
            r.id: (r.enterprises, r.filed, r.routed, r.resolved, r.rated, r.rating_sum)
            for r in queries.commissioner_rows(admin, year)
        }
        assert got == expected and len(got) == 2
        expected = {row[0]: tuple(row[1:]) for row in db.session.execute(text(INDEPENDENT_EXPERTS))}
        rows = queries.expert_rows(admin, year)
        got = {
            r.id: (
                r.tickets,
                r.started,
                r.resolved,
                r.rated,
                r.rating_sum,
                r.visits,
                r.intentions,
                r.agreements,
                r.landed,
            )
            for r in rows
        }
        assert got == expected and len(got) == 2
        assert sum(r.visits for r in rows) == 2
        for r in rows:  # mean days to start, from the tickets' own times
            times = db.session.execute(
                select(Ticket.expert_assigned_at, Ticket.started_at).where(
                    Ticket.expert_id == r.id, Ticket.started_at.is_not(None)
                )
            ).all()
            days = [(b - a).total_seconds() / 86400 for a, b in times]
            assert r.days_to_start == pytest.approx(sum(days) / len(days), abs=1e-4)
        # the tallies kept change by change equal the ones rebuilt from the history
        kept = _tallies()
        work_records.rebuild()
        assert _tallies() == kept
    # the page and its downloads show the same rows
    client = login(world.admin)
    screen = table_rows(client.get(f"/records/experts?year={year}").get_data(as_text=True))
    sheet = xlsx_rows(client.get(f"/records/experts?year={year}&format=xlsx").data)
    assert len(screen) == 2 and same(sheet[1:], screen)
    screen = table_rows(client.get(f"/records/commissioners?year={year}").get_data(as_text=True))
    sheet = xlsx_rows(client.get(f"/records/commissioners?year={year}&format=xlsx").data)
    assert len(screen) == 2 and same(sheet[1:], screen)
    assert sheet[0][0] in ("科技特派员", "Commissioner")
    csv = client.get(f"/records/commissioners?year={year}&format=csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 3


def test_university_record_shows_ratings_with_their_number(app, make, world, login):  # type: ignore[no-untyped-def]
    make.ticket(world, "closed")  # rated 5 by the factory
    make.ticket(world, "closed")
    page = login(world.liaison_u1).get(f"/records/universities/{world.u1.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'class="satisfaction">5\.0 \(\D*2\D*\)', html), html
    assert re.search(r'class="received">2<', html)
    assert login(world.liaison_u2).get(f"/records/universities/{world.u1.id}").status_code == 404
    assert login(world.expert_u1).get(f"/records/universities/{world.u1.id}").status_code == 404


def test_who_sees_which_record(app, make, world, login):  # type: ignore[no-untyped-def]
    make.ticket(world, "closed")
    year = this_year(app)
    a, b = world.commissioner_a.id, world.commissioner_b.id
    e1, e2 = world.expert_u1.id, world.expert2_u1.id
    cases = [
        (world.admin, f"/records/commissioners/{a}", 200),
        (world.commissioner_a, f"/records/commissioners/{a}", 200),
        (world.commissioner_b, f"/records/commissioners/{a}", 404),
        (world.expert_u1, f"/records/commissioners/{a}", 404),
        (world.commissioner_b, f"/records/commissioners/{b}", 200),
        (world.expert_u1, f"/records/experts/{e1}", 200),
        (world.expert_u1, f"/records/experts/{e2}", 404),
        (world.liaison_u1, f"/records/experts/{e2}", 200),
        (world.liaison_u2, f"/records/experts/{e1}", 404),
        (world.commissioner_a, f"/records/experts/{e1}", 404),
        (world.commissioner_a, "/records/experts", 404),
        (world.liaison_u1, "/records/commissioners", 404),
        (world.commissioner_a, "/records/rewards", 404),
        (world.liaison_u1, "/records/rewards/nominate/outcome", 404),
    ]
    for user, url, status in cases:
        assert login(user).get(url).status_code == status, (user.login, url)
    # lists show only what the person may see
    mine = (
        table_rows(
            login(world.commissioner_b)
            .get(f"/records/commissioners?year={year}")
            .get_data(as_text=True)
        )
        if False
        else None
    )
    del mine
    page = (
        login(world.commissioner_a)
        .get(f"/records/commissioners?year={year}")
        .get_data(as_text=True)
    )
    assert len(table_rows(page)) == 1
    page = login(world.liaison_u2).get(f"/records/experts?year={year}").get_data(as_text=True)
    assert "<tbody>" not in page  # no expert of u2 has worked this year
    page = login(world.liaison_u1).get(f"/records/experts?year={year}").get_data(as_text=True)
    assert [row[0] for row in table_rows(page)] == [world.expert_u1.name]


@pytest.mark.parametrize(
    ("who", "url", "expected"),
    [
        # each with the bell's unread count after the user
        ("admin", "/records/commissioners/C", 5),  # user, bell, person, years, awards
        ("commissioner_a", "/records/commissioners/C", 5),
        ("admin", "/records/experts/E", 4),  # user, bell, person, years
        ("liaison_u1", "/records/universities/U", 4),  # user, bell, university, experts
    ],
)
def test_person_pages_cost_the_same_whatever_the_rows(
    who, url, expected, make, world, login, count_queries
):  # type: ignore[no-untyped-def]
    url = (
        url.replace("/C", f"/{world.commissioner_a.id}")
        .replace("/E", f"/{world.expert_u1.id}")
        .replace("/U", f"/{world.u1.id}")
    )
    client = login(getattr(world, who))
    counts = []
    for _ in range(2):
        make.ticket(world, "closed")
        client.get(url)
        before = count_queries.count
        assert client.get(url).status_code == 200
        counts.append(count_queries.count - before - 2)
    assert counts == [expected, expected]
