"""The account page's API tokens: create one (its secret shown once), list, revoke."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ticketing import writes
from ticketing.api import tokens
from ticketing.api.forms import RevokeForm, TokenForm
from ticketing.errors import DomainError

bp = Blueprint("api_tokens", __name__)
log = logging.getLogger(__name__)


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "api/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens.tokens_of(current_user),
        secret=secret,
    )
    return page, status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    form = TokenForm()
    user = current_user._get_current_object()

    def create() -> str:
        days = int(form.days.data) if form.days.data else None
        token, secret = tokens.create_token(user, name=form.name.data, days=days)
        log.info("API token %s created by user %s", token.id, user.id)  # never the secret
        return secret

    def done(secret: str) -> tuple[str, int]:
        # shown in this answer only: never in a flash message (the session cookie) or a URL
        return _page(TokenForm(formdata=None), secret)

    return writes.submit(
        form, create, done=done, again=lambda status, _m: _page(form, None, status)
    )


@bp.post("/account/tokens/<int(max=2147483647):token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    form = RevokeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            token = writes.run(lambda: tokens.revoke_token(user, token_id))
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            log.info("API token %s revoked by user %s", token.id, user.id)
            flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
