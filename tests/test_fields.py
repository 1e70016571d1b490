"""perform() coerces and checks what it is given, by the kinds in the transition table:
whatever wrong value reaches it (from a form, the API, an import), it answers with a
RuleViolation that names the field, and nothing changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.test_workflow import valid_data
from ticketing import db
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.errors import RuleViolation
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.values import ID_MAX
from ticketing.workflow import (
    MONEY_MAX,
    SCORE_RANGE,
    TRANSITIONS,
    Field,
    Kind,
    Who,
    possible_alone,
)

ACTOR_FOR = {
    Who.ADMIN: "admin",
    Who.FILER: "commissioner_a",
    Who.COMMISSIONER: "commissioner_a",
    Who.LIAISON: "liaison_u1",
    Who.EXPERT: "expert_u1",
}
CASES = [(t.action, f.name) for t in TRANSITIONS for f in t.fields]
ANYTHING_ELSE = st.one_of(
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.binary(max_size=4),
    st.just(object()),
)
NOT_FINITE = st.sampled_from(
    [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity"), "NaN"]
)


def wrong(f: Field, today: date) -> st.SearchStrategy[Any]:
    """Values that are wrong for field `f` of a ticket filed today."""
    required = [st.none(), st.just(""), st.just("   ")] if f.required else []
    kinds: dict[Kind, list[st.SearchStrategy[Any]]] = {
        Kind.ID: [
            # (left blank, an optional id is simply not given)
            st.text().filter(lambda s: not s.strip().isdigit() and (f.required or s.strip())),
            st.integers(max_value=0),
            st.integers(min_value=ID_MAX + 1),
            st.floats(),
            st.booleans(),
            st.integers(min_value=10_000_000, max_value=ID_MAX),  # names nothing
        ],
        Kind.TEXT: [
            st.integers(),
            st.floats(),
            st.booleans(),
            st.text(min_size=1, max_size=40)
            .filter(lambda s: s.strip())
            .map(lambda s: "长" * f.max_length + s.strip()),
            st.text(min_size=1, max_size=20).map(lambda s: f"x{s}\x00"),
        ],
        Kind.DATE: [
            st.datetimes(timezones=st.just(UTC)),
            st.datetimes(),
            st.dates(min_value=today + timedelta(days=1)),
            st.dates(max_value=today - timedelta(days=1)),
            st.text().filter(lambda s: not _iso_today(s, today)),
            st.integers(),
        ],
        Kind.MONEY: [
            NOT_FINITE,
            st.decimals(max_value=Decimal("-0.01"), allow_nan=False, places=2),
            st.decimals(min_value=MONEY_MAX + Decimal("0.01"), allow_nan=False, places=2),
            st.decimals(min_value=0, max_value=1000, places=3).filter(
                lambda d: d != d.quantize(Decimal("0.01"))
            ),
            st.booleans(),
            st.text(alphabet="abc元万%-+e", min_size=1),
        ],
        Kind.CHOICE: [st.text().filter(lambda s: s not in f.choices), st.integers()],
        Kind.SCORE: [
            st.integers().filter(lambda n: not SCORE_RANGE[0] <= n <= SCORE_RANGE[1]),
            st.floats(),
            st.booleans(),
            st.text(min_size=1).filter(lambda s: not s.strip().isdigit() and s.strip()),
        ],
    }
    return st.one_of(*required, *kinds[f.kind], ANYTHING_ELSE)


def _iso_today(text: str, today: date) -> bool:
    try:
        return date.fromisoformat(text.strip()) == today
    except ValueError:
        return False


def _events(ticket_id: int) -> int:
    return db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
    )


@pytest.mark.parametrize(("action", "name"), CASES)
def test_any_wrong_value_is_a_rule_violation_on_its_field(action, name, make, world, ctx):  # type: ignore[no-untyped-def]
    t = next(t for t in TRANSITIONS if t.action == action)
    f = next(f for f in t.fields if f.name == name)
    source = next(s for s in sorted(t.sources) if possible_alone(action, s))
    ticket = db.session.get(Ticket, make.ticket(world, source).id)
    actor = db.session.get(User, getattr(world, ACTOR_FOR[sorted(t.who)[0]]).id)
    good = valid_data(action, world)
    before = _events(ticket.id)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(value=wrong(f, local_today()))
    def attempt(value: Any) -> None:
        savepoint = db.session.begin_nested()
        try:
            with pytest.raises(RuleViolation) as refused:
                transitions.perform(ticket, action, actor, **{**good, name: value})
            assert refused.value.field == name, (value, refused.value.message)
        finally:
            savepoint.rollback()
        assert ticket.state == source
        assert _events(ticket.id) == before

    attempt()


@pytest.mark.parametrize(
    ("action", "state", "name", "value", "stored"),
    [
        ("route", "submitted", "university_id", "u1", None),
        ("close", "resolved", "satisfaction", "4", 4),
        ("close", "resolved", "satisfaction", "", None),
        ("record_intention", "resolved", "intention_date", "today", None),
        ("sign_agreement", "outcome_intention", "amount", "12.50", Decimal("12.50")),
        ("sign_agreement", "outcome_intention", "amount", 7, Decimal("7.00")),
        ("sign_agreement", "outcome_intention", "amount", 0.5, Decimal("0.50")),
        ("resolve", "in_progress", "resolution", "  换用耐高温密封件。 ", None),
    ],
)
def test_values_as_the_api_and_imports_send_them_are_coerced(  # type: ignore[no-untyped-def]
    action, state, name, value, stored, make, world, ctx
):
    """Strings of digits, ISO dates, numbers from JSON: accepted and stored in their kind."""
    t = next(t for t in TRANSITIONS if t.action == action)
    ticket = db.session.get(Ticket, make.ticket(world, state).id)
    actor = db.session.get(User, getattr(world, ACTOR_FOR[sorted(t.who)[0]]).id)
    if value == "u1":
        value = str(world.u1.id)
    if value == "today":
        value = local_today().isoformat()
    event = transitions.perform(ticket, action, actor, **{**valid_data(action, world), name: value})
    assert ticket.state == t.target
    if name == "satisfaction":
        assert ticket.satisfaction == stored
    if name == "amount":
        assert event.data["amount"] == str(stored)
    if name == "resolution":
        assert ticket.resolution == "换用耐高温密封件。"


def test_unexpected_data_is_refused(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "submitted").id)
    admin = db.session.get(User, world.admin.id)
    with pytest.raises(RuleViolation) as refused:
        transitions.perform(ticket, "route", admin, university_id=world.u1.id, state="closed")
    assert refused.value.field is None and "state" in str(refused.value.message)


def test_outcome_dates_cannot_be_before_the_ticket_was_filed(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "resolved").id)
    ticket.submitted_at = datetime.now(UTC) - timedelta(days=10)
    actor = db.session.get(User, world.commissioner_a.id)
    filed = transitions.filed_on(ticket)
    for day, ok in ((filed - timedelta(days=1), False), (date(1, 1, 1), False), (filed, True)):
        savepoint = db.session.begin_nested()
        data = {"title": "检测服务", "cooperation_form": "joint_rd", "intention_date": day}
        if ok:
            transitions.perform(ticket, "record_intention", actor, **data)
        else:
            with pytest.raises(RuleViolation) as refused:
                transitions.perform(ticket, "record_intention", actor, **data)
            assert refused.value.field == "intention_date"
        savepoint.rollback()
