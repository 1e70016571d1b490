"""The transition table, walked: every action by every actor from every state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from ticketing import db, workflow
from ticketing.accounts.models import User
from ticketing.challenges.models import Challenge, Proposal
from ticketing.db import local_today
from ticketing.errors import DomainError, InvalidTransition, NotAllowed, NotFound, RuleViolation
from ticketing.outcomes.models import Outcome
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.workflow import State

# DOMAIN.md's transition table, written out independently of workflow.TRANSITIONS:
# action -> (from-states, the actors of the test world allowed to perform it).
FILER_SIDE = {"commissioner_a", "commissioner_a2", "admin"}
# A cooperation's steps happen in any of these states (the ticket follows its cooperations).
COOPERATING = {"outcome_intention", "outcome_agreement", "outcome_landed"}
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "submit": ({"draft"}, {"commissioner_a"}),
    "route": ({"submitted"}, {"admin"}),
    "return": ({"university_assigned"}, {"liaison_u1"}),
    "transfer": ({"university_assigned", "expert_assigned", "in_progress"}, {"admin"}),
    "assign_expert": ({"university_assigned"}, {"liaison_u1", "admin"}),
    "reassign_expert": ({"expert_assigned", "in_progress"}, {"liaison_u1", "admin"}),
    "decline": ({"expert_assigned"}, {"expert_u1"}),
    "start": ({"expert_assigned"}, {"expert_u1"}),
    "resolve": ({"in_progress"}, {"expert_u1"}),
    "reopen": ({"resolved"}, FILER_SIDE),
    "close": ({"resolved"}, FILER_SIDE),
    "record_intention": ({"resolved", *COOPERATING}, FILER_SIDE),
    "sign_agreement": (COOPERATING, FILER_SIDE),
    "land": (COOPERATING, {"admin"}),
    "abandon": (COOPERATING, FILER_SIDE),
    "withdraw": (
        {"submitted", "university_assigned", "expert_assigned", "in_progress"},
        {"commissioner_a", "admin"},
    ),
    # the pick of an open challenge's proposal (揭榜挂帅): routes and assigns in one step
    "award": ({"submitted"}, {"admin"}),
}
# The "must give" column: each field with its kind (id, text, date, money, choice, score);
# a kind in brackets is optional.
MUST_GIVE: dict[str, dict[str, str]] = {
    "submit": {},
    "route": {"university_id": "id"},
    "return": {"reason": "text"},
    "transfer": {"university_id": "id", "reason": "text"},
    "assign_expert": {"expert_id": "id"},
    "reassign_expert": {"expert_id": "id", "reason": "text"},
    "decline": {"reason": "text"},
    "start": {},
    "resolve": {"resolution": "text"},
    "reopen": {"reason": "text"},
    "close": {"satisfaction": "[score]"},
    "record_intention": {
        "title": "text",
        "cooperation_form": "choice",
        "intention_date": "date",
        "university_id": "[id]",
        "intention_fair_id": "[id]",
    },
    "sign_agreement": {
        "cooperation_id": "[id]",
        "agreement_number": "text",
        "agreement_date": "date",
        "amount": "money",
        "agreement_fair_id": "[id]",
    },
    "land": {
        "cooperation_id": "[id]",
        "landed_date": "date",
        "landing_description": "text",
        "economic_benefit": "money",
        "cost_saving": "[money]",
        "satisfaction": "[score]",
    },
    "abandon": {"cooperation_id": "[id]", "reason": "text"},
    "withdraw": {"reason": "text"},
    "award": {"proposal_id": "id"},
}
TARGETS = {
    "submit": "submitted",
    "route": "university_assigned",
    "return": "submitted",
    "transfer": "university_assigned",
    "assign_expert": "expert_assigned",
    "reassign_expert": "expert_assigned",
    "decline": "university_assigned",
    "start": "in_progress",
    "resolve": "resolved",
    "reopen": "in_progress",
    "close": "closed",
    "record_intention": "outcome_intention",
    "sign_agreement": "outcome_agreement",
    "land": "outcome_landed",
    "abandon": "closed",
    "withdraw": "withdrawn",
    "award": "expert_assigned",
}
ACTORS = (
    "admin",
    "commissioner_a",
    "commissioner_a2",
    "commissioner_b",
    "liaison_u1",
    "liaison_u2",
    "expert_u1",
    "expert2_u1",
    "expert_u2",
    "disabled",
)


def valid_data(action: str, world: Any) -> dict[str, Any]:
    today = local_today()
    return {
        "route": {"university_id": world.u1.id},
        "return": {"reason": "本校暂无相关方向专家"},
        "transfer": {"university_id": world.u2.id, "reason": "更适合的团队在另一所高校"},
        "assign_expert": {"expert_id": world.expert2_u1.id},
        "reassign_expert": {"expert_id": world.expert2_u1.id, "reason": "原专家出差"},
        "decline": {"reason": "时间冲突"},
        "resolve": {"resolution": "调整冷却液配比，主轴温升降至 45℃。"},
        "reopen": {"reason": "问题复现"},
        "close": {"satisfaction": 4},
        "record_intention": {
            "title": "检测服务合同",
            "cooperation_form": "tech_service",
            "intention_date": today,
        },
        "sign_agreement": {
            "agreement_number": "CZ-HT-7",
            "agreement_date": today,
            "amount": Decimal("12.50"),
        },
        "land": {
            "landed_date": today,
            "landing_description": "已投产",
            "economic_benefit": Decimal("80"),
        },
        "abandon": {"reason": "企业经营方向调整"},
        "withdraw": {"reason": "已解决"},
    }.get(action, {})


def test_table_matches_domain() -> None:
    """The code's table and DOMAIN.md's table list the same actions, sources and targets."""
    assert set(workflow.BY_ACTION) == set(EXPECTED)
    for action, t in workflow.BY_ACTION.items():
        assert {str(s) for s in t.sources} == EXPECTED[action][0], action
        assert str(t.target) == TARGETS[action], action
        given = {f.name: str(f.kind) if f.required else f"[{f.kind}]" for f in t.fields}
        assert given == MUST_GIVE[action], action


def _events(ticket_id: int) -> int:
    return db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
    )


CASES = [(action, str(state)) for action in EXPECTED for state in State]
# A step of one cooperation needs a cooperation at its stage: the walk adds one (a row, not a
# transition, so the ticket stays in the state under test) and names it.
NEEDS_STAGE = {"sign_agreement": "intention", "land": "agreement", "abandon": "intention"}


def _stage(o: Outcome) -> str:
    if o.landed_date is not None:
        return "landed"
    if o.abandoned_reason is not None:
        return "abandoned"
    return "agreement" if o.agreement_date is not None else "intention"


def _followed(ticket_id: int) -> str:
    """The state the ticket's cooperations lead to, by the rule in the README."""
    outcomes = db.session.scalars(select(Outcome).where(Outcome.ticket_id == ticket_id))
    stages = {_stage(o) for o in outcomes}
    for stage, state in (
        ("landed", "outcome_landed"),
        ("agreement", "outcome_agreement"),
        ("intention", "outcome_intention"),
    ):
        if stage in stages:
            return state
    return "closed"


