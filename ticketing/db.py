"""Engine, one session per app context, SQLite pragmas, the declarative Base and the clock."""

from __future__ import annotations

import contextvars
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_frozen_now: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "frozen_now", default=None
)
_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("reading", default=False)


ZONE_TIME = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    """Today's date where the zone is (Asia/Shanghai), whatever the server's clock zone."""
    return utcnow().astimezone(ZONE_TIME).date()


def utcnow() -> datetime:
    """The current time in UTC; `frozen_clock` overrides it (demo data, tests)."""
    return _frozen_now.get() or datetime.now(UTC)


@contextmanager
def frozen_clock(moment: datetime) -> Iterator[None]:
    token = _frozen_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen_now.reset(token)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


def make_engine(url: str, sqlite_synchronous: str = "FULL") -> Engine:
    """Create the engine; on SQLite set WAL, foreign keys, a busy timeout and up-front locks."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN (needed for savepoints and IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock when they start, so they wait their turn (busy_timeout)
        # instead of failing later with "database is locked" on the read→write upgrade.
        read_only = _reading.get() or (has_request_context() and request.method in SAFE_METHODS)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside only read: on SQLite they take no write lock.

    For a write request that must first do slow work on what it read (verifying a password),
    read inside, end the read with `session.commit()`, then do the slow work and the writes.
    """
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def remove_on_rollback(path: Path) -> None:
    """Delete `path` if the current transaction rolls back (a stored upload, say)."""
    session.info.setdefault("files_to_remove", []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_files(db_session: Session) -> None:
    db_session.info.pop("files_to_remove", None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_files(db_session: Session, _previous: Any) -> None:
    for path in db_session.info.pop("files_to_remove", []):
        path.unlink(missing_ok=True)


class DatabaseState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory = sessionmaker(bind=engine, expire_on_commit=False)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config["SQLITE_SYNCHRONOUS"])
    app.extensions["ticketing.db"] = DatabaseState(engine)
    app.teardown_appcontext(_close_session)
    if app.config["SQL_STATS"]:
        _count_statements(app, engine)


def _count_statements(app: Flask, engine: Engine) -> None:
    """SQL_STATS=1 (benchmarks): each response says how many statements it ran and how long
    they took, in the X-SQL-Statements and X-SQL-Time-Ms headers."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(
        _conn: Any, _cursor: Any, _statement: Any, _params: Any, context: Any, _many: Any
    ) -> None:
        context._started = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(
        _conn: Any, _cursor: Any, _statement: Any, _params: Any, context: Any, _many: Any
    ) -> None:
        if has_request_context():
            g.sql_statements = g.get("sql_statements", 0) + 1
            g.sql_seconds = g.get("sql_seconds", 0.0) + time.perf_counter() - context._started

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        response.headers["X-SQL-Time-Ms"] = f"{g.get('sql_seconds', 0.0) * 1000:.2f}"
        return response


def state() -> DatabaseState:
    return current_app.extensions["ticketing.db"]


def _get_session() -> Session:
    if "db_session" not in g:
        g.db_session = state().factory()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


session: Session = LocalProxy(_get_session)  # type: ignore[assignment]


def rows(statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """Rows of a Core statement, run on the session's connection without the ORM's work
    (for lists read as plain rows, not objects: in the same transaction as the rest)."""
    return list(session.connection().execute(statement, params or {}))


def dialect_name() -> str:
    return state().engine.dialect.name


def one_at_a_time(job: str) -> None:
    """Let one process at a time, on any machine, run `job` until this transaction ends.

    On PostgreSQL a transaction-level advisory lock: a second run of the job (the same timer
    on another app server) waits for the first to commit, then finds its work done. SQLite
    needs nothing: BEGIN IMMEDIATE already admits one writer at a time."""
    if dialect_name() == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(job.encode())}
        )
