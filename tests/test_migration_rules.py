"""The rules of docs/migrations.md that a machine can check, applied to every revision after
0018 (the ones before were reviewed by hand: docs/migrations.md, "The revisions so far"), and
the lock timeout every migration runs under on PostgreSQL.

A rule may be broken on purpose with a comment on the call's line:
`# migration-rules: allow <rule> (why)`."""

from __future__ import annotations

import ast
import os
import re
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.conftest import USE_POSTGRES
from tests.helpers import scratch_postgres
from ticketing.cli import alembic_config

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
REVIEWED_UP_TO = "0018"
# the tables that grow with the tickets (millions of rows in a province's database)
BIG = {
    "ticket", "ticket_event", "ticket_search", "comment", "visit", "attachment", "outcome",
    "notification", "outbox", "security_event", "sign_in", "ticket_university",
    "ticket_expert", "place_duration_tally", "reach_tally",
}  # fmt: skip


def _text(node: ast.AST | None) -> str:
    return ast.unparse(node) if node is not None else ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _table(call: ast.Call, position: int, keyword: str = "table_name") -> str:
    value = _keyword(call, keyword)
    if value is None and len(call.args) > position:
        value = call.args[position]
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else ""


def _inside_autocommit(call: ast.Call, parents: dict[ast.AST, ast.AST]) -> bool:
    node: ast.AST | None = call
    while node is not None:
        if isinstance(node, ast.With) and any(
            "autocommit_block" in _text(item.context_expr) for item in node.items
        ):
            return True
        node = parents.get(node)
    return False


def problems(source: str) -> list[str]:
    """The rules a migration's source breaks, one line each ("line N: rule: what")."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = source.splitlines()
    created = {  # a table made in the same revision is empty: its indexes cost nothing
        _table(call, 0)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "create_table"
    }
    found = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        if not isinstance(call.func, ast.Attribute):
            continue
        name = call.func.attr
        line = lines[call.lineno - 1]
        broken: list[tuple[str, str]] = []
        if name == "create_index":
            table = _table(call, 1)
            concurrently = _text(_keyword(call, "postgresql_concurrently")) == "True"
            quick = table in created or (concurrently and _inside_autocommit(call, parents))
            if table in BIG and not quick:
                broken.append(
                    ("index-concurrently", f"an index on {table} is built while writes wait")
                )
        elif name == "add_column":
            column = call.args[1] if len(call.args) > 1 else None
            if isinstance(column, ast.Call):
                not_null = _text(_keyword(column, "nullable")) == "False"
                if not_null and _keyword(column, "server_default") is None:
                    broken.append(
                        ("not-null-default", "a NOT NULL column without a server default")
                    )
        elif name == "alter_column":
            table = _table(call, 0)
            if table in BIG and _text(_keyword(call, "nullable")) == "False":
                broken.append(
                    ("not-null-check", f"SET NOT NULL on {table} scans it under a full lock")
                )
            if table in BIG and _keyword(call, "type_") is not None:
                broken.append(("no-rewrite", f"a type change rewrites {table}"))
        elif name == "execute" and call.args:
            statement = _text(call.args[0])
            match = re.search(r"\bUPDATE\s+\"?(\w+)", statement, re.I)
            if match and match.group(1) in BIG:
                broken.append(("batched-backfill", f"one UPDATE of all {match.group(1)}"))
        for rule, what in broken:
            if f"migration-rules: allow {rule}" not in line:
                found.append(f"line {call.lineno}: {rule}: {what}")
    return found


def _revision(path: Path) -> str:
    match = re.search(r'^revision = "(\d+)"', path.read_text(), re.M)
    return match.group(1) if match else ""


def test_every_revision_after_the_reviewed_ones_keeps_the_rules() -> None:
    newer = [p for p in sorted(VERSIONS.glob("*.py")) if _revision(p) > REVIEWED_UP_TO]
    broken = {p.name: found for p in newer if (found := problems(p.read_text()))}
    assert broken == {}, f"see docs/migrations.md: {broken}"


def test_the_reviewed_revisions_are_the_ones_before() -> None:
    revisions = sorted(_revision(p) for p in VERSIONS.glob("*.py"))
    assert revisions[: int(REVIEWED_UP_TO)] == [f"{n:04d}" for n in range(1, 19)]


CLEAN = """
def upgrade():
    op.add_column("ticket", sa.Column("source", sa.String(20), nullable=True))
    op.add_column("ticket", sa.Column("channel", sa.String(10), nullable=False,
                  server_default="web"))
    with op.get_context().autocommit_block():
        op.create_index("ix_ticket_source", "ticket", ["source"], postgresql_concurrently=True)
    op.create_index("ix_zone_code", "zone", ["code"])
    op.alter_column("zone", "name", nullable=False)
    op.execute("UPDATE zone SET active = true")
"""


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ('    op.create_index("ix_t", "ticket", ["source"])', "index-concurrently"),
        (
            '    op.create_index("ix_t", "ticket_event", ["at"], postgresql_concurrently=True)',
            "index-concurrently",  # outside the autocommit block: still in the transaction
        ),
        (
            '    op.add_column("zone", sa.Column("n", sa.Integer(), nullable=False))',
            "not-null-default",
        ),
        ('    op.alter_column("ticket", "source", nullable=False)', "not-null-check"),
        ('    op.alter_column("comment", "body", type_=sa.Text())', "no-rewrite"),
        ("    op.execute(\"UPDATE ticket SET source = 'web'\")", "batched-backfill"),
    ],
)
def test_the_checker_sees_each_rule_broken(source: str, rule: str) -> None:
    found = problems(f"def upgrade():\n{source}\n")
    assert [f.split(": ")[1] for f in found] == [rule]
    allowed = problems(f"def upgrade():\n{source}  # migration-rules: allow {rule} (tiny table)\n")
    assert allowed == []


def test_the_checker_passes_a_migration_that_keeps_the_rules() -> None:
    assert problems(CLEAN) == []


@pytest.mark.skipif(not USE_POSTGRES, reason="lock_timeout is PostgreSQL's")
def test_a_migration_waiting_for_a_lock_gives_up_instead_of_stopping_the_site() -> None:
    with scratch_postgres("locks") as rendered:
        _gives_up(rendered)


def _gives_up(rendered: str) -> None:
    holder = create_engine(rendered)
    try:
        command.upgrade(alembic_config(rendered), "0017")
        with holder.connect() as long_transaction:
            # a long report holding the people's table, as a busy site's transactions do;
            # 0018 needs a lock on it to refer to it
            long_transaction.execute(text('LOCK TABLE "user" IN ACCESS SHARE MODE'))
            long_transaction.execute(text('LOCK TABLE "user" IN EXCLUSIVE MODE'))
            started = time.monotonic()
            os.environ["MIGRATION_LOCK_TIMEOUT"] = "1s"
            try:
                with pytest.raises(OperationalError, match="lock timeout"):
                    command.upgrade(alembic_config(rendered), "0018")
            finally:
                del os.environ["MIGRATION_LOCK_TIMEOUT"]
            assert time.monotonic() - started < 20
            long_transaction.rollback()
        with holder.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0017"
        command.upgrade(alembic_config(rendered), "0018")  # once the lock is gone, it runs
    finally:
        holder.dispose()
