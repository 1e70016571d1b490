"""The bell's list, mark read, each person's e-mail choices, the admin's outbox page; and the
`flask notify` commands (run the worker, write the due reminders)."""

from __future__ import annotations

import logging
import time

import click
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ticketing import db, writes
from ticketing.notify import queries, services, worker
from ticketing.notify.forms import EmailChoicesForm, MarkReadForm
from ticketing.notify.models import KIND_LABELS
from ticketing.web import admin_required

bp = Blueprint("notify", __name__, cli_group="notify")
log = logging.getLogger(__name__)


@bp.app_context_processor
def _bell() -> dict[str, object]:
    return {"unread_notifications": lambda: queries.unread_count(current_user)}


@bp.get("/notifications")
@login_required
def index() -> str:
    return render_template(
        "notify/index.html",
        notifications=queries.recent(current_user),
        form=MarkReadForm(),
        kinds=KIND_LABELS,
    )


@bp.post("/notifications/read")
@login_required
def read() -> Response:
    form = MarkReadForm()
    user = current_user._get_current_object()
    raw = form.notification.data or ""
    which = int(raw) if raw.isdigit() and len(raw) < 10 else None
    if form.validate():
        writes.run(lambda: services.mark_read(user, user, notification_id=which))
    return redirect(url_for("notify.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def choices() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = EmailChoicesForm()
    if not form.is_submitted():
        form.kinds.data = queries.email_kinds(user)

    def saved(_result: None) -> Response:
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notify.choices"))

    return writes.submit(
        form,
        lambda: services.set_email_choices(user, user, kinds=form.kinds.data or []),
        done=saved,
        again=lambda status, _message: (
            render_template(
                "notify/choices.html", form=form, mail_on=bool(current_app.config["SMTP_HOST"])
            ),
            status,
        ),
    )


@bp.get("/admin/outbox")
@admin_required
def outbox() -> str:
    counts, failed = queries.outbox_problems()
    return render_template("notify/outbox.html", counts=counts, failed=failed)


@bp.cli.command("run")
@click.option("--once", is_flag=True, help="Send what is due, then exit (tests, cron).")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
def run_worker(once: bool, interval: float) -> None:
    """Send the outbox: e-mail over SMTP and posts to group robots, with retries."""
    while True:
        try:
            done = worker.drain()
        except Exception:  # the database went away: try again next round
            db.session.rollback()
            if once:
                raise
            log.exception("outbox round failed")
        else:
            if done.sent or done.retried or done.failed or once:
                click.echo(f"sent {done.sent}, to retry {done.retried}, given up {done.failed}")
        if once:
            return
        time.sleep(interval)


@bp.cli.command("due")
def write_due() -> None:
    """Remind of steps due tomorrow and of overdue ones (once per ticket, step and day)."""
    written = writes.run(lambda: services.write_due(db.utcnow()))
    click.echo(f"{written} reminders written")
