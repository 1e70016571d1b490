"""Random work by random people on a small world, checked after every step (Hypothesis).

The machine keeps its own model of each ticket, written from DOMAIN.md alone: its state,
filer, enterprise, the university and expert it is with now, every university and expert it
has been with, and the confidential mark. After every step it checks that
  - every ticket is in a state of the workflow, with the relations the model expects;
  - a change that succeeded wrote exactly one history event and moved the version by the
    rule (one step per transition or confidential change, none for a comment); a refused
    one wrote nothing and changed nothing;
  - a change the transition table does not allow (wrong state or wrong person) is refused;
  - what every person sees (visible_tickets, can_view, every queue of theirs, the ticket page
    over HTTP) is what the model says "who sees what" gives them.
Each example runs in a savepoint of the test's transaction, rolled back at the end.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.api_client import ApiClient, token_for
from tests.conftest import Browser
from tests.factories import Factory, World
from ticketing import db
from ticketing.accounts.models import User
from ticketing.errors import DomainError
from ticketing.permissions import can_view, visible_tickets
from ticketing.tickets import services, transitions
from ticketing.tickets.models import Ticket, TicketEvent
from ticketing.tickets.queues import Filters, list_queue, queues_for
from ticketing.workflow import BY_ACTION, TERMINAL, TRANSITIONS, State, Who

PEOPLE = (
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
FILERS = ("admin", "commissioner_a", "commissioner_a2", "commissioner_b")
ACTIONS = tuple(t.action for t in TRANSITIONS if not t.beside)
# actions whose effect depends on the ticket's cooperations (several may exist)
FOLLOWS = frozenset(t.action for t in TRANSITIONS if t.follows_cooperations)
STATES = frozenset(State)
SEARCH = "主轴"  # in every ticket's title: a search finds what the queue lists, no more


@dataclass
class Person:
    """A person as DOMAIN.md describes them: roles and the organisations they belong to."""

    id: int
    login: str
    roles: frozenset[str]
    enterprises: frozenset[int]
    university: int | None
    active: bool


@dataclass
class Model:
    """A ticket as the machine believes it is."""

    id: int
    number: str
    filer: int
    enterprise: int
    state: str = State.DRAFT
    university: int | None = None
    expert: int | None = None
    universities: set[int] = field(default_factory=set)  # ever routed to
    experts: set[int] = field(default_factory=set)  # ever assigned to
    confidential: bool = False
    version: int = 1


def sees(person: Person, ticket: Model) -> bool:
    """Who sees what (DOMAIN.md), evaluated on the model."""
    if not person.active:
        return False
    if ticket.state == State.DRAFT:
        return ticket.filer == person.id
    return (
        "admin" in person.roles
        or ("commissioner" in person.roles and ticket.enterprise in person.enterprises)
        or (
            "liaison" in person.roles
            and person.university is not None
            and person.university in ticket.universities
        )
        or ("expert" in person.roles and person.id in ticket.experts)
    )


def holds(person: Person, who: Who, ticket: Model) -> bool:
    """The relations of the transition table, on the model."""
    commissioner = "commissioner" in person.roles and ticket.enterprise in person.enterprises
    if who is Who.FILER:
        return ticket.filer == person.id and ("admin" in person.roles or commissioner)
    if who is Who.ADMIN:
        return "admin" in person.roles
    if who is Who.COMMISSIONER:
        return commissioner
    if who is Who.LIAISON:
        return (
            "liaison" in person.roles
            and ticket.university is not None
            and ticket.university == person.university
        )
    if who is Who.EXPERT:
        return "expert" in person.roles and ticket.expert == person.id
    return False


def table_allows(person: Person, action: str, ticket: Model) -> bool:
    t = BY_ACTION[action]
    return (
        person.active
        and ticket.state in t.sources
        and any(holds(person, who, ticket) for who in t.who)
    )


def in_app(method: Any) -> Any:
    """Run a step in its own app context (its own session), as a request would: the HTTP
    rule signs people in with the test client, which must not share `g` with the steps."""

    @functools.wraps(method)
    def step(self: Work, *args: Any, **kwargs: Any) -> Any:
        with self.app.app_context():
            return method(self, *args, **kwargs)

    return step


class Work(RuleBasedStateMachine):
    """Set up per test by `machine_for` with the app and the test's connection."""

    app: Flask
    make: Factory

    def __init__(self) -> None:
        super().__init__()
        connection = self.app.extensions["ticketing.db"].factory.kw["bind"]
        self.savepoint = connection.begin_nested()
        self.world: World = self.make.world()
        with self.app.app_context():
            self._set_up()

    def _set_up(self) -> None:
        self.people: dict[str, Person] = {}
        for name in PEOPLE:
            user = db.session.get(User, getattr(self.world, name).id)
            self.people[name] = Person(
                user.id,
                user.login,
                frozenset(str(role) for role in user.roles),
                frozenset(user.enterprise_ids),
                user.university_id,
                bool(user.active),
            )
        self.universities = (self.world.u1.id, self.world.u2.id)
        self.experts = {p.id: p.university for p in self.people.values() if "expert" in p.roles}
        self.tickets: list[Model] = []
        self.browsers: dict[str, Browser] = {}
        self.performed = self.refused = 0
        # a few tickets to start with, brought along the usual path for real
        for path in ((), ("submit",), ("submit", "route", "assign_expert", "start")):
            ticket = self._file("commissioner_a")
            data = {
                "route": {"university_id": self.world.u1.id},
                "assign_expert": {"expert_id": self.world.expert_u1.id},
            }
            actors = {"submit": "commissioner_a", "route": "admin", "assign_expert": "liaison_u1"}
            for action in path:
                assert self._perform(
                    ticket, action, actors.get(action, "expert_u1"), data.get(action, {})
                )

    def teardown(self) -> None:
        self.savepoint.rollback()

    # ------------------------------------------------------------ helpers

    def _user(self, name: str) -> User:
        return db.session.get(User, self.people[name].id)

    def _file(self, filer: str) -> Model:
        person = self.people[filer]
        enterprise = min(person.enterprises) if person.enterprises else self.world.enterprise_a.id
        ticket = services.create_draft(
            self._user(filer),
            zone_code="CZ",
            title="数控机床主轴温升过高",
            description="连续加工两小时后主轴温度超过 70℃。",
            category="tech_upgrade",
            enterprise_id=enterprise,
        )
        db.session.commit()
        model = Model(ticket.id, ticket.number, person.id, enterprise, version=ticket.version)
        self.tickets.append(model)
        return model

    def _events(self) -> dict[int, int]:
        rows = db.session.execute(
            select(TicketEvent.ticket_id, func.count()).group_by(TicketEvent.ticket_id)
        )
        return dict(rows.all())

    def _row(self, model: Model) -> tuple[Any, ...]:
        db.session.expire_all()
        ticket = db.session.get(Ticket, model.id)
        return (
            ticket.state,
            ticket.version,
            ticket.university_id,
            ticket.expert_id,
            ticket.confidential,
        )

    def _attempt(self, model: Model, change: Any) -> bool:
        """Run `change(ticket)`; commit if it succeeds, roll back if a domain error refuses it.
        Checks the history and the version either way; returns whether it succeeded."""
        events, before = self._events(), self._row(model)
        try:
            result = change(db.session.get(Ticket, model.id))
            db.session.commit()
        except DomainError:
            db.session.rollback()
            self.refused += 1
            assert self._events() == events, "a refused change wrote history"
            assert self._row(model) == before, "a refused change changed the ticket"
            return False
        self.performed += 1
        after = self._events()
        grown = {k: after.get(k, 0) - events.get(k, 0) for k in after}
        wrote = 0 if result is None else 1  # set_confidential without a change: None
        assert sum(grown.values()) == wrote, f"{grown} events for one change"
        assert grown.get(model.id, 0) == wrote
        return True

    def _perform(self, model: Model, action: str, actor: str, data: dict[str, Any]) -> bool:
        person = self.people[actor]
        allowed = table_allows(person, action, model)
        old_version = self._row(model)[1]
        done = self._attempt(
            model, lambda ticket: transitions.perform(ticket, action, self._user(actor), **data)
        )
        if not allowed:
            assert not done, f"{action} by {actor} in {model.state} is not in the table"
        if not done:
            return False
        self._follow(model, action, data)
        version = self._row(model)[1]
        assert version == old_version + 1, f"{action}: version {old_version} → {version}"
        model.version = version
        return True

    def _follow(self, model: Model, action: str, data: dict[str, Any]) -> None:
        """The model's side of a transition that succeeded."""
        t = BY_ACTION[action]
        if action in ("route", "transfer"):
            model.university = data["university_id"]
            model.universities.add(data["university_id"])
            model.expert = None
        elif action == "return":
            model.university = None
        elif action in ("assign_expert", "reassign_expert"):
            model.expert = data["expert_id"]
            model.experts.add(data["expert_id"])
        elif action == "decline":
            model.expert = None
        if action in FOLLOWS:  # the state follows all the ticket's cooperations
            model.state = self._row(model)[0]
            assert model.state in STATES
        else:
            model.state = t.target

    def _data(self, action: str, draw: Any) -> dict[str, Any]:
        today = db.local_today()
        reason = {"reason": "测试原因"}
        choices: dict[str, Any] = {
            "route": lambda: {"university_id": draw(st.sampled_from(self.universities))},
            "transfer": lambda: {
                "university_id": draw(st.sampled_from(self.universities)),
                **reason,
            },
            "assign_expert": lambda: {"expert_id": draw(st.sampled_from(sorted(self.experts)))},
            "reassign_expert": lambda: {
                "expert_id": draw(st.sampled_from(sorted(self.experts))),
                **reason,
            },
            "resolve": lambda: {"resolution": "更换密封圈并调整工艺参数。"},
            "close": lambda: {"satisfaction": draw(st.integers(1, 5))},
            "record_intention": lambda: {
                "title": "联合研发项目",
                "cooperation_form": "joint_rd",
                "intention_date": today,
            },
            "sign_agreement": lambda: {
                "agreement_number": "HT-2026-001",
                "agreement_date": today,
                "amount": Decimal("35.5"),
            },
            "land": lambda: {
                "landed_date": today,
                "landing_description": "新产线投产",
                "economic_benefit": Decimal("120"),
            },
        }
        if action in choices:
            return choices[action]()
        if BY_ACTION[action].requires and "reason" in BY_ACTION[action].requires:
            return reason
        return {}

    # ------------------------------------------------------------ rules

    @precondition(lambda self: len(self.tickets) < 8)
    @rule(filer=st.sampled_from(FILERS))
    @in_app
    def file_a_ticket(self, filer: str) -> None:
        self._file(filer)

    @rule(
        actor=st.sampled_from(PEOPLE),
        which=st.integers(0, 50),
        action=st.sampled_from(ACTIONS),
        data=st.data(),
    )
    @in_app
    def act(self, actor: str, which: int, action: str, data: Any) -> None:
        model = self.tickets[which % len(self.tickets)]
        self._perform(model, action, actor, self._data(action, data.draw))

    @rule(
        actor=st.sampled_from(PEOPLE),
        which=st.integers(0, 50),
        action=st.sampled_from(ACTIONS),
        data=st.data(),
    )
    @in_app
    def act_as_the_table_allows(self, actor: str, which: int, action: str, data: Any) -> None:
        """The same, but up to three steps by actors and actions the table allows then, so
        that the tickets travel far through the workflow within a few steps."""
        model = self.tickets[which % len(self.tickets)]
        for _ in range(data.draw(st.integers(1, 3))):
            possible = [
                (name, t.action)
                for t in TRANSITIONS
                if not t.beside
                for name in PEOPLE
                if table_allows(self.people[name], t.action, model)
            ]
            if possible:
                actor, action = data.draw(st.sampled_from(possible))
            self._perform(model, action, actor, self._data(action, data.draw))

    @rule(which=st.integers(0, 50), data=st.data())
    @in_app
    def act_in_the_right_state_as_the_wrong_person(self, which: int, data: Any) -> None:
        """Every action the ticket's state allows, by everyone the table does not name for it
        (the refusals that matter most): each must be refused and change nothing."""
        model = self.tickets[which % len(self.tickets)]
        for t in TRANSITIONS:
            if t.beside or model.state not in t.sources:
                continue
            for name in PEOPLE:
                if not table_allows(self.people[name], t.action, model):
                    assert not self._perform(model, t.action, name, self._data(t.action, data.draw))

    @rule(actor=st.sampled_from(PEOPLE), which=st.integers(0, 50), internal=st.booleans())
    @in_app
    def comment(self, actor: str, which: int, internal: bool) -> None:
        model = self.tickets[which % len(self.tickets)]
        person = self.people[actor]
        old_version = self._row(model)[1]
        done = self._attempt(
            model,
            lambda ticket: services.add_comment(
                ticket, self._user(actor), body="请补充图纸。", internal=internal
            ),
        )
        if done:
            assert sees(person, model), f"{actor} commented on a ticket they cannot see"
            assert model.state not in TERMINAL, "a comment on a ticket that has ended"
        assert self._row(model)[1] == old_version, "a comment is no version step"

    @rule(actor=st.sampled_from(PEOPLE), which=st.integers(0, 50), mark=st.booleans())
    @in_app
    def mark_confidential(self, actor: str, which: int, mark: bool) -> None:
        model = self.tickets[which % len(self.tickets)]
        person = self.people[actor]
        may = (
            person.active
            and model.state not in TERMINAL
            and (model.state != State.DRAFT or holds(person, Who.FILER, model))
            and (holds(person, Who.FILER, model) or holds(person, Who.ADMIN, model))
        )
        old_version = self._row(model)[1]
        done = self._attempt(
            model,
            lambda ticket: services.set_confidential(ticket, self._user(actor), confidential=mark),
        )
        assert done == may, f"confidential by {actor} in {model.state}: {done}, expected {may}"
        if done and mark != model.confidential:
            model.confidential = mark
            assert self._row(model)[1] == old_version + 1
        else:
            assert self._row(model)[1] == old_version
        model.version = self._row(model)[1]

    @rule(actor=st.sampled_from(PEOPLE), which=st.integers(0, 50))
    def open_the_ticket_page(self, actor: str, which: int) -> None:
        model = self.tickets[which % len(self.tickets)]
        person = self.people[actor]
        browser = self._browser(actor)
        response = browser.get(f"/tickets/{model.number}")
        if not person.active:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif sees(person, model):
            assert response.status_code == 200, (actor, model.state, response.status_code)
            assert model.number in response.get_data(as_text=True)
        else:
            assert response.status_code == 404, (actor, model.state, response.status_code)

    def _browser(self, actor: str) -> Browser:
        if actor not in self.browsers:
            browser = Browser(self.app.test_client())
            if self.people[actor].active:
                browser.login(self.people[actor].login)
            self.browsers[actor] = browser
        return self.browsers[actor]

    # ------------------------------------------------------------ invariants

    @invariant()
    @in_app
    def tickets_are_where_the_model_says(self) -> None:
        db.session.expire_all()
        for model in self.tickets:
            state, version, university, expert, confidential = self._row(model)
            assert state in STATES
            assert (state, university, expert, confidential) == (
                model.state,
                model.university,
                model.expert,
                model.confidential,
            ), model.number
            assert version == model.version, f"{model.number}: version {version}"

    @invariant()
    @in_app
    def everybody_sees_what_the_rule_gives_them(self) -> None:
        ids = {model.id: model for model in self.tickets}
        for name, person in self.people.items():
            user = self._user(name)
            expected = {tid for tid, model in ids.items() if sees(person, model)}
            found = set(db.session.scalars(select(Ticket.id).where(visible_tickets(user))))
            assert found == expected, f"visible_tickets({name})"
            for tid in ids:
                assert can_view(user, db.session.get(Ticket, tid)) == (tid in expected)
            for queue in queues_for(user) if person.active else ():
                rows = list_queue(user, queue, Filters(), per_page=500).rows
                listed = {row.id for row in rows}
                words = list_queue(user, queue, Filters(q=SEARCH), per_page=500).rows
                assert {row.id for row in words} == listed, f"search in {queue.key} of {name}"
                assert listed <= expected, f"queue {queue.key} of {name} shows {listed - expected}"
                assert listed == {
                    tid for tid in expected if in_queue(queue.key, person, ids[tid])
                }, f"queue {queue.key} of {name}"


