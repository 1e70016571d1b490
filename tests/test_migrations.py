"""The migrations build the schema the models describe, and go down and up again."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import CheckConstraint, UniqueConstraint, inspect, text

from ticketing.cli import alembic_config
from ticketing.db import Base
from ticketing.search.index import TABLE as SEARCH_TABLE


def test_single_head(database_url) -> None:  # type: ignore[no-untyped-def]
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    assert len(heads) == 1


@pytest.mark.no_transaction
def test_no_drift_between_models_and_migrations(database_url) -> None:  # type: ignore[no-untyped-def]
    try:
        command.check(alembic_config(database_url))
    except CommandError as drift:  # pragma: no cover - the message is the diagnosis
        pytest.fail(f"models and migrations differ: {drift}")


@pytest.mark.no_transaction
def test_down_and_up_again(database_url, app) -> None:  # type: ignore[no-untyped-def]
    config = alembic_config(database_url)
    app.extensions["ticketing.db"].engine.dispose()
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


def test_test_database_is_the_one_asked_for(database_url) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("TEST_DB") == "postgresql":
        assert database_url.startswith("postgresql")
    else:
        assert database_url.startswith("sqlite")


def _catalog_indexes(connection, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Every index the database holds for `table`, expression indexes included (the
    inspector and autogenerate skip those on SQLite), less those behind constraints."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                "AND name NOT LIKE 'sqlite_autoindex%'"
            ),
            {"t": table},
        )
        return {row[0] for row in rows}
    rows = connection.execute(
        text(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = :t AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        ),
        {"t": table},
    )
    return {row[0] for row in rows}


def _check_name(table: str, name: str) -> str:
    """The name the naming convention gives a CHECK constraint in the database."""
    return name if name.startswith("ck_") else f"ck_{table}_{name}"


@pytest.mark.no_transaction
def test_every_constraint_and_index_of_the_models_is_in_the_database(app) -> None:  # type: ignore[no-untyped-def]
    """Names of indexes (expression ones too), unique and CHECK constraints agree table by
    table: what autogenerate's comparison cannot see on every database."""
    engine = app.extensions["ticketing.db"].engine
    differences = []
    with engine.connect() as connection:
        inspector = inspect(connection)
        kept_by_hand = {n for n in inspector.get_table_names() if n.startswith(SEARCH_TABLE)}
        tables = set(inspector.get_table_names()) - {"alembic_version"} - kept_by_hand
        assert tables == set(Base.metadata.tables)
        assert SEARCH_TABLE in kept_by_hand
        for name, table in Base.metadata.tables.items():
            wanted = {
                "index": {str(ix.name) for ix in table.indexes},
                "unique": {
                    str(c.name) for c in table.constraints if isinstance(c, UniqueConstraint)
                },
                "check": {
                    _check_name(name, str(c.name))
                    for c in table.constraints
                    if isinstance(c, CheckConstraint)
                },
            }
            found = {
                "index": _catalog_indexes(connection, name),
                "unique": {str(c["name"]) for c in inspector.get_unique_constraints(name)},
                "check": {str(c["name"]) for c in inspector.get_check_constraints(name)},
            }
            for kind in wanted:
                if wanted[kind] != found[kind]:
                    differences.append((name, kind, wanted[kind] ^ found[kind]))
    assert differences == []