def _add_proposal(ticket: Ticket, world: Any) -> int:
    """An open challenge on the ticket with one proposal (rows, not a transition)."""
    challenge = Challenge(
        ticket_id=ticket.id, deadline=local_today(), published_by_id=world.admin.id
    )
    db.session.add(challenge)
    db.session.flush()
    proposal = Proposal(
        challenge_id=challenge.id,
        university_id=world.u1.id,
        expert_id=world.expert2_u1.id,
        approach="联合攻关",
        days=30,
        cost=Decimal("8"),
        submitted_by_id=world.liaison_u1.id,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal.id


def _add_cooperation(ticket: Ticket, stage: str) -> int:
    today = local_today()
    row = Outcome(
        ticket_id=ticket.id, title="另一项合作", cooperation_form="consulting", intention_date=today
    )
    if stage == "agreement":
        row.agreement_number, row.agreement_date, row.amount = "HT-2", today, Decimal("5")
    db.session.add(row)
    db.session.flush()
    return row.id


@pytest.mark.parametrize(("action", "state"), CASES)
def test_every_actor_from_every_state(action: str, state: str, make, world) -> None:  # type: ignore[no-untyped-def]
    ticket_id = make.ticket(world, state).id
    sources, allowed = EXPECTED[action]
    with make.app.app_context():
        for actor_key in ACTORS:
            actor = db.session.get(User, getattr(world, actor_key).id)
            ticket = db.session.get(Ticket, ticket_id)
            before_events, before_version = _events(ticket_id), ticket.version
            savepoint = db.session.begin_nested()
            expected_ok = state in sources and actor_key in allowed
            data = valid_data(action, world)
            if action in NEEDS_STAGE and state in COOPERATING:
                data["cooperation_id"] = _add_cooperation(ticket, NEEDS_STAGE[action])
            if action == "award":
                data["proposal_id"] = _add_proposal(ticket, world)
            if expected_ok:
                event = transitions.perform(ticket, action, actor, **data)
                target = _followed(ticket_id) if action in NEEDS_STAGE else TARGETS[action]
                if action == "record_intention":
                    target = _followed(ticket_id)
                    # a further cooperation's intention leaves a cooperating ticket where it is
                    assert target == (state if state in COOPERATING else TARGETS[action])
                assert ticket.state == target
                assert event.from_state == state and event.to_state == target
                assert _events(ticket_id) == before_events + 1, "one event per state change"
                db.session.flush()
                assert ticket.version == before_version + 1
            else:
                with pytest.raises((NotAllowed, InvalidTransition, NotFound)):
                    transitions.perform(ticket, action, actor, **data)
                assert ticket.state == state
                assert _events(ticket_id) == before_events
            savepoint.rollback()
            db.session.expire_all()


def test_refusals_say_why(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "submitted").id)
    expert = db.session.get(User, world.expert_u1.id)
    other = db.session.get(User, world.commissioner_b.id)
    admin = db.session.get(User, world.admin.id)
    with pytest.raises(InvalidTransition) as wrong_state:
        transitions.perform(ticket, "start", admin)
    assert "Accept and start" in str(wrong_state.value.message) or "开始" in str(
        wrong_state.value.message
    )
    with pytest.raises(NotFound):
        transitions.perform(ticket, "route", other, university_id=world.u1.id)
    with pytest.raises(NotFound):
        transitions.perform(ticket, "route", expert, university_id=world.u1.id)


