"""`/healthz`: the process answers. `/readyz`: it can serve: the database answers, its schema
is at the newest migration, and Redis answers when the throttling counters live there.
Both are open to anyone (a load balancer does not sign in) and say nothing secret."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ticketing import db
from ticketing.cli import alembic_config
from ticketing.web import limiter

bp = Blueprint("health", __name__)


def _head() -> str | None:
    """The newest migration this code knows (read once)."""
    known = current_app.extensions.get("ticketing.migration_head")
    if known is None:
        known = ScriptDirectory.from_config(alembic_config()).get_current_head()
        current_app.extensions["ticketing.migration_head"] = known
    return known


@bp.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
@limiter.exempt
def readyz() -> ResponseReturnValue:
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current = MigrationContext.configure(db.session.connection()).get_current_revision()
        head = _head()
        checks["migrations"] = "ok" if current == head else f"at {current}, newest is {head}"
    except SQLAlchemyError:
        db.session.rollback()
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    finally:
        db.session.rollback()
    if str(current_app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss")):
        try:
            checks["redis"] = "ok" if limiter.storage.check() else "unreachable"
        except Exception:  # a dead Redis may raise instead of answering False
            checks["redis"] = "unreachable"
    else:
        checks["redis"] = "not used"
    ready = all(value in ("ok", "not used") for value in checks.values())
    return _answer(
        {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
    )


def _answer(body: dict[str, object], status: int) -> ResponseReturnValue:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
