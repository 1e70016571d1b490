"""ticketing: problem tickets from tech commissioners, routed to partner universities."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    """Top-level folders (templates, static, …) in a checkout; inside the package in a wheel."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from ticketing import cli, db, errors, i18n, web
    from ticketing import config as settings
    from ticketing.accounts.views import bp as accounts_bp
    from ticketing.orgs.views import bp as orgs_bp
    from ticketing.reports.views import bp as reports_bp
    from ticketing.tickets.views import bp as tickets_bp

    app = Flask(
        "ticketing",
        instance_relative_config=True,
        template_folder=str(asset_dir("templates")),
        static_folder=str(asset_dir("static")),
    )
    app.config.update(settings.load(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    for blueprint in (accounts_bp, tickets_bp, orgs_bp, reports_bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    cli.register(app)
    if app.config["ENV"] == "production":
        web.refuse_demo_accounts(app)
    return app
