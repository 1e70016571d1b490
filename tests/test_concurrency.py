"""Concurrent writers on a database of their own: ticket numbers stay unique, and of many
people acting on one ticket at once exactly one succeeds (the rest are told to reload)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic import command
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session

from tests.conftest import USE_POSTGRES, app_config
from tests.factories import PASSWORD, Factory
from ticketing import create_app, db, writes
from ticketing.accounts import services as account_services
from ticketing.accounts.models import User
from ticketing.cli import alembic_config
from ticketing.errors import DomainError
from ticketing.orgs import services as org_services
from ticketing.tickets import services, transitions
from ticketing.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.no_transaction
THREADS = 12


def _other_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def own_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("concurrency")
    if USE_POSTGRES:
        server = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS ticketing_concurrency"))
            connection.execute(text("CREATE DATABASE ticketing_concurrency"))
        url = _other_database(os.environ["TEST_DATABASE_URL"], "ticketing_concurrency")
    else:
        url = "sqlite:///" + str(folder / "concurrency.sqlite")
    command.upgrade(alembic_config(url), "head")
    app = create_app(app_config(url, folder))
    yield app
    app.extensions["ticketing.db"].engine.dispose()
    if USE_POSTGRES:
        with server.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS ticketing_concurrency"))
        server.dispose()


def _run_together(count: int, work) -> list[str]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def runner(index: int) -> None:
        barrier.wait()
        try:
            result = work(index)
        except DomainError as error:
            result = type(error).__name__
        except Exception as error:  # noqa: BLE001 - counted, and the test fails on it
            result = f"unexpected {type(error).__name__}: {error}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_ticket_numbers_are_unique_under_concurrency(own_app: Flask) -> None:
    world = Factory(own_app).world()

    def file_one(index: int) -> str:
        with own_app.app_context():
            filer = db.session.get(User, world.commissioner_a.id)
            ticket = services.create_draft(
                filer,
                zone_code="CZ",
                title=f"并发问题{index}",
                description="描述",
                category="management",
                enterprise_id=world.enterprise_a.id,
            )
            db.session.commit()
            return ticket.number

    numbers = _run_together(THREADS, file_one)
    assert all(n.startswith("CZ-") for n in numbers), numbers
    assert len(set(numbers)) == THREADS
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(serials[0], serials[0] + THREADS))


def test_one_of_many_concurrent_assignments_wins(own_app: Flask) -> None:
    make = Factory(own_app)
    world = make.world()
    experts = [make.user("expert", university=world.u1) for _ in range(THREADS)]
    ticket = make.ticket(world, "university_assigned")
    version = ticket.version

    def assign(index: int) -> str:
        with own_app.app_context():
            liaison = db.session.get(User, world.liaison_u1.id)
            mine = db.session.get(Ticket, ticket.id)
            transitions.perform(
                mine,
                "assign_expert",
                liaison,
                expected_version=version,
                expert_id=experts[index].id,
            )
            db.session.commit()
            return "assigned"

    outcomes = Counter(_run_together(THREADS, assign))
    assert outcomes["assigned"] == 1, outcomes
    assert set(outcomes) <= {"assigned", "StaleTicket", "InvalidTransition"}, outcomes
    with own_app.app_context():
        stored = db.session.get(Ticket, ticket.id)
        assert stored.state == "expert_assigned" and stored.version == version + 1
        events = db.session.scalar(
            select(func.count(TicketEvent.id)).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.action == "assign_expert"
            )
        )
        assert events == 1


def test_an_expert_at_capacity_is_not_assigned_twice_at_once(own_app: Flask) -> None:
    """Several liaisons assign one expert with room for one more ticket, at the same instant,
    to different tickets: exactly one assignment holds."""
    make = Factory(own_app)
    world = make.world()
    busy = make.user("expert", university=world.u1, capacity=1)
    tickets = [make.ticket(world, "university_assigned") for _ in range(THREADS)]

    def assign(index: int) -> str:
        with own_app.app_context():
            liaison = db.session.get(User, world.liaison_u1.id)
            ticket = db.session.get(Ticket, tickets[index].id)
            transitions.perform(ticket, "assign_expert", liaison, expert_id=busy.id)
            db.session.commit()
            return "assigned"

    outcomes = Counter(_run_together(THREADS, assign))
    assert outcomes == {"assigned": 1, "RuleViolation": THREADS - 1}, outcomes
    with own_app.app_context():
        held = db.session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.expert_id == busy.id, Ticket.state == "expert_assigned"
            )
        )
        assert held == 1


def test_the_same_name_saved_at_the_same_instant_is_a_message(own_app: Flask) -> None:
    """Two administrators create one university at once: one is saved, the other is told the
    name is taken (on PostgreSQL both pass the check before either writes)."""
    world = Factory(own_app).world()
    arrived = threading.Barrier(2, timeout=5)

    def wait_for_the_other(_session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
        # SQLite: the other writer waits for the lock, so it cannot arrive
        with contextlib.suppress(threading.BrokenBarrierError):
            arrived.wait()

    event.listen(Session, "before_flush", wait_for_the_other)
    try:

        def create(_index: int) -> str:
            with own_app.app_context():
                admin = db.session.get(User, world.admin.id)
                writes.run(lambda: org_services.save_university(None, admin, name="并发大学"))
                return "saved"

        outcomes = Counter(_run_together(2, create))
    finally:
        event.remove(Session, "before_flush", wait_for_the_other)
    assert outcomes == {"saved": 1, "RuleViolation": 1}, outcomes


def test_sign_in_holds_no_lock_while_the_password_is_checked(own_app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Verifying a password is slow on purpose; meanwhile other requests must be able to write."""
    world = Factory(own_app).world()
    seen: list[tuple[bool, bool]] = []

    class Watching(PasswordHasher):
        def verify(self, hash, password):  # type: ignore[no-untyped-def]  # noqa: A002
            seen.append((db.session.in_transaction(), _another_writer_can_start(own_app)))
            return super().verify(hash, password)

    watching = Watching(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(account_services, "_FAST", watching)
    client = own_app.test_client()
    own_app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post("/login", data={"login": world.admin.login, "password": PASSWORD})
    finally:
        own_app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 302
    assert seen == [(False, True)]


def _another_writer_can_start(app: Flask) -> bool:
    """Whether a second connection can begin writing right now, without waiting."""
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA busy_timeout=0")
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.exec_driver_sql("ROLLBACK")
            else:
                connection.exec_driver_sql("SET lock_timeout = '50ms'")
                connection.exec_driver_sql('LOCK TABLE "user" IN ROW EXCLUSIVE MODE')
                connection.rollback()
        return True
    except Exception:  # noqa: BLE001 - any refusal means the writer would have to wait
        return False
    finally:
        engine.dispose()
