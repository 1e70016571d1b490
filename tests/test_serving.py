"""Serving the network is never development mode by accident: gunicorn with the shipped
settings starts in production mode on an address other than loopback when TICKETING_ENV is
unset (and so refuses the development secret), and `flask run` refuses such an address."""

from __future__ import annotations

import hashlib
import os
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from flask import url_for

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "deploy" / "gunicorn.conf.py"


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TICKETING_ENV", "SECRET_KEY"}}
    env.pop("FLASK_DEBUG", None)
    return {**env, **values}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def _environ_kept() -> object:
    """The settings file writes to os.environ (its defaults for the workers): undo that."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize(
    ("bind", "production"),
    [
        ("127.0.0.1:8000", False),
        ("[::1]:8000", False),
        ("unix:/run/ticketing/web.sock", False),
        ("0.0.0.0:8000", True),
        ("10.20.30.40:80", True),
        ("127.0.0.1:8000,0.0.0.0:8001", True),
    ],
)
def test_the_settings_file_chooses_production_beyond_loopback(
    monkeypatch: pytest.MonkeyPatch, bind: str, production: bool
) -> None:
    monkeypatch.delenv("TICKETING_ENV", raising=False)
    monkeypatch.setenv("BIND", bind)
    settings = runpy.run_path(str(SETTINGS))
    assert settings["bind"] == bind.split(",")
    assert (os.environ.get("TICKETING_ENV") == "production") is production


def test_the_settings_file_keeps_a_chosen_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETING_ENV", "development")
    monkeypatch.setenv("BIND", "0.0.0.0:8000")
    runpy.run_path(str(SETTINGS))
    assert os.environ["TICKETING_ENV"] == "development"


def test_gunicorn_on_an_open_address_refuses_the_development_secret(tmp_path: Path) -> None:
    port = _free_port()
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(SETTINGS), "ticketing:create_app()"],
        cwd=ROOT,
        env=_env(
            BIND=f"0.0.0.0:{port}",
            WEB_CONCURRENCY="1",
            DATABASE_URL=f"sqlite:///{tmp_path / 'open.sqlite'}",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "Set SECRET_KEY to a long random value before running in production" in started.stderr


def test_flask_run_refuses_an_open_address_in_development_mode(tmp_path: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "ticketing", "run", "--host", "0.0.0.0"],
        cwd=ROOT,
        env=_env(DATABASE_URL=f"sqlite:///{tmp_path / 'open.sqlite'}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "would serve on 0.0.0.0 in development mode" in refused.stderr
    assert "docs/deploy.md" in refused.stderr


def test_flask_run_serves_an_open_address_when_development_is_chosen(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "ticketing",
            "run",
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
        ],  # fmt: skip
        cwd=ROOT,
        env=_env(TICKETING_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'open.sqlite'}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in server.stdout:  # type: ignore[union-attr]
            if "Running on" in line:
                break
        else:
            raise AssertionError("the development server did not start")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_static_urls_carry_their_files_fingerprint(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    css = (ROOT / "static" / "css" / "app.css").read_bytes()
    expected = hashlib.sha256(css).hexdigest()[:12]
    assert f'href="/static/css/app.css?v={expected}"' in page
    assert client.get(f"/static/css/app.css?v={expected}").data == css

    # a file changed while the site serves gets a new URL
    monkeypatched = tmp_path / "static"
    (monkeypatched / "css").mkdir(parents=True)
    (monkeypatched / "css" / "app.css").write_bytes(css + b"\n/* changed */\n")
    folder = app.static_folder
    app.static_folder = str(monkeypatched)
    try:
        with app.test_request_context():
            changed = url_for("static", filename="css/app.css")
            missing = url_for("static", filename="css/none.css")
    finally:
        app.static_folder = folder
    assert changed.startswith("/static/css/app.css?v=") and expected not in changed
    assert missing == "/static/css/none.css"
