"""The dashboard's tallies stay equal to what the tickets and their history say, whatever
happens to the tickets, and the dashboard reads its figures from them."""

from __future__ import annotations

import random
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select

from tests.test_workflow import valid_data
from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.reports import tallies
from ticketing.reports.models import (
    DIMENSIONS,
    HISTOGRAMS,
    EnterpriseTally,
    EventTally,
    FactTally,
    ReachTally,
    TicketTally,
)
from ticketing.tickets import services, transitions
from ticketing.tickets.models import Ticket, TicketEvent

ACTORS = ("admin", "commissioner_a", "liaison_u1", "liaison_u2", "expert_u1", "expert2_u1")


def _tallies() -> tuple[dict, dict, dict]:
    enterprises = {r.enterprise_id: r.n for r in db.session.scalars(select(EnterpriseTally)) if r.n}
    tickets = {
        (r.state, r.category, r.university_id): r.n
        for r in db.session.scalars(select(TicketTally))
        if r.n
    }
    events = {
        (r.action, r.month): (r.n, Decimal(r.amount))
        for r in db.session.scalars(select(EventTally))
        if r.n
    }
    return tickets, events, enterprises


def _facts() -> tuple[dict, dict, dict]:
    """The fact, reach and duration tallies without their all-zero rows."""
    facts = {}
    for row in db.session.scalars(select(FactTally)):
        values = {c: getattr(row, c) for c in FactTally.__table__.c.keys()}  # noqa: SIM118
        key = tuple(values.pop(name) for name in DIMENSIONS)
        values = {k: Decimal(v) if k in ("amount", "benefit") else v for k, v in values.items()}
        if any(values.values()):
            facts[key] = values
    reach = {
        (r.kind, r.subject_id, r.month, r.category, r.park_id, r.county_id, r.university_id,
         r.campaign_id): r.n
        for r in db.session.scalars(select(ReachTally))
        if r.n
    }  # fmt: skip
    durations = {
        (model.__tablename__, *(getattr(r, name) for name in names)): r.n
        for model, names in HISTOGRAMS
        for r in db.session.scalars(select(model))
        if r.n
    }
    return facts, reach, durations


def _walk(make, world, steps: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Random real work: filing, every action the table allows, comments, visits, edits."""
    rng = random.Random(seed)
    ids = [
        make.ticket(world, rng.choice(["draft", "submitted", "in_progress"])).id for _ in range(8)
    ]
    people = {key: db.session.get(User, getattr(world, key).id) for key in ACTORS}
    for _ in range(steps):
        ticket = db.session.get(Ticket, rng.choice(ids))
        actor = people[rng.choice(ACTORS)]
        options = transitions.available(ticket, actor)
        if options and rng.random() < 0.7:
            action = rng.choice(options).action
            data = valid_data(action, world)
            if action in ("assign_expert", "reassign_expert"):
                data["expert_id"] = rng.choice([world.expert_u1.id, world.expert2_u1.id])
            if action == "transfer":
                data["university_id"] = rng.choice([world.u1.id, world.u2.id])
            work = partial(transitions.perform, ticket, action, actor, **data)
        elif ticket.state in ("draft", "submitted") and rng.random() < 0.5:
            filer = people["commissioner_a"]
            category = rng.choice(["talent", "management", "tech_upgrade"])
            work = partial(services.edit_ticket, ticket, filer, category=category)
        else:
            work = partial(services.add_comment, ticket, people["admin"], body="进展如何？")
        try:
            writes.run(work)
        except Exception:  # noqa: BLE001 - a refused step changes nothing, which is checked
            db.session.rollback()


def test_the_tallies_equal_a_recount_after_any_work(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    _walk(make, world, steps=120, seed=11)
    kept, facts = _tallies(), _facts()
    assert facts[0] and facts[1] and facts[2]
    # the walk returned problems, and the returns are kept with the returning university
    assert sum(row["returns"] for row in facts[0].values()) > 0
    assert {key[:2] for key in facts[2]} >= {
        (model.__tablename__, step) for model, _names in HISTOGRAMS for step in ("route", "assign")
    }
    tallies.rebuild()
    assert _tallies() == kept
    assert _facts() == facts
    filed = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.state != "draft"))
    assert sum(kept[0].values()) == filed
    events = db.session.scalar(select(func.count(TicketEvent.id)))
    assert sum(n for n, _amount in kept[1].values()) == events
    assert sum(kept[2].values()) == filed


def test_a_rolled_back_change_leaves_the_tallies_as_they_were(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "submitted").id)
    before = _tallies()
    savepoint = db.session.begin_nested()
    transitions.perform(
        ticket, "route", db.session.get(User, world.admin.id), university_id=world.u1.id
    )
    savepoint.rollback()
    assert _tallies() == before
