"""Every page costs a fixed, small number of SQL statements, whatever the number of rows it
shows or the number of tickets in the database (no statement inside a loop)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.campaigns import services as campaign_services
from ticketing.challenges import services as challenge_services
from ticketing.challenges.models import Challenge
from ticketing.tickets import services
from ticketing.tickets.models import Ticket

# The test harness wraps each request in a savepoint: two statements that a real request
# does not run (on SQLite a real request adds one BEGIN instead).
HARNESS = 2
LIMIT = 6
# every signed-in page also counts the unread notifications for the bell in the header
# (notify/queries.py unread_count: one statement, whatever the number of notifications)
BELL = 1
# page → statements a request runs: the signed-in user, then what the page reads. The to-do
# counts in the navigation come from the person's session here (the warm-up request counted
# them: tickets/todos.py); the home page counts them anew.
EXPECTED = {
    ("admin", "/"): 3,  # user, to-do counts, to-do rows
    ("liaison_u1", "/"): 3,
    ("expert_u1", "/"): 3,
    ("commissioner_a", "/"): 3,
    # user, rows, capped count, saved searches, universities for the filter
    ("admin", "/queue/all"): 5,
    ("admin", "/queue/to_route"): 5,
    ("expert_u1", "/queue/assigned"): 4,  # user, rows, capped count, saved searches
    ("commissioner_a", "/queue/mine"): 5,  # … and the commissioner's enterprises
    ("liaison_u1", "/queue/university"): 4,
    # the dashboard: user, the fact tallies (all groupings in one statement), the reach
    # probes (enterprises, experts, all enterprises), the medians of the steps' days (from
    # their histogram), the names for the filters
    ("admin", "/dashboard"): 5,
    ("liaison_u1", "/dashboard"): 5,
    # a list behind a figure: user, one keyset page, its count from the tallies, the names
    ("admin", "/reports/tickets?figure=filed"): 4,
    ("liaison_u1", "/reports/tickets?figure=visits"): 4,
    ("admin", "/reports/cooperations?figure=intentions"): 4,
    ("liaison_u1", "/reports/cooperations?figure=agreements"): 4,
    ("admin", "/admin/users"): 2,
    ("admin", "/admin/enterprises"): 2,
    ("admin", "/admin/universities"): 2,
    ("admin", "/admin/places"): 3,  # user, parks, counties
    ("admin", "/fairs"): 2,  # user, the fairs with their counts
    ("liaison_u1", "/fairs"): 2,
    ("commissioner_a", "/tickets/new"): 2,
    # the work records and rewards: user, then one statement over one year's tallies
    ("admin", "/records/commissioners"): 2,
    ("commissioner_a", "/records/commissioners"): 2,
    ("admin", "/records/experts"): 2,
    ("liaison_u1", "/records/experts"): 2,
    ("admin", "/records/rewards"): 2,
    ("admin", "/records/rewards/awarded"): 2,
    # user, the enterprise with its tally, its tickets, commissioners, cooperations
    ("admin", "/enterprises/A"): 5,
    ("commissioner_a", "/enterprises/A"): 5,
    ("expert_u1", "/enterprises/A"): 5,
}
TICKET_PAGE = {  # the ticket page of an in-progress ticket, by who looks at it
    "expert_u1": 3,  # user, ticket, history page
    "commissioner_a": 3,
    "liaison_u1": 4,  # … and the experts to reassign to
    "admin": 5,  # … the universities to transfer to, and the experts
}


def _statements(client, url, count_queries) -> int:  # type: ignore[no-untyped-def]
    client.get(url)  # warm caches (templates, metadata)
    before = count_queries.count
    assert client.get(url).status_code == 200
    return count_queries.count - before - HARNESS


def _more_of_everything(make, world) -> None:  # type: ignore[no-untyped-def]
    worlds = [world, make.world(), make.world(), make.world()]
    for n in range(24):
        make.ticket(worlds[n % 4], ("submitted", "in_progress", "resolved")[n % 3])


@pytest.mark.parametrize(("who", "url"), list(EXPECTED))
def test_each_page_costs_its_statements_whatever_the_rows(
    who, url, make, world, login, count_queries
):  # type: ignore[no-untyped-def]
    make.ticket(world, "in_progress")
    client = login(getattr(world, who))
    url = url.replace("/A", f"/{world.enterprise_a.id}")
    few = _statements(client, url, count_queries)
    _more_of_everything(make, world)
    many = _statements(client, url, count_queries)
    expected = EXPECTED[who, url.replace(f"/{world.enterprise_a.id}", "/A")] + BELL
    assert (few, many) == (expected,) * 2
    assert many <= LIMIT + BELL


@pytest.mark.parametrize("who", list(TICKET_PAGE))
def test_the_ticket_page_costs_the_same_with_a_long_history(who, make, world, login, count_queries):  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress").number
    client = login(getattr(world, who))
    url = f"/tickets/{number}"
    few = _statements(client, url, count_queries)
    with make.app.app_context():
        ticket = db.session.scalar(db_select_ticket(number))
        people = [
            db.session.get(User, u.id)
            for u in (world.expert_u1, world.commissioner_a, world.liaison_u1, world.admin)
        ]
        for n in range(70):  # more than one page of history
            services.add_comment(
                ticket, people[n % 4], body=f"第{n}条", internal=n % 4 != 1 and n % 3 == 0
            )
        db.session.commit()
    many = _statements(client, url, count_queries)
    assert (few, many) == (TICKET_PAGE[who] + BELL,) * 2
    assert many <= LIMIT + BELL


def db_select_ticket(number: str):  # type: ignore[no-untyped-def]
    return select(Ticket).where(Ticket.number == number)


# the campaign page: user, campaign with its universities and places, the figures, the
# counties and parks with their problems, the key enterprises, the agreements signed
CAMPAIGN_PAGE = {"admin": 6, "liaison_u1": 6}


@pytest.mark.parametrize("who", list(CAMPAIGN_PAGE))
def test_the_campaign_page_costs_the_same_with_more_tickets(who, make, world, login, count_queries):  # type: ignore[no-untyped-def]
    with make.app.app_context():
        admin = db.session.get(User, world.admin.id)
        today = db.local_today()
        campaign = campaign_services.save_campaign(
            None,
            admin,
            name="博士专家企业行",
            starts_on=today,
            ends_on=today,
            university_ids=[world.u1.id],
        )
        db.session.commit()
        url = f"/campaigns/{campaign.id}"
    make.ticket(world, "in_progress")
    client = login(getattr(world, who))
    few = _statements(client, url, count_queries)
    _more_of_everything(make, world)
    many = _statements(client, url, count_queries)
    assert (few, many) == (CAMPAIGN_PAGE[who] + BELL,) * 2
    assert many <= LIMIT + BELL


# the open challenges: the list is user + one statement; a challenge's page for the admin is
# user, the challenge with its ticket, the proposals with university and expert, the experts'
# loads; for a liaison: user, the challenge, the masked problem, their own proposal, their
# university's experts
CHALLENGE_PAGES = {
    ("admin", "/challenges"): 2,
    ("liaison_u1", "/challenges"): 2,
    ("admin", "/challenges/C"): 4,
    ("liaison_u1", "/challenges/C"): 5,
}


def _challenge_with_proposals(make, world, worlds) -> int:  # type: ignore[no-untyped-def]
    with make.app.app_context():
        admin = db.session.get(User, world.admin.id)
        ticket = db.session.get(Ticket, make.ticket(world, "submitted").id)
        challenge = challenge_services.publish(
            ticket, admin, deadline=db.local_today() + timedelta(days=5)
        )
        for w in worlds:
            challenge_services.propose(
                challenge,
                db.session.get(User, w.liaison_u1.id),
                expert_id=w.expert_u1.id,
                approach="方案",
                days=20,
                cost="3",
            )
        db.session.commit()
        return challenge.id


def _more_proposals(make, challenge_id: int) -> None:  # type: ignore[no-untyped-def]
    for _n in range(3):
        w = make.world()
        with make.app.app_context():
            challenge = db.session.get(Challenge, challenge_id)
            challenge_services.propose(
                challenge,
                db.session.get(User, w.liaison_u1.id),
                expert_id=w.expert_u1.id,
                approach="另一方案",
                days=40,
                cost="9",
            )
            db.session.commit()


@pytest.mark.parametrize(("who", "url"), list(CHALLENGE_PAGES))
def test_the_challenge_pages_cost_the_same_with_more_proposals(
    who, url, make, world, login, count_queries
):  # type: ignore[no-untyped-def]
    challenge_id = _challenge_with_proposals(make, world, [world])
    client = login(getattr(world, who))
    page = url.replace("/C", f"/{challenge_id}")
    few = _statements(client, page, count_queries)
    _more_proposals(make, challenge_id)
    _challenge_with_proposals(make, world, [world])  # and another open challenge
    many = _statements(client, page, count_queries)
    assert (few, many) == (CHALLENGE_PAGES[who, url] + BELL,) * 2
    assert many <= LIMIT + BELL


def test_the_page_of_a_ticket_to_route_offers_the_challenge(make, world, login, count_queries):  # type: ignore[no-untyped-def]
    """user, ticket, history, universities to route to, the ticket's open challenge, and the
    routing suggestions' four (see ROUTING_PAGE)"""
    number = make.ticket(world, "submitted").number
    client = login(world.admin)
    assert _statements(client, f"/tickets/{number}", count_queries) == 9 + BELL


