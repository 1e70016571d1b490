"""Several cooperations per problem: each goes intention → agreement → landed or abandoned with
its own history events, and the ticket's state follows all of them (README, "Cooperations")."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.helpers import act, hidden_value, state_of
from ticketing import db
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.errors import RuleViolation
from ticketing.fairs.models import Fair
from ticketing.outcomes.models import Outcome
from ticketing.reports.filters import Filters
from ticketing.reports.queries import dashboard
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.workflow import State, state_of_cooperations

TODAY = local_today()
ADMIN: list[int] = []  # the administrator of the current test's world


@pytest.fixture(autouse=True)
def _admin(request) -> None:  # type: ignore[no-untyped-def]
    if "world" in request.fixturenames:
        ADMIN[:] = [request.getfixturevalue("world").admin.id]


def _expected(stages: tuple[str, ...]) -> str:
    """The rule, written out again: landed beats signed beats an open intention; else closed."""
    if "landed" in stages:
        return "outcome_landed"
    if "agreement" in stages:
        return "outcome_agreement"
    if "intention" in stages:
        return "outcome_intention"
    return "closed"


@pytest.mark.parametrize(
    "stages",
    [
        combo
        for n in (1, 2, 3)
        for combo in itertools.product(("intention", "agreement", "landed", "abandoned"), repeat=n)
    ],
)
def test_the_rule_over_every_combination(stages: tuple[str, ...]) -> None:
    assert state_of_cooperations(stages) == State(_expected(stages))


def _step(ticket: Ticket, step: str, cooperation_id: Any, title: str = "") -> TicketEvent:
    """One step of a cooperation, by the zone's administrator (whom the table lets do all)."""
    admin = db.session.get(User, ADMIN[0])
    which = {} if cooperation_id is None else {"cooperation_id": cooperation_id}
    data: dict[str, Any] = {
        "intend": {
            "title": title,
            "cooperation_form": "consulting",
            "intention_date": TODAY,
        },
        "sign": {
            **which,
            "agreement_number": f"HT-{title or cooperation_id}",
            "agreement_date": TODAY,
            "amount": Decimal("20"),
        },
        "land": {
            **which,
            "landed_date": TODAY,
            "landing_description": "已投产",
            "economic_benefit": Decimal("100"),
            "cost_saving": Decimal("12.5"),
            "satisfaction": 5,
        },
        "abandon": {**which, "reason": "企业调整方向"},
    }[step]
    action = {"intend": "record_intention", "sign": "sign_agreement"}.get(step, step)
    return transitions.perform(ticket, action, admin, **data)


# Two cooperations A and B on one resolved ticket: each step, and the ticket's state after it.
SCENARIOS = {
    "both land or drop": [
        ("intend", "A", "outcome_intention"),
        ("intend", "B", "outcome_intention"),
        ("sign", "A", "outcome_agreement"),
        ("abandon", "B", "outcome_agreement"),
        ("land", "A", "outcome_landed"),
    ],
    "the signed one is dropped": [
        ("intend", "A", "outcome_intention"),
        ("sign", "A", "outcome_agreement"),
        ("intend", "B", "outcome_agreement"),
        ("abandon", "A", "outcome_intention"),
        ("sign", "B", "outcome_agreement"),
        ("land", "B", "outcome_landed"),
    ],
    "all dropped": [
        ("intend", "A", "outcome_intention"),
        ("intend", "B", "outcome_intention"),
        ("abandon", "A", "outcome_intention"),
        ("abandon", "B", "closed"),
    ],
    "a later one after landing": [
        ("intend", "A", "outcome_intention"),
        ("sign", "A", "outcome_agreement"),
        ("land", "A", "outcome_landed"),
        ("intend", "B", "outcome_landed"),
        ("sign", "B", "outcome_landed"),
        ("land", "B", "outcome_landed"),
    ],
    "a later one after landing, dropped": [
        ("intend", "A", "outcome_intention"),
        ("sign", "A", "outcome_agreement"),
        ("land", "A", "outcome_landed"),
        ("intend", "B", "outcome_landed"),
        ("abandon", "B", "outcome_landed"),
    ],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_ticket_follows_its_cooperations(name: str, make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "resolved").id)
    ids: dict[str, int] = {}
    events: dict[str, list[str]] = {"A": [], "B": []}
    for step, which, state in SCENARIOS[name]:
        before = ticket.state
        event = _step(ticket, step, ids.get(which), title=f"合作{which}")
        if step == "intend":
            ids[which] = event.data["cooperation_id"]
        assert ticket.state == state, (step, which)
        assert (event.from_state, event.to_state) == (before, state)
        assert event.data["cooperation_id"] == ids[which]
        assert event.data["cooperation"] == f"合作{which}"
        events[which].append(event.action)
    db.session.flush()
    by_cooperation: dict[int, list[str]] = {}
    for action, data in db.session.execute(
        select(TicketEvent.action, TicketEvent.data)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id)
    ):
        if data and "cooperation_id" in data:
            by_cooperation.setdefault(data["cooperation_id"], []).append(action)
    assert by_cooperation == {ids["A"]: events["A"], ids["B"]: events["B"]}
    rows = {
        o.title: o
        for o in db.session.scalars(select(Outcome).where(Outcome.ticket_id == ticket.id))
    }
    assert set(rows) == {"合作A", "合作B"}
    assert all(o.university_id == ticket.university_id for o in rows.values())
    finished = state_of_cooperations(o.stage for o in rows.values()) in (
        "outcome_landed",
        "closed",
    )
    assert (ticket.finished_at is not None) == finished


