"""Test fixtures: one migrated database per run (SQLite, or PostgreSQL with TEST_DB=postgresql),
and a transaction per test that is rolled back at the end (SQLAlchemy's savepoint recipe)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from tests.factories import Factory
from ticketing import create_app, db
from ticketing.cli import alembic_config

USE_POSTGRES = os.environ.get("TEST_DB") == "postgresql"


def pytest_report_header() -> str:
    return (
        f"database: {'PostgreSQL ' + os.environ['TEST_DATABASE_URL'] if USE_POSTGRES else 'SQLite'}"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_transaction: the test commits for real")


def reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if USE_POSTGRES:
        url = os.environ["TEST_DATABASE_URL"]
        reset_postgres(url)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    command.upgrade(alembic_config(url), "head")
    return url


def app_config(database_url: str, folder: Path) -> dict[str, object]:
    return {
        "ENV": "testing",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_FAST": True,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "RATELIMIT_ENABLED": False,
        "MAX_ATTACHMENT_MB": 1,
    }


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app(app_config(database_url, tmp_path_factory.mktemp("instance")))


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    if request.node.get_closest_marker("no_transaction"):
        yield
        return
    state = app.extensions["ticketing.db"]
    connection = state.engine.connect()
    outer = connection.begin()
    state.factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        state.factory.configure(bind=state.engine, join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that call services directly (no HTTP in the same test)."""
    with app.app_context():
        yield


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


@pytest.fixture
def world(make: Factory):  # type: ignore[no-untyped-def]
    return make.world()


class Browser:
    """The test client with CSRF on: reads the token from the page like a browser does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)

    def token(self, url: str = "/login") -> str:
        page = self.client.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url: str, data: dict | None = None, token_from: str = "/login", **kwargs):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.client.post(url, data=data, **kwargs)

    def login(self, login: str, password: str = "secret-pass-1") -> None:
        response = self.post("/login", {"login": login, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def logout(self) -> None:
        self.post("/logout", token_from="/account")


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def login(app: Flask):  # type: ignore[no-untyped-def]
    """login(user) -> a Browser signed in as that user."""

    def _login(user) -> Browser:  # type: ignore[no-untyped-def]
        client = Browser(app.test_client())
        client.login(user.login)
        return client

    return _login


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: object) -> None:
        self.count += 1


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    engine = app.extensions["ticketing.db"].engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


__all__ = ["db"]
