"""The password reset pages, and the rule that a password an administrator gave is changed
at the next sign-in."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ticketing import db, writes
from ticketing.accounts import reset
from ticketing.accounts.forms import PASSWORD_HINT
from ticketing.accounts.models import User
from ticketing.audit import services as audit
from ticketing.audit.models import Kind
from ticketing.web import admin_required, limiter

bp = Blueprint("password", __name__)
# pages a person who must change their password may still open
OPEN_WHILE_MUST_CHANGE = frozenset(
    {"accounts.account", "accounts.logout", "accounts.language", "static"}
)


class ForgotForm(FlaskForm):
    login = StringField(_l("Login"), [DataRequired(), Length(max=60)])


class NewPasswordForm(FlaskForm):
    new = PasswordField(
        _l("New password"),
        [DataRequired(), Length(min=8, max=128)],
        render_kw={"autocomplete": "new-password"},
        description=PASSWORD_HINT,
    )


@bp.before_app_request
def _must_change_first() -> Response | None:
    if request.endpoint is None or request.endpoint in OPEN_WHILE_MUST_CHANGE:
        return None  # checked first: a static file never loads the signed-in person
    if not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        flash(_("Choose a password of your own before you go on."), "info")
        return redirect(url_for("accounts.account"))
    days = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    changed = current_user.password_changed_at
    if days and changed and db.utcnow() - changed > timedelta(days=days):
        flash(_("Your password is older than %(days)d days. Choose a new one.", days=days), "info")
        return redirect(url_for("accounts.account"))
    return None


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def forgot() -> ResponseReturnValue:
    form = ForgotForm()

    def sent(_result: None) -> Response:
        flash(_("If the account has an e-mail address, a link is on its way."), "success")
        return redirect(url_for("accounts.login"))

    def ask() -> None:
        reset.request_reset(form.login.data)
        audit.record(Kind.PASSWORD_RESET_REQUESTED, login=form.login.data)

    return writes.submit(
        form,
        ask,
        done=sent,
        again=lambda status, _message: (
            render_template("accounts/forgot.html", form=form, mail_on=reset.mail_is_on()),
            status,
        ),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def with_link(token: str) -> ResponseReturnValue:
    if not reset.link_works(token):
        return render_template("accounts/reset.html", form=None), 404
    form = NewPasswordForm()

    def changed(_user: User) -> Response:
        flash(_("Your password has been changed. Sign in with it."), "success")
        return redirect(url_for("accounts.login"))

    def change() -> User:
        person = reset.reset_with_link(token, form.new.data)
        audit.record(Kind.PASSWORD_RESET, user=person, detail="e-mail link")
        return person

    return writes.submit(
        form,
        change,
        done=changed,
        again=lambda status, _message: (
            render_template("accounts/reset.html", form=form),
            status,
        ),
    )


@bp.post("/admin/users/<int(max=2147483647):user_id>/new-password")
@admin_required
def new_password(user_id: int) -> tuple[str, int]:
    person = db.session.get(User, user_id) or abort(404)
    if not FlaskForm().validate():
        abort(400)
    admin = current_user._get_current_object()

    def give() -> str:
        password = reset.give_new_password(person, admin)
        audit.record(Kind.PASSWORD_RESET, user=person, actor=admin, detail="by an administrator")
        return password

    password = writes.run(give)
    return render_template("accounts/new_password.html", person=person, password=password), 200
