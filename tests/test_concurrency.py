"""Concurrent writers on a database of their own: ticket numbers stay unique, and of many
people acting on one ticket at once exactly one succeeds (the rest are told to reload)."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from tests.conftest import USE_POSTGRES, app_config
from tests.factories import Factory
from ticketing import create_app, db
from ticketing.accounts.models import User
from ticketing.cli import alembic_config
from ticketing.errors import DomainError
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
