"""`flask check-deploy` refuses the settings a production site must not run with and says how
to fix each; a well-set site passes."""

from __future__ import annotations

from tests.conftest import app_config
from ticketing import create_app, db
from ticketing.accounts.models import User

GOOD = {
    "ENV": "production",
    "SECRET_KEY": "a-long-random-production-secret-of-40-bytes",
    "TRUSTED_HOSTS": ["tickets.example.cn"],
    "BASE_URL": "https://tickets.example.cn",
    "TRUSTED_PROXIES": 1,
}


def _app(tmp_path, database_url, app, **settings):  # type: ignore[no-untyped-def]
    made = create_app({**app_config(database_url, tmp_path), **settings})
    made.extensions["ticketing.db"] = app.extensions["ticketing.db"]  # this test's data
    # read as written, not used: an app made with Redis would rebind the shared limiter
    made.config["DATABASE_URL"] = "postgresql+psycopg://ticketing@db.internal/ticketing"
    made.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379"
    return made


def test_a_well_set_site_passes(tmp_path, database_url, app) -> None:  # type: ignore[no-untyped-def]
    site = _app(tmp_path, database_url, app, **GOOD)
    result = site.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0, result.output
    assert "no problem found" in result.output


def test_each_unsafe_setting_is_named_with_its_fix(
    tmp_path, database_url, app, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    site = _app(tmp_path, database_url, app)  # the development defaults
    site.config.update(
        DATABASE_URL="sqlite:///instance/ticketing.sqlite",
        UPLOAD_FOLDER="/proc/no-such-folder/uploads",
        RATELIMIT_STORAGE_URI="memory://",
        BASE_URL="http://tickets.example.cn",
    )
    result = site.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1
    for words in (
        "TICKETING_ENV is 'testing'",
        "SECRET_KEY is the development value or shorter than 32 bytes",
        "sign-in throttling counts in each worker's memory",
        "the database is SQLite",
        "BASE_URL is plain HTTP",
        "the upload folder /proc/no-such-folder/uploads cannot be written",
    ):
        assert words in result.output, words
    assert result.output.count("fix: ") == 6
    assert "6 problems to fix" in result.output


def test_https_without_a_trusted_proxy_and_demo_accounts(
    tmp_path, database_url, app, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    site = _app(tmp_path, database_url, app, **{**GOOD, "TRUSTED_PROXIES": 0})
    with app.app_context():
        db.session.add(User(login="demo-x", name="演示", password_hash="x", is_demo=True))
        db.session.commit()
    result = site.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1
    assert "no proxy is trusted" in result.output and "demo accounts" in result.output
