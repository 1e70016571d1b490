"""Saved searches: save the queue's current search under a name, delete one. The queue page
lists them (tickets/views.py)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ticketing import writes
from ticketing.errors import DomainError, NotFound
from ticketing.search import services
from ticketing.search.forms import DeleteSearchForm, SaveSearchForm
from ticketing.tickets.queues import QUEUE_BY_KEY, home_queue

bp = Blueprint("search", __name__, url_prefix="/searches")


@bp.before_request
@login_required
def _signed_in() -> None:
    return None


def _back(queue: str | None, args: str | None = "") -> ResponseReturnValue:
    chosen = QUEUE_BY_KEY.get(queue or "") or home_queue(current_user)
    if chosen is None:
        return redirect(url_for("tickets.home"))
    return redirect(url_for("tickets.queue", key=chosen.key, **dict(parse_qsl(args or ""))))


@bp.post("")
def save() -> ResponseReturnValue:
    form = SaveSearchForm()
    if not form.validate():
        flash(_("Give the search a name."), "error")
        return _back(form.queue.data, form.args.data)
    try:
        saved = writes.run(
            lambda: services.save_search(
                current_user, name=form.name.data, queue=form.queue.data, args=form.args.data
            )
        )
    except DomainError as error:
        flash(str(error.message), "error")
        return _back(form.queue.data, form.args.data)
    flash(_("Saved the search “%(name)s”.", name=saved.name), "success")
    return _back(saved.queue, saved.args)


@bp.post("/<int(max=2147483647):saved_id>/delete")
def delete(saved_id: int) -> ResponseReturnValue:
    if not DeleteSearchForm().validate():
        return _back(None)
    try:
        name, queue = writes.run(lambda: services.delete_search(saved_id, current_user))
    except NotFound:
        flash(_("No such saved search."), "error")
        return _back(None)
    flash(_("Deleted the search “%(name)s”.", name=name), "success")
    return _back(queue)
