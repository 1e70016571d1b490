"""The second factor's pages: the code after the password, turning it on and off, an
administrator's reset for a lost phone, and the rule that administrators use it when
ADMIN_TWO_FACTOR is on."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ticketing import permissions, writes
from ticketing.accounts import queries, signins, throttle, twofactor
from ticketing.accounts.views import PENDING, _limits_off, _login_ip_limit
from ticketing.audit import services as audit
from ticketing.audit.models import FAILURE, Kind
from ticketing.errors import RuleViolation
from ticketing.web import admin_required, limiter, zone_name

bp = Blueprint("two_factor", __name__)
PENDING_SECONDS = 300
ENROLLING = "totp_enrolling"
# pages an administrator without the second factor may still open when it is required
OPEN_WITHOUT = frozenset(
    {
        "two_factor.settings",
        "two_factor.code",
        "accounts.logout",
        "accounts.language",
        "accounts.account",
        "static",
    }
)


class CodeForm(FlaskForm):
    code = StringField(
        _l("Six-digit code"),
        [DataRequired(), Length(max=12)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autocapitalize": "none",
        },
    )


@bp.before_app_request
def _admins_use_it() -> Response | None:
    if request.endpoint is None or request.endpoint in OPEN_WITHOUT:
        return None
    if not current_app.config["ADMIN_TWO_FACTOR"] or request.blueprint == "api":
        return None
    if (
        current_user.is_authenticated
        and permissions.is_admin(current_user)
        and not current_user.totp_secret
    ):
        flash(_("Administrators must turn on the sign-in code before they go on."), "info")
        return redirect(url_for("two_factor.settings"))
    return None


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"], exempt_when=_limits_off)
def code() -> ResponseReturnValue:
    pending = session.get(PENDING)
    if not pending or twofactor.clock() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(_("Sign in again: the code was not given in time."), "info")
        return redirect(url_for("accounts.login"))
    user = queries.get_user_or_404(pending["user"])
    form = CodeForm()

    def check() -> None:
        assert user is not None
        if throttle.locked_for(user.login) or not user.active:
            audit.record_now(Kind.SIGN_IN_FAILED, user=user, outcome=FAILURE, detail="locked")
            raise RuleViolation("code", _l("Too many failed sign-ins. Sign in again later."))
        if not twofactor.use_code(user, form.code.data):
            audit.record_now(
                Kind.SIGN_IN_FAILED, user=user, outcome=FAILURE, detail="wrong sign-in code"
            )
            if throttle.failed(user.login):
                audit.record_now(Kind.LOCKED_OUT, user=user, outcome=FAILURE)
            raise RuleViolation("code", twofactor.WRONG_CODE)
        session.clear()
        address, agent = signins.device()
        signins.start(user, remember=pending.get("remember", False), address=address, agent=agent)
        login_user(user, remember=pending.get("remember", False))
        audit.record(Kind.SIGN_IN, user=user, detail="with sign-in code")

    def signed_in(_result: None) -> ResponseReturnValue:
        assert user is not None
        target = pending.get("next") or url_for("tickets.home")
        return throttle.remember_device(redirect(target), user.login)

    return writes.submit(
        form,
        check,
        done=signed_in,
        again=lambda status, _message: (
            render_template("accounts/login_code.html", form=form),
            status,
        ),
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = CodeForm()
    if not user.totp_secret and ENROLLING not in session:  # kept while the page is reloaded
        session[ENROLLING] = twofactor.new_secret()
    secret = session.get(ENROLLING, "")

    def change() -> None:
        if user.totp_secret:
            twofactor.disable(user, user, code=form.code.data)
            audit.record(Kind.TWO_FACTOR_DISABLED, user=user)
        else:
            twofactor.enable(user, user, secret=secret, code=form.code.data)
            audit.record(Kind.TWO_FACTOR_ENABLED, user=user)

    def changed(_result: None) -> Response:
        session.pop(ENROLLING, None)
        if user.totp_secret:
            flash(
                _("The sign-in code is on. You will be asked for it after your password."),
                "success",
            )
        else:
            flash(_("The sign-in code is off."), "success")
        return redirect(url_for("two_factor.settings"))

    def again(status: int, _message: str | None) -> tuple[str, int]:
        page = render_template(
            "accounts/two_factor.html",
            form=form,
            on=bool(user.totp_secret),
            qr=None if user.totp_secret else twofactor.qr_code(secret, user.login, zone_name()),
            secret=twofactor.grouped(secret),
            required=current_app.config["ADMIN_TWO_FACTOR"] and permissions.is_admin(user),
        )
        return page, status

    return writes.submit(form, change, done=changed, again=again)


@bp.post("/admin/users/<int(max=2147483647):user_id>/two-factor/reset")
@admin_required
def reset(user_id: int) -> Response:
    person = queries.get_user_or_404(user_id)
    assert person is not None

    def turn_off() -> None:
        twofactor.disable(person, current_user)
        audit.record(Kind.TWO_FACTOR_DISABLED, user=person, actor=current_user)

    writes.run(turn_off)
    flash(
        _("The sign-in code of %(name)s is off; they can turn it on again.", name=person.name),
        "success",
    )
    return redirect(url_for("accounts.edit_user", user_id=person.id))
