"""Fixtures for the browser tests: the app served on 127.0.0.1 from a database of its own,
Debian's Chromium driven by Playwright, and a console guard that fails a test on any error.

Chromium missing: the package is skipped with a message, except under CI=true, where that is
a failure. Screenshots go to test-artifacts/screenshots/<database>/ and the run names the
folder in its summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic import command
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import create_engine, text
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser import support
from tests.conftest import USE_POSTGRES, app_config
from tests.factories import Factory, World
from ticketing import create_app
from ticketing.cli import alembic_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_DB = "ticketing_browser"
DB_LABEL = "postgresql" if USE_POSTGRES else "sqlite"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / DB_LABEL
IN_CI = os.environ.get("CI") == "true"

_skipped_because: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_because:
        terminalreporter.write_sep("-", "browser tests skipped")
        terminalreporter.write_line(_skipped_because[0])
    shots = sorted(SCREENSHOTS.glob("*.png")) if SCREENSHOTS.is_dir() else []
    if support.SCREENSHOTS_TAKEN and shots:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(shots)} screenshots in {SCREENSHOTS}")


@dataclass
class Live:
    """The running app: its address, the app object, a factory and the seeded people."""

    url: str
    app: Flask
    make: Factory
    world: World
    db_label: str


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        """No access log lines in the test output."""


def _browser_database_url() -> tuple[str, object]:
    server = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {BROWSER_DB} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {BROWSER_DB}"))
    parts = urlsplit(os.environ["TEST_DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{BROWSER_DB}")), server


@pytest.fixture(autouse=True)
def _transaction() -> Iterator[None]:
    """Replaces tests/conftest.py's rollback fixture here: the browser tests commit for real
    in a database of their own (they are marked no_transaction too), so they need neither
    the shared test database nor its app."""
    yield


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = (
            f"Browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium fonts-wqy-microhei); it is missing."
        )
        if IN_CI:
            pytest.fail(message + " CI=true: the browser tests must run in CI.", pytrace=False)
        _skipped_because.append(message)
        pytest.skip(message)
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    if not fonts.stdout.strip():
        pytest.fail(
            "No Chinese font is installed, screenshots would show boxes: "
            "apt-get install fonts-wqy-microhei",
            pytrace=False,
        )
    playwright: Playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("browser")
    server_engine = None
    if USE_POSTGRES:
        url, server_engine = _browser_database_url()
    else:
        url = "sqlite:///" + str(folder / "browser.sqlite")
    command.upgrade(alembic_config(url), "head")
    app = create_app({**app_config(url, folder), "RATELIMIT_ENABLED": False})
    make = Factory(app)
    world = make.world()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, make, world, DB_LABEL)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["ticketing.db"].engine.dispose()
    if server_engine is not None:
        with server_engine.connect() as connection:  # type: ignore[attr-defined]
            connection.execute(text(f"DROP DATABASE IF EXISTS {BROWSER_DB} WITH (FORCE)"))
        server_engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for this run's screenshots, emptied once per run."""
    if SCREENSHOTS.is_dir():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def ui(chromium: Browser, live: Live) -> Iterator[support.UI]:
    """Opens pages (each in a context of its own: one person per context) and fails the test
    at teardown when any page logged a console error or threw."""
    guard = support.ConsoleGuard()
    contexts: list[BrowserContext] = []

    def new_page(device: str, axe: bool, lang: str) -> Page:
        context = chromium.new_context(
            base_url=live.url, locale=support.HTML_LANG[lang], **support.DEVICES[device]
        )
        context.set_default_timeout(10_000)
        if axe:
            context.add_init_script(path=str(support.AXE))
        contexts.append(context)
        page = context.new_page()
        guard.watch(page)
        return page

    yield support.UI(new_page, guard, live)
    for context in contexts:
        context.close()
    guard.check()