def in_queue(key: str, person: Person, ticket: Model) -> bool:
    """What each queue holds, by its description."""
    if key == "to_route":
        return ticket.state == State.SUBMITTED
    if key == "all":
        return True
    if key == "university":
        return ticket.university == person.university
    if key == "assigned":
        return ticket.expert == person.id
    if key == "mine":
        return ticket.enterprise in person.enterprises or ticket.state == State.DRAFT
    raise AssertionError(f"a queue the test does not know: {key}")


def test_random_work_keeps_history_versions_and_visibility(app: Flask, make: Factory) -> None:
    Work.app, Work.make = app, make
    run_state_machine_as_test(
        Work,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: minutes
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


def _internal_note(ticket: Ticket, admin: User, app: Flask) -> Any:
    return services.add_comment(ticket, admin, body="内部备注", internal=True)


def _internal_file(ticket: Ticket, admin: User, app: Flask) -> Any:
    return services.add_attachment(
        ticket,
        admin,
        stream=io.BytesIO(b"notes"),
        filename="notes.txt",
        folder=app.config["UPLOAD_FOLDER"],
        max_bytes=10**6,
        internal=True,
    )


def _confidential(ticket: Ticket, admin: User, app: Flask) -> Any:
    return services.set_confidential(ticket, admin, confidential=True)


@pytest.mark.parametrize("change", [_internal_note, _internal_file, _confidential])
def test_an_admin_cannot_write_on_a_draft_they_cannot_see(app, make, world, change) -> None:  # type: ignore[no-untyped-def]
    draft = make.ticket(world, "draft")
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        ticket = db.session.get(Ticket, draft.id)
        assert not can_view(admin, ticket)
        with pytest.raises(DomainError):
            change(ticket, admin, app)


def test_the_page_and_the_api_refuse_that_note_with_404(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    """The pages and the API refuse it too (they look the ticket up through the visibility
    rule first)."""
    draft = make.ticket(world, "draft")
    events = select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == draft.id)
    with app.app_context():
        before = db.session.scalar(events)
    admin = login(world.admin)
    url = f"/tickets/{draft.number}/comments"
    response = admin.post(url, {"body": "内部备注", "internal": "y"}, token_from="/account")
    assert response.status_code == 404
    api = ApiClient(app, token_for(app, world.admin))
    answer = api.post(
        f"/api/v1/tickets/{draft.number}/comments", json={"body": "x", "internal": True}
    )
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.scalar(events) == before