def _refused(ticket: Ticket, step: str, cooperation_id: Any) -> RuleViolation:
    events = db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id)
    )
    state, version = ticket.state, ticket.version
    stages = [
        o.stage for o in db.session.scalars(select(Outcome).where(Outcome.ticket_id == ticket.id))
    ]
    savepoint = db.session.begin_nested()
    with pytest.raises(RuleViolation) as refused:
        _step(ticket, step, cooperation_id)
    savepoint.rollback()
    db.session.expire_all()
    assert ticket.state == state and ticket.version == version
    assert events == db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id)
    )
    assert stages == [
        o.stage for o in db.session.scalars(select(Outcome).where(Outcome.ticket_id == ticket.id))
    ]
    return refused.value


def test_a_wrong_cooperation_is_refused_on_its_field(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "outcome_agreement").id)
    other = db.session.get(Ticket, make.ticket(world, "outcome_intention").id)
    signed = db.session.scalar(select(Outcome.id).where(Outcome.ticket_id == ticket.id))
    elsewhere = db.session.scalar(select(Outcome.id).where(Outcome.ticket_id == other.id))
    later = _step(ticket, "intend", None, title="第二项合作").data["cooperation_id"]
    cases = [
        ("sign", elsewhere),  # another ticket's
        ("sign", signed),  # already signed
        ("land", later),  # not signed yet
        ("sign", "abc"),  # garbage
        ("sign", 0),
        ("sign", 99_999_999),
        ("abandon", None),  # two could be meant: say which
    ]
    for step, cooperation_id in cases:
        assert _refused(ticket, step, cooperation_id).field == "cooperation_id", (
            step,
            cooperation_id,
        )
    # with a single cooperation at the step's stage it may be left out
    assert _step(ticket, "land", None).data["cooperation_id"] == signed
    assert _refused(ticket, "land", None).field == "cooperation_id"  # none at that stage now


def test_fairs_are_checked(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "resolved").id)
    admin = db.session.get(User, world.admin.id)
    fair = Fair(kind="fair", title="新材料专场推介会", held_on=TODAY)
    ceremony = Fair(kind="ceremony", title="集中签约仪式", held_on=TODAY)
    later = Fair(kind="fair", title="下月推介会", held_on=TODAY + timedelta(days=30))
    db.session.add_all([fair, ceremony, later])
    db.session.flush()
    base = {"title": "联合攻关", "cooperation_form": "joint_rd", "intention_date": TODAY}
    for wrong in (ceremony.id, later.id, 99_999_999):
        savepoint = db.session.begin_nested()
        with pytest.raises(RuleViolation) as refused:
            transitions.perform(ticket, "record_intention", admin, **base, intention_fair_id=wrong)
        assert refused.value.field == "intention_fair_id"
        savepoint.rollback()
    transitions.perform(ticket, "record_intention", admin, **base, intention_fair_id=fair.id)
    transitions.perform(
        ticket,
        "sign_agreement",
        admin,
        agreement_number="QY-1",
        agreement_date=TODAY,
        amount=Decimal("50"),
        agreement_fair_id=ceremony.id,
    )
    outcome = db.session.scalar(select(Outcome).where(Outcome.ticket_id == ticket.id))
    assert (outcome.intention_fair_id, outcome.agreement_fair_id) == (fair.id, ceremony.id)


