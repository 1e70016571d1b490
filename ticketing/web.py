"""Wiring of the HTML layer: sign-in sessions, CSRF, login throttling, security headers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path, PurePosixPath
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote, urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import exc, select
from werkzeug.middleware.proxy_fix import ProxyFix

from ticketing import db, permissions
from ticketing.accounts import signins
from ticketing.accounts.models import User
from ticketing.config import ConfigError
from ticketing.errors import request_id
from ticketing.orgs.models import Zone
from ticketing.tickets import todos
from ticketing.tickets.queues import queues_for

P = ParamSpec("P")
R = TypeVar("R")

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"
login_manager.user_loader(signins.load)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:  # behind that many reverse proxies: take the client address they pass on
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(_refuse_large_forms)
    app.before_request(_refuse_nul)
    app.before_request(todos.forget_counts)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    app.after_request(signins.touch_after_request)
    app.after_request(_security_headers)
    app.after_request(_request_id_header)
    app.context_processor(_layout_context)
    app.url_defaults(version_static_urls)


@lru_cache(maxsize=512)
def _fingerprint(path: str, _changed: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    """A static file's URL carries its content's fingerprint (`?v=…`): nginx lets browsers
    keep such a URL for a year (deploy/nginx/ticketing.conf), and a changed file gets a new
    URL, so nobody is left with last release's stylesheet."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    path = Path(current_app.static_folder or "") / str(values["filename"])
    try:
        changed = path.stat().st_mtime_ns  # a file edited while serving gets a new fingerprint
    except OSError:
        return
    values["v"] = _fingerprint(str(path), changed)


def _refuse_large_forms() -> None:
    """Werkzeug caps the parts of a multipart form (MAX_FORM_PARTS) and their memory, but not
    an ordinary url-encoded form: give it the same two limits, before it is parsed."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return
    config = current_app.config
    if (request.content_length or 0) > config["MAX_FORM_MEMORY_SIZE"]:
        abort(413)
    if sum(1 for _ in request.form.items(multi=True)) > config["MAX_FORM_PARTS"]:
        abort(413)


def _refuse_nul() -> None:
    """NUL characters cannot be stored by PostgreSQL: refuse them up front, on both databases."""
    values = [request.path, *request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def _layout_context() -> dict[str, object]:
    queues = queues_for(current_user) if current_user.is_authenticated else []
    return {
        "nav_queues": queues,
        "is_admin": permissions.is_admin,
        "zone_name": zone_name(),
        "todo_counts": lambda: todos.counts(current_user),
    }


def zone_name() -> str:
    """The zone's name: the ZONE_NAME setting, else the zone in the database (read once)."""
    configured = current_app.config["ZONE_NAME"]
    if configured:
        return configured
    known = current_app.extensions.get("ticketing.zone_name")
    if known is None:
        try:
            known = db.session.scalar(select(Zone.name).order_by(Zone.id).limit(1)) or ""
        except exc.SQLAlchemyError:  # not migrated yet
            db.session.rollback()
            return ""
        current_app.extensions["ticketing.zone_name"] = known
    return known


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    """A page for zone administrators: sign-in first, and 404 for everyone else."""

    @wraps(view)
    @login_required
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not permissions.is_admin(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _request_id_header(response: Response) -> Response:
    response.headers["X-Request-ID"] = request_id()
    return response


def name_the_download(response: Response, name: str, fallback_stem: str) -> Response:
    """Name a download `name` (RFC 6266: filename* in UTF-8 for every current browser) with a
    readable ASCII `filename` for the rest: the name's ASCII part, or `fallback_stem` and the
    name's extension when the name is all Chinese (检测报告.pdf → attachment-12.pdf)."""
    suffix = "".join(c for c in PurePosixPath(name).suffix if c.isascii() and c.isalnum())
    stem = "".join(
        c for c in PurePosixPath(name).stem if c.isascii() and (c.isalnum() or c in "-_. ")
    ).strip(" .")
    plain = (stem or fallback_stem) + (f".{suffix}" if suffix else "")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return response


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after sign-in, or None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def refuse_demo_accounts(app: Flask) -> None:
    """Production must not run with the demo logins present."""
    with app.app_context():
        try:
            demo = db.session.scalar(select(User.id).where(User.is_demo.is_(True)).limit(1))
        except exc.SQLAlchemyError:
            return  # not migrated yet; `flask migrate` comes first
        if demo is not None:
            raise ConfigError(
                "Demo accounts exist in this database; production refuses to start with them."
            )
