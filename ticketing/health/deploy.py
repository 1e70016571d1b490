"""`flask check-deploy`: the settings a production site must not run with, each with how to
fix it. The start-up checks (config._check) already refuse the worst; these are the rest,
which need a look at the machine (a folder's rights, the database in use, the demo data)."""

from __future__ import annotations

import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import exc, select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.config import DEFAULT_SECRET_KEY, ConfigError


@dataclass(frozen=True)
class Finding:
    problem: str
    fix: str


def findings(app: Flask) -> list[Finding]:
    """What is wrong for production with this app's settings (an empty list: nothing)."""
    config = app.config
    found: list[Finding] = []
    if config["ENV"] != "production":
        found.append(
            Finding(
                f"TICKETING_ENV is {config['ENV']!r}",
                "set TICKETING_ENV=production (secure cookies and the start-up checks)",
            )
        )
    if app.debug:
        found.append(Finding("debug mode is on", "unset FLASK_DEBUG; never run the debugger"))
    secret = str(config["SECRET_KEY"] or "")
    if secret == DEFAULT_SECRET_KEY or len(secret.encode()) < 32:
        found.append(
            Finding(
                "SECRET_KEY is the development value or shorter than 32 bytes",
                "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')",
            )
        )
    workers = os.environ.get("WEB_CONCURRENCY", "")
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://") and workers != "1":
        found.append(
            Finding(
                "sign-in throttling counts in each worker's memory",
                "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (or WEB_CONCURRENCY=1)",
            )
        )
    if str(config["DATABASE_URL"]).startswith("sqlite"):
        found.append(
            Finding(
                "the database is SQLite, which one machine alone may use",
                "DATABASE_URL=postgresql+psycopg://user:password@host/ticketing for a site "
                "served by several machines (one machine may keep SQLite)",
            )
        )
    base = str(config["BASE_URL"])
    if not base:
        found.append(Finding("BASE_URL is empty", "BASE_URL=https://your.host (links in e-mails)"))
    elif base.startswith("https://") and not config["TRUSTED_PROXIES"]:
        found.append(
            Finding(
                "the site is served over HTTPS but no proxy is trusted to say so",
                "TRUSTED_PROXIES=1 behind one reverse proxy that sets X-Forwarded-Proto",
            )
        )
    elif base.startswith("http://"):
        found.append(
            Finding(
                "BASE_URL is plain HTTP: passwords would cross the network in clear",
                "serve HTTPS at the reverse proxy and set BASE_URL=https://…",
            )
        )
    if not _writable(Path(config["UPLOAD_FOLDER"])):
        found.append(
            Finding(
                f"the upload folder {config['UPLOAD_FOLDER']} cannot be written",
                "create it and give the service's user the right to write there",
            )
        )
    if _demo_accounts(app):
        found.append(
            Finding(
                "the demo accounts are in this database",
                "use a database of its own for production (the demo's passwords are public)",
            )
        )
    return found


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _demo_accounts(app: Flask) -> bool:
    with app.app_context():
        try:
            return (
                db.session.scalar(select(User.id).where(User.is_demo.is_(True)).limit(1))
                is not None
            )
        except exc.SQLAlchemyError:
            return False


def refuse_open_development_server() -> None:
    """`flask run --host 0.0.0.0` with TICKETING_ENV unset would put the development server,
    with development settings, in front of the network: refuse, and say what to do instead.
    (gunicorn with deploy/gunicorn.conf.py starts in production mode on such an address.)"""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run" or os.environ.get("TICKETING_ENV"):
        return
    host = str(context.params.get("host") or "127.0.0.1")
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ConfigError(
        f"`flask run` would serve on {host} in development mode. Serve the network with "
        "gunicorn behind nginx (docs/deploy.md), or set TICKETING_ENV=development to say you "
        "mean it (a test machine on a private network)."
    )