def test_the_dashboard_counts_cooperations_not_tickets(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    before = dashboard(Filters()).total
    ticket = db.session.get(Ticket, make.ticket(world, "resolved").id)
    a = _step(ticket, "intend", None, title="A").data["cooperation_id"]
    b = _step(ticket, "intend", None, title="B").data["cooperation_id"]
    _step(ticket, "sign", a)
    _step(ticket, "sign", b)
    _step(ticket, "land", a)
    _step(ticket, "abandon", b)
    db.session.flush()
    after = dashboard(Filters()).total
    gained = {k: after[k] - before[k] for k in ("intentions", "agreements", "landed", "amount")}
    assert gained == {"intentions": 2, "agreements": 2, "landed": 1, "amount": Decimal("40")}
    assert after["benefit"] - before["benefit"] == Decimal("100")


def _with_cooperations(make, world, n: int) -> str:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "resolved").number
    with make.app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        for i in range(n):
            cooperation = _step(ticket, "intend", None, title=f"第{i + 1}项合作").data
            if i % 2:
                _step(ticket, "sign", cooperation["cooperation_id"])
        db.session.commit()
    return number


def test_the_ticket_page_lists_and_steps_each_cooperation(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = _with_cooperations(make, world, 2)  # the first at intention, the second signed
    commissioner = login(world.commissioner_a)
    page = commissioner.get(f"/tickets/{number}").get_data(as_text=True)
    assert 'id="cooperations-h"' in page
    assert "第1项合作" in page and "第2项合作" in page and "HT-" in page
    assert 'id="action-record_intention"' in page  # another cooperation may be recorded
    sign = page[page.index('id="action-sign_agreement"') :]
    sign = sign[: sign.index("</form>")]
    assert 'name="sign_agreement-cooperation_id"' in sign
    assert "第1项合作" in sign and "第2项合作" not in sign  # only the one at intention
    assert "selected" in sign[sign.index("第1项合作") - 80 : sign.index("第1项合作")]
    with app.app_context():
        first, second = db.session.scalars(
            select(Outcome.id)
            .join(Ticket, Ticket.id == Outcome.ticket_id)
            .where(Ticket.number == number)
            .order_by(Outcome.id)
        )
    response = act(
        commissioner,
        number,
        "sign_agreement",
        cooperation_id=str(second),
        agreement_number="HT-X",
        agreement_date=TODAY.isoformat(),
        amount="9",
    )
    assert response.status_code == 422  # the second is signed already: said on the field
    assert 'id="sign_agreement-cooperation_id-error"' in response.get_data(as_text=True)
    response = act(
        commissioner,
        number,
        "sign_agreement",
        cooperation_id=str(first),
        agreement_number="HT-X",
        agreement_date=TODAY.isoformat(),
        amount="9",
    )
    assert response.status_code == 303
    assert state_of(app, number) == "outcome_agreement"
    page = commissioner.get(f"/tickets/{number}").get_data(as_text=True)
    assert 'id="action-sign_agreement"' not in page  # none left at intention
    assert hidden_value(page, "abandon-version")
    admin_page = login(world.admin).get(f"/tickets/{number}").get_data(as_text=True)
    land = admin_page[admin_page.index('id="action-land"') :]
    land = land[: land.index("</form>")]
    assert "第1项合作" in land and "第2项合作" in land


def test_the_ticket_page_costs_the_same_with_more_cooperations(make, world, login, count_queries):  # type: ignore[no-untyped-def]
    few, many = _with_cooperations(make, world, 1), _with_cooperations(make, world, 4)
    client = login(world.admin)
    counts = []
    for number in (few, many):
        client.get(f"/tickets/{number}")
        before = count_queries.count
        assert client.get(f"/tickets/{number}").status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1]
