"""The admin's webhook pages: list, register, change, pause and resume, new secret, delete,
a test ping, and each hook's delivery log with "retry now" for a given-up delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ticketing import writes
from ticketing.errors import DomainError
from ticketing.orgs.queries import get_or_404
from ticketing.web import admin_required
from ticketing.webhooks import queries, services
from ticketing.webhooks.forms import WebhookForm
from ticketing.webhooks.models import EVENTS, Webhook

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
HOOK = "<int(max=2147483647):hook_id>"


@bp.get("")
@admin_required
def index() -> str:
    hooks, counts = queries.hooks()
    return render_template("webhooks/list.html", hooks=hooks, counts=counts, events=EVENTS)


@bp.get(f"/{HOOK}")
@admin_required
def page(hook_id: int) -> str:
    hook = get_or_404(Webhook, hook_id)
    return render_template(
        "webhooks/page.html", hook=hook, deliveries=queries.deliveries(hook), events=EVENTS
    )


@bp.route("/new", methods=["GET", "POST"], defaults={"hook_id": None})
@bp.route(f"/{HOOK}/edit", methods=["GET", "POST"])
@admin_required
def edit(hook_id: int | None) -> ResponseReturnValue:
    hook = get_or_404(Webhook, hook_id)
    form = WebhookForm(obj=hook) if request.method == "GET" else WebhookForm()
    actor = current_user._get_current_object()
    title = hook.name if hook else _("New webhook")
    back = url_for(".page", hook_id=hook.id) if hook else url_for(".index")

    def save() -> Webhook:
        data: dict[str, Any] = {
            "name": form.name.data or "",
            "url": form.url.data or "",
            "events": form.events.data or [],
        }
        if hook is None:
            return services.register(actor, **data)
        return services.change(hook, actor, **data)

    def saved(row: Webhook) -> Response:
        flash(_("Saved %(name)s.", name=row.name), "success")
        return redirect(url_for(".page", hook_id=row.id))

    def again(status: int, message: str | None) -> ResponseReturnValue:
        if message:
            flash(message, "error")
        return render_template("admin/form.html", form=form, title=title, back=back), status

    return writes.submit(form, save, done=saved, again=again)


@bp.post(f"/{HOOK}/active")
@admin_required
def set_active(hook_id: int) -> Response:
    hook = get_or_404(Webhook, hook_id)
    active = request.form.get("active") == "1"
    done = _("Resumed.") if active else _("Paused: no new deliveries are written.")
    return _button(
        lambda actor: services.set_active(hook, actor, active=active), done, hook_id=hook.id
    )


@bp.post(f"/{HOOK}/ping")
@admin_required
def ping(hook_id: int) -> Response:
    hook = get_or_404(Webhook, hook_id)
    done = _("A test ping is queued; the worker sends it in a moment.")
    return _button(lambda actor: services.ping(hook, actor), done, hook_id=hook.id)


@bp.post(f"/{HOOK}/secret")
@admin_required
def secret(hook_id: int) -> Response:
    hook = get_or_404(Webhook, hook_id)
    done = _("A new secret is made. Give it to the receiving system.")
    return _button(lambda actor: services.rotate_secret(hook, actor), done, hook_id=hook.id)


@bp.post(f"/{HOOK}/delete")
@admin_required
def delete(hook_id: int) -> Response:
    hook = get_or_404(Webhook, hook_id)
    done = _("Deleted %(name)s.", name=hook.name)
    return _button(lambda actor: services.remove(hook, actor), done, hook_id=None)


@bp.post(f"/{HOOK}/deliveries/<int(max=2147483647):delivery_id>/retry")
@admin_required
def retry(hook_id: int, delivery_id: int) -> Response:
    hook = get_or_404(Webhook, hook_id)
    message = queries.delivery(hook, delivery_id)
    if message is None:
        abort(404)
    done = _("The delivery is queued again.")
    return _button(lambda actor: services.retry(message, actor), done, hook_id=hook.id)


def _button(service: Callable[[Any], object], done: str, *, hook_id: int | None) -> Response:
    """Run one button's service, say how it went, and go back to the hook (or the list)."""
    actor = current_user._get_current_object()
    try:
        writes.run(lambda: service(actor))
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(done, "success")
    if hook_id is None:
        return redirect(url_for(".index"))
    return redirect(url_for(".page", hook_id=hook_id))
