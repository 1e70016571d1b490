"""Alembic environment: runs against DATABASE_URL (or the URL the caller set)."""

from __future__ import annotations

import os
import re

from alembic import context
from sqlalchemy import engine_from_config, pool

import ticketing.accounts.models  # noqa: F401 - register the tables
import ticketing.api.models  # noqa: F401
import ticketing.audit.models  # noqa: F401
import ticketing.campaigns.models  # noqa: F401
import ticketing.challenges.models  # noqa: F401
import ticketing.fairs.models  # noqa: F401
import ticketing.notify.models  # noqa: F401
import ticketing.orgs.models  # noqa: F401
import ticketing.outcomes.models  # noqa: F401
import ticketing.reports.models  # noqa: F401
import ticketing.routing.models  # noqa: F401
import ticketing.search.models  # noqa: F401
import ticketing.tickets.models  # noqa: F401
import ticketing.worktime.models  # noqa: F401
from ticketing.db import Base, make_engine
from ticketing.search.index import TABLE as SEARCH_TABLE

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, kind, reflected, compare_to):  # type: ignore[no-untyped-def]
    """The search index is kept by hand (a tsvector, or an FTS5 table and its shadows)."""
    return not (kind == "table" and name and name.startswith(SEARCH_TABLE))


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from ticketing import create_app

    return create_app().config["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        literal_binds=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = _url()
    engine = (
        make_engine(url)
        if url.startswith("sqlite")
        else engine_from_config(
            {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
        )
    )
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _lock_timeout(connection) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL a migration waits at most MIGRATION_LOCK_TIMEOUT (default 5s) for a lock.

    A statement that needs a table's lock queues behind a long transaction, and every request
    touching that table queues behind the statement: the site stops. With the timeout the
    migration fails at once instead, rolled back whole, and can be run again
    (docs/migrations.md)."""
    if connection.dialect.name != "postgresql":
        return
    value = os.environ.get("MIGRATION_LOCK_TIMEOUT", "5s")
    if not re.fullmatch(r"\d+(ms|s|min)?", value):
        raise RuntimeError(f"MIGRATION_LOCK_TIMEOUT must be like 5s, 500ms or 1min, not {value!r}")
    outside = not connection.in_transaction()
    connection.exec_driver_sql(f"SET {'' if outside else 'LOCAL '}lock_timeout = '{value}'")
    if outside:
        connection.commit()  # the setting stays for the session; the migration's own
        # transaction begins below


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    _lock_timeout(connection)
    # A batch migration on SQLite copies a table that others refer to, and a downgrade drops
    # tables with rows: foreign keys are checked once at the end instead of on every step.
    # The pragma only works outside a transaction, so it goes straight to the driver.
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        driver = connection.connection.driver_connection
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        driver.execute("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
