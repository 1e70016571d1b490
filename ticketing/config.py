"""Settings read from the environment, each listed once with its default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production
PACKAGE = Path(__file__).resolve().parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("json", "text")
AUDIT_KEEP_DAYS_LEAST = 180  # as ticketing.audit.models.KEEP_DAYS_LEAST and migration 0018


def asset_dir(name: str) -> Path:
    """Top-level folders (templates, static, …) in a checkout; inside the package in a wheel."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def time_targets() -> dict[str, int]:
    """Days allowed for each step (DOMAIN.md “Time targets”), overridable one by one."""
    defaults = {
        "route": 3,
        "assign": 3,
        "start": 2,
        "resolve_urgent": 7,
        "resolve_high": 14,
        "resolve_normal": 30,
        "resolve_low": 60,
    }
    targets = {key: _int(f"TARGET_{key.upper()}_DAYS", days) for key, days in defaults.items()}
    if any(days <= 0 for days in targets.values()):
        raise ConfigError("TARGET_*_DAYS must be positive whole numbers of days")
    return targets


def load(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: defaults, then the environment, then explicit overrides."""
    env = os.environ.get("TICKETING_ENV", "development")
    default_db = "sqlite:///" + str(Path(instance_path) / "ticketing.sqlite")
    settings: dict[str, Any] = {
        "ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "MAX_ATTACHMENT_MB": _int("MAX_ATTACHMENT_MB", 20),
        "ZONE_CODE": os.environ.get("ZONE_CODE", "CZ"),
        # shown in the header, on the sign-in page, in page titles and on printouts; when
        # empty, the name of the zone in the database (the demo's, say)
        "ZONE_NAME": " ".join(os.environ.get("ZONE_NAME", "").split())[:120],
        "PAGE_SIZE": _int("PAGE_SIZE", 20),
        # an expert's ticket in progress with no visit record for this many days is on their list
        "VISIT_REMINDER_DAYS": _int("VISIT_REMINDER_DAYS", 14),
        # the to-do count in the navigation is reused this long (0: counted on every page)
        "TODO_COUNT_SECONDS": _int("TODO_COUNT_SECONDS", 30),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "ticketing"),
        # failed sign-ins per login, whatever the address, before it is locked (moving window;
        # accounts/throttle.py)
        "LOGIN_ACCOUNT_LIMIT": os.environ.get("LOGIN_ACCOUNT_LIMIT", "10 per 15 minutes"),
        "SQLITE_SYNCHRONOUS": os.environ.get("SQLITE_SYNCHRONOUS", "FULL"),
        "SQL_STATS": os.environ.get("SQL_STATS", "0") == "1",
        "PASSWORD_HASH_FAST": False,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        # json: one JSON object a line (ticketing/logs.py); text: for a person at a terminal
        "LOG_FORMAT": os.environ.get(
            "LOG_FORMAT", "json" if env == "production" else "text"
        ).lower(),
        # /metrics answers loopback addresses, and others that send this as a bearer token
        # (empty: loopback only)
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "TIME_TARGETS": time_targets(),
        # notifications by e-mail (off while SMTP_HOST is empty) and to a group robot
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "ticketing@localhost"),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "0") == "1",
        "NOTIFY_WEBHOOK_URL": os.environ.get("NOTIFY_WEBHOOK_URL", ""),
        "NOTIFY_MAX_ATTEMPTS": _int("NOTIFY_MAX_ATTEMPTS", 8),
        # registered webhooks (ticketing/webhooks): private, loopback and link-local addresses
        # are refused unless allowed (an intranet zone whose receivers are on its own network)
        "WEBHOOK_ALLOW_PRIVATE": os.environ.get("WEBHOOK_ALLOW_PRIVATE", "0") == "1",
        "WEBHOOK_TIMEOUT_SECONDS": _int("WEBHOOK_TIMEOUT_SECONDS", 10),
        # the security log (ticketing/audit) keeps events this many days, at least 180 (the
        # database refuses to delete younger ones); `flask audit prune` deletes older ones
        "AUDIT_KEEP_DAYS": _int("AUDIT_KEEP_DAYS", AUDIT_KEEP_DAYS_LEAST),
        "BASE_URL": os.environ.get("BASE_URL", "").rstrip("/"),
        # the host names this site answers to (Flask refuses any other Host header); in
        # production required, or taken from BASE_URL
        "TRUSTED_HOSTS": [
            h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()
        ]
        or None,
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # sign-in attempts from one address, whatever the login
        "LOGIN_IP_RATE_LIMIT": os.environ.get("LOGIN_IP_RATE_LIMIT", "30 per minute"),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # sign-ins (accounts/signins.py): idle and absolute limits, "keep me signed in"
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_HOURS": _int("SESSION_HOURS", 12),
        "REMEMBER_DAYS": _int("REMEMBER_DAYS", 14),
        "REMEMBER_ALLOWED": os.environ.get("REMEMBER_ALLOWED", "1") != "0",
        # administrators must use the sign-in code (accounts/twofactor.py) before anything else
        "ADMIN_TWO_FACTOR": os.environ.get("ADMIN_TWO_FACTOR", "0") == "1",
        # a password older than this many days must be replaced at the next page (0: never;
        # 等保 asks for periodic change, ASVS advises against forcing it: the zone decides)
        "PASSWORD_MAX_AGE_DAYS": _int("PASSWORD_MAX_AGE_DAYS", 0),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 200,
    }
    if overrides:
        settings.update(overrides)
    for cookie in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        settings.setdefault(cookie, settings["ENV"] == "production")
    if settings["ENV"] == "production":  # __Host-: sent over HTTPS only, to this host only
        settings.setdefault("SESSION_COOKIE_NAME", "__Host-session")
        settings.setdefault("REMEMBER_COOKIE_NAME", "__Host-remember")
    # a new ticket may carry up to five files (tickets.forms.FILES_AT_FILING)
    settings["MAX_CONTENT_LENGTH"] = (settings["MAX_ATTACHMENT_MB"] * 5 + 1) * 1024 * 1024
    settings["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    settings["REMEMBER_COOKIE_DURATION"] = timedelta(days=settings["REMEMBER_DAYS"])
    settings["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings["SESSION_HOURS"])
    if not settings.get("TRUSTED_HOSTS") and settings["BASE_URL"]:
        settings["TRUSTED_HOSTS"] = [urlsplit(settings["BASE_URL"]).hostname]
    _check(settings)
    return settings


def _check(settings: Mapping[str, Any]) -> None:
    if settings["ENV"] not in {"development", "production", "testing"}:
        raise ConfigError("TICKETING_ENV must be development, production or testing")
    if settings["ENV"] == "production" and (
        not settings["SECRET_KEY"] or settings["SECRET_KEY"] == DEFAULT_SECRET_KEY
    ):
        raise ConfigError("Set SECRET_KEY to a long random value before running in production")
    if settings["ENV"] == "production" and len(str(settings["SECRET_KEY"]).encode()) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 bytes in production")
    if settings["ENV"] == "production" and not settings.get("TRUSTED_HOSTS"):
        raise ConfigError(
            "Set TRUSTED_HOSTS (the site's host names, comma-separated) or BASE_URL in production"
        )
    for name in ("SESSION_IDLE_MINUTES", "SESSION_HOURS", "REMEMBER_DAYS"):
        if settings[name] <= 0:
            raise ConfigError(f"{name} must be a positive whole number")
    if (
        settings["ENV"] == "production"
        and settings["RATELIMIT_ENABLED"]
        and str(settings["RATELIMIT_STORAGE_URI"]).startswith("memory://")
        and os.environ.get("WEB_CONCURRENCY") != "1"
    ):
        raise ConfigError(
            "Sign-in throttling needs counters every worker shares: set RATELIMIT_STORAGE_URI "
            "to redis://… (or run one worker and say so with WEB_CONCURRENCY=1)"
        )
    if settings["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL must be one of " + ", ".join(LOG_LEVELS))
    if settings["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError("LOG_FORMAT must be one of " + ", ".join(LOG_FORMATS))
    if settings["AUDIT_KEEP_DAYS"] < AUDIT_KEEP_DAYS_LEAST:
        raise ConfigError(f"AUDIT_KEEP_DAYS must be at least {AUDIT_KEEP_DAYS_LEAST} days")
    if settings["SQLITE_SYNCHRONOUS"] not in {"FULL", "NORMAL"}:
        raise ConfigError("SQLITE_SYNCHRONOUS must be FULL or NORMAL")
