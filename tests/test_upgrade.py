"""A database made by the first release, with its demo loaded, upgrades to this release with
`flask migrate` and every row intact, and the product works on it.

The fixtures in tests/data were made by the first release's own code (commit a5171c8, schema
revision 0001; tests/data/README.md says how), on SQLite and on PostgreSQL. Each run loads the
one for its database into a fresh database, reads every row, upgrades as an administrator
would, and compares."""

from __future__ import annotations

import gzip
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import USE_POSTGRES, app_config
from tests.helpers import hidden_value, scratch_postgres
from ticketing import create_app

pytestmark = pytest.mark.no_transaction

DATA = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "demo-pass-2026"  # the first release's demo accounts

# Columns a migration changed on purpose, with the reason; the value after the upgrade is
# checked by the function given (old row, new row) instead of being equal.
CHANGED: dict[tuple[str, str], tuple[str, Any]] = {
    ("ticket", "due_at"): (
        "0012 counts a running step's time target in working days (weekends and public "
        "holidays off) from when the step started, instead of calendar days: never sooner",
        lambda old, new: (
            new["due_at"] == old["due_at"]
            if new["state"] not in RUNNING or old["due_at"] is None
            else _when(new["due_at"]) >= _when(old["due_at"])
            and _when(new["due_at"]) > _when(new["step_started_at"])
        ),
    ),
}
RUNNING = ("submitted", "university_assigned", "expert_assigned", "in_progress")


def _when(value: Any) -> datetime:
    """A time as either database returns it (SQLite: text), in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _load(url: str) -> None:
    if USE_POSTGRES:
        script = gzip.decompress((DATA / "release-1-demo.postgresql.sql.gz").read_bytes()).decode()
        # psql's own meta-commands (\restrict …) are not SQL
        script = "\n".join(line for line in script.splitlines() if not line.startswith("\\"))
        engine = create_engine(url)
        raw = engine.raw_connection()
        try:
            raw.cursor().execute(script)  # no parameters: the % in the data stay as they are
            raw.commit()
        finally:
            raw.close()
            engine.dispose()
    else:
        script = gzip.decompress((DATA / "release-1-demo.sqlite.sql.gz").read_bytes()).decode()
        connection = sqlite3.connect(make_url(url).database)
        connection.executescript(script)
        connection.close()


@pytest.fixture
def first_release(tmp_path: Path) -> Iterator[str]:
    """A new database holding what the first release made: its schema and its demo."""
    if USE_POSTGRES:
        with scratch_postgres("upgrade") as url:
            _load(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path / 'first-release.sqlite'}"
        _load(url)
        yield url


def _rows(url: str) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every table's rows by primary key, each row as {column: value}."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            schema = inspect(connection)
            tables = {}
            for name in schema.get_table_names():
                if name.startswith("sqlite_") or name.startswith("ticket_search_"):
                    continue  # the search index's own storage, rebuilt by its migration
                keys = schema.get_pk_constraint(name)["constrained_columns"]
                result = connection.execute(text(f'SELECT * FROM "{name}"')).mappings()
                tables[name] = {
                    tuple(row[k] for k in keys) if keys else tuple(row.values()): dict(row)
                    for row in result
                }
            return tables
    finally:
        engine.dispose()


def _sign_in(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    signed = client.post(
        "/login",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "login": login,
            "password": DEMO_PASSWORD,
        },
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)[:400]
    return client


def test_the_first_release_with_its_demo_upgrades_with_every_row_intact(
    first_release: str, tmp_path: Path
) -> None:
    before = _rows(first_release)
    assert before["alembic_version"] == {("0001",): {"version_num": "0001"}}
    assert len(before["ticket"]) == 175 and len(before["ticket_event"]) > 1000

    app = create_app(app_config(first_release, tmp_path))
    upgraded = app.test_cli_runner().invoke(args=["migrate"])
    assert upgraded.exit_code == 0, upgraded.output
    assert re.search(r"from revision 0001 to \d{4}", upgraded.output), upgraded.output

    after = _rows(first_release)
    for table, rows in before.items():
        if table == "alembic_version":
            continue
        assert table in after, f"table {table} is gone"
        assert len(after[table]) >= len(rows), f"table {table} lost rows"
        for key, old in rows.items():
            new = after[table].get(key)
            assert new is not None, f"{table} {key} is gone"
            for column, value in old.items():
                if column not in new:
                    continue
                reason = CHANGED.get((table, column))
                if reason is not None:
                    assert reason[1](old, new), f"{table}.{column} {key}: {reason[0]}"
                    continue
                assert new[column] == value, f"{table}.{column} {key}: {value!r} → {new[column]!r}"

    # the product works on the upgraded data
    admin = _sign_in(app, "admin")
    assert admin.get("/").status_code == 200
    assert admin.get("/queue/all").status_code == 200
    number = next(row["number"] for row in after["ticket"].values() if row["state"] == "submitted")
    page = admin.get(f"/tickets/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    university = re.search(r'name="route-university_id".*?<option value="(\d+)"', html, re.S)
    assert university, "the route form offers the universities"
    routed = admin.post(
        f"/tickets/{number}/act/route",
        data={
            "route-csrf_token": hidden_value(html, "route-csrf_token"),
            "route-version": hidden_value(html, "route-version"),
            "route-university_id": university.group(1),
        },
    )
    assert routed.status_code in (302, 303), routed.get_data(as_text=True)[:400]
    engine = create_engine(first_release)
    with engine.connect() as connection:
        state = connection.scalar(text("SELECT state FROM ticket WHERE number = :n"), {"n": number})
    engine.dispose()
    assert state == "university_assigned"

    commissioner = _sign_in(app, "commissioner")
    assert commissioner.get("/queue/mine").status_code == 200
    mine = commissioner.get("/queue/mine").get_data(as_text=True)
    theirs = re.search(r'href="/tickets/([A-Z]+-\d{4}-\d+)"', mine)
    assert theirs and commissioner.get(f"/tickets/{theirs.group(1)}").status_code == 200