@pytest.mark.parametrize(
    ("state", "action", "data", "field"),
    [
        ("submitted", "route", {}, "university_id"),
        ("submitted", "route", {"university_id": 999_999}, "university_id"),
        ("university_assigned", "assign_expert", {"expert_id": "expert_u2"}, "expert_id"),
        ("university_assigned", "assign_expert", {"expert_id": "commissioner_a"}, "expert_id"),
        (
            "university_assigned",
            "transfer",
            {"university_id": "u1", "reason": "x"},
            "university_id",
        ),
        ("university_assigned", "return", {"reason": "   "}, "reason"),
        ("in_progress", "resolve", {"resolution": ""}, "resolution"),
        ("resolved", "close", {"satisfaction": 9}, "satisfaction"),
        (
            "resolved",
            "record_intention",
            {"title": "合作", "cooperation_form": "gift", "intention_date": local_today()},
            "cooperation_form",
        ),
        (
            "resolved",
            "record_intention",
            {"title": "合作", "cooperation_form": "joint_rd", "intention_date": date(2999, 1, 1)},
            "intention_date",
        ),
        (
            "outcome_intention",
            "sign_agreement",
            {"agreement_number": "A1", "agreement_date": local_today(), "amount": Decimal("-1")},
            "amount",
        ),
        (
            "outcome_intention",
            "sign_agreement",
            {"agreement_number": "A1", "agreement_date": date(2000, 1, 1), "amount": Decimal("1")},
            "agreement_date",
        ),
        (
            "outcome_agreement",
            "land",
            {
                "landed_date": local_today(),
                "landing_description": "x",
                "economic_benefit": Decimal("-5"),
            },
            "economic_benefit",
        ),
    ],
)
def test_bad_data_is_refused_and_nothing_changes(state, action, data, field, make, world):  # type: ignore[no-untyped-def]
    ticket_id = make.ticket(world, state).id
    actors = {
        "route": "admin",
        "assign_expert": "liaison_u1",
        "transfer": "admin",
        "return": "liaison_u1",
        "resolve": "expert_u1",
        "close": "commissioner_a",
        "record_intention": "commissioner_a",
        "sign_agreement": "commissioner_a",
        "land": "admin",
    }
    resolved = {
        k: (getattr(world, v).id if isinstance(v, str) and hasattr(world, v) else v)
        for k, v in data.items()
    }
    with make.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        actor = db.session.get(User, getattr(world, actors[action]).id)
        events = _events(ticket_id)
        with pytest.raises(RuleViolation) as refused:
            transitions.perform(ticket, action, actor, **resolved)
        assert refused.value.field == field
        db.session.rollback()
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.state == state
        assert _events(ticket_id) == events


