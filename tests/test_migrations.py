"""The migrations build the schema the models describe, and go down and up again."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from ticketing.cli import alembic_config


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
