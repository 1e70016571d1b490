"""/healthz and /readyz for load balancers, and `flask db-status`."""

from __future__ import annotations

from alembic import command

from tests.conftest import app_config
from ticketing import create_app
from ticketing.cli import alembic_config
from ticketing.health import views as health


def test_healthz_answers_without_signing_in(browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_checks_the_database_and_its_migrations(browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not used"},
    }


def test_readyz_says_when_migrations_are_waiting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = "sqlite:///" + str(tmp_path / "behind.sqlite")
    command.upgrade(alembic_config(url), "0017")
    app = create_app(app_config(url, tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"] == "at 0017, newest is 0018"
    runner = app.test_cli_runner()
    behind = runner.invoke(args=["db-status"])
    assert behind.exit_code == 1 and "to run: 0018" in behind.output
    command.upgrade(alembic_config(url), "head")
    assert app.test_client().get("/readyz").status_code == 200
    current = runner.invoke(args=["db-status"])
    assert current.exit_code == 0 and "Up to date." in current.output


class _Storage:
    def __init__(self, answer: bool | Exception) -> None:
        self.answer = answer

    def check(self) -> bool:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class _Limiter:
    def __init__(self, answer: bool | Exception) -> None:
        self.storage = _Storage(answer)


def test_readyz_checks_redis_when_the_counters_live_there(app, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    monkeypatch.setattr(health, "limiter", _Limiter(True))
    assert browser.get("/readyz").get_json()["checks"]["redis"] == "ok"
    for down in (False, ConnectionError("refused")):
        monkeypatch.setattr(health, "limiter", _Limiter(down))
        response = browser.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["redis"] == "unreachable"