def test_expert_capacity_is_enforced(make, world) -> None:  # type: ignore[no-untyped-def]
    busy = make.user("expert", university=world.u1, capacity=1)
    first = make.ticket(world, "university_assigned").id
    second = make.ticket(world, "university_assigned").id
    with make.app.app_context():
        liaison = db.session.get(User, world.liaison_u1.id)
        transitions.perform(
            db.session.get(Ticket, first), "assign_expert", liaison, expert_id=busy.id
        )
        with pytest.raises(RuleViolation, match="capacity|上限|容量"):
            transitions.perform(
                db.session.get(Ticket, second), "assign_expert", liaison, expert_id=busy.id
            )


def test_stale_version_is_refused(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "submitted").id)
    admin = db.session.get(User, world.admin.id)
    with pytest.raises(DomainError) as stale:
        transitions.perform(
            ticket, "route", admin, expected_version=ticket.version - 1, university_id=world.u1.id
        )
    assert stale.value.status == 409
    assert ticket.state == "submitted"


def test_transfer_clears_the_expert_and_keeps_read_access(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    from ticketing.permissions import can_view

    ticket = db.session.get(Ticket, make.ticket(world, "in_progress").id)
    admin = db.session.get(User, world.admin.id)
    transitions.perform(ticket, "transfer", admin, university_id=world.u2.id, reason="换校")
    assert ticket.expert_id is None and ticket.university_id == world.u2.id
    expert_before = db.session.get(User, world.expert_u1.id)
    liaison_before = db.session.get(User, world.liaison_u1.id)
    assert can_view(expert_before, ticket) and can_view(liaison_before, ticket)
    assert not transitions.available(ticket, expert_before)
    assert not transitions.available(ticket, liaison_before)


def test_history_cannot_be_edited_in_the_database(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    ticket_id = make.ticket(world, "submitted").id
    for statement in (
        "UPDATE ticket_event SET action = 'x' WHERE ticket_id = :id",
        "DELETE FROM ticket_event WHERE ticket_id = :id",
    ):
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": ticket_id})
        savepoint.rollback()
    assert _events(ticket_id) == 2


def test_only_workflow_assigns_state() -> None:
    """No module but tickets/transitions.py writes a ticket's state."""
    import pathlib
    import re

    root = pathlib.Path(workflow.__file__).parent
    offenders = [
        str(path)
        for path in root.rglob("*.py")
        if path.name != "transitions.py"
        and re.search(r"\bticket\.state\s*=(?!=)|setattr\(\w+, .state.", path.read_text())
    ]
    assert offenders == []
