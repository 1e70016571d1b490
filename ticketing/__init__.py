"""ticketing: problem tickets from tech commissioners, routed to partner universities."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from ticketing import cli, db, errors, i18n, logs, web
from ticketing import config as settings
from ticketing.accounts.reset_views import bp as password_bp
from ticketing.accounts.twofactor_views import bp as two_factor_bp
from ticketing.accounts.views import bp as accounts_bp
from ticketing.api.token_views import bp as api_tokens_bp
from ticketing.api.views import bp as api_bp
from ticketing.audit import services as audit
from ticketing.audit.views import bp as audit_bp
from ticketing.campaigns.views import bp as campaigns_bp
from ticketing.challenges.views import bp as challenges_bp
from ticketing.fairs.views import bp as fairs_bp
from ticketing.health import deploy
from ticketing.health.views import bp as health_bp
from ticketing.imports.views import bp as imports_bp
from ticketing.metrics.views import bp as metrics_bp
from ticketing.notify.views import bp as notify_bp
from ticketing.orgs.views import bp as orgs_bp
from ticketing.orgs.views import pages as enterprise_pages_bp
from ticketing.records.views import bp as records_bp
from ticketing.reports.views import bp as reports_bp
from ticketing.routing import terms
from ticketing.search.views import bp as search_bp
from ticketing.tickets.views import bp as tickets_bp
from ticketing.webhooks.views import bp as webhooks_bp
from ticketing.worktime.views import bp as worktime_bp


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    deploy.refuse_open_development_server()
    app = logs.App(
        "ticketing",
        instance_relative_config=True,
        template_folder=str(settings.asset_dir("templates")),
        static_folder=str(settings.asset_dir("static")),
    )
    app.config.update(settings.load(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logs.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    for blueprint in (accounts_bp, tickets_bp, orgs_bp, enterprise_pages_bp, reports_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(records_bp)
    app.register_blueprint(fairs_bp)
    app.register_blueprint(challenges_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(password_bp)
    app.register_blueprint(two_factor_bp)
    app.register_blueprint(worktime_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(audit_bp)
    errors.register(app)
    app.after_request(audit.note_refusals)
    cli.register(app)
    if app.config["ENV"] == "production":
        web.refuse_demo_accounts(app)
    if not app.testing:
        # jieba's dictionary (half a second) loads beside the first requests, not in one
        terms.warm_up()
    return app