# the ticket page where routing suggestions show (routing/suggest.py): on a submitted ticket
# the admin's route form adds the universities, the experts of every university with their
# open work, their profile rows of the ticket's terms, their solved problems and each
# university's solved problems of the category; on a routed ticket the assign form adds the
# university's experts, their profile rows of the ticket's terms, their solved problems and
# their track record; the admin also gets the universities to transfer to
ROUTING_PAGE = {
    ("submitted", "admin"): 9,  # and the ticket's open challenge, if any
    ("university_assigned", "liaison_u1"): 7,
    ("university_assigned", "admin"): 8,
}


@pytest.mark.parametrize(("state", "who"), list(ROUTING_PAGE))
def test_the_routing_suggestions_cost_the_same_with_more_experts(  # type: ignore[no-untyped-def]
    state, who, make, world, login, count_queries
):
    number = make.ticket(world, state, title="数控机床主轴精度下降").number
    client = login(getattr(world, who))
    url = f"/tickets/{number}"
    few = _statements(client, url, count_queries)
    for n in range(6):  # more experts in both universities, with solved problems
        make.user("expert", university=(world.u1, world.u2)[n % 2])
    _more_of_everything(make, world)
    many = _statements(client, url, count_queries)
    assert (few, many) == (ROUTING_PAGE[state, who] + BELL,) * 2
