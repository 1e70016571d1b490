"""Sign in and out, language, the account page, and the user administration."""

from __future__ import annotations

import logging
import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ticketing import writes
from ticketing.accounts import queries, services, signins, throttle, twofactor
from ticketing.accounts.forms import LoginForm, PasswordForm, UserForm
from ticketing.accounts.models import Role, User
from ticketing.audit import services as audit
from ticketing.audit.models import FAILURE, Kind
from ticketing.errors import RuleViolation
from ticketing.i18n import COOKIE, LOCALES
from ticketing.orgs import queries as org_queries
from ticketing.web import admin_required, get_remote_address, limiter, safe_next

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_IP_RATE_LIMIT"]


def _limits_off() -> bool:
    return not current_app.config["RATELIMIT_ENABLED"]


REFUSED = _l("The login or password is not right.")
PENDING = "two_factor"  # the session's note of a right password waiting for its code


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"], exempt_when=_limits_off)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("tickets.home"))
    form = LoginForm()
    if not current_app.config["REMEMBER_ALLOWED"]:
        del form.remember

    def sign_in() -> User:
        typed = form.login.data
        wait = throttle.locked_for(typed)
        if wait:  # the same answer, with no password checked, for a login that does not exist
            log.info("locked sign-in for %r from %s", typed[:60], get_remote_address())
            audit.record_now(Kind.SIGN_IN_FAILED, login=typed, outcome=FAILURE, detail="locked")
            raise RuleViolation(
                "password",
                _l(
                    "Too many failed sign-ins for this login. Try again in %(minutes)d "
                    "minutes, or ask a zone administrator to lift the lock.",
                    minutes=math.ceil(wait / 60),
                ),
            )
        user = services.authenticate(typed, form.password.data)
        if user is None:
            log.info("refused sign-in for %r from %s", typed[:60], get_remote_address())
            audit.record_now(Kind.SIGN_IN_FAILED, login=typed, outcome=FAILURE)
            if throttle.failed(typed):
                audit.record_now(Kind.LOCKED_OUT, login=typed, outcome=FAILURE)
            raise RuleViolation("password", REFUSED)
        remember = bool(form.remember.data) if "remember" in form else False
        session.clear()
        if user.totp_secret:  # the password was right; the code comes next (twofactor_views)
            session[PENDING] = {"user": user.id, "remember": remember, "at": int(twofactor.clock())}
            return user
        address, agent = signins.device()
        signins.start(user, remember=remember, address=address, agent=agent)
        login_user(user, remember=remember)
        audit.record(Kind.SIGN_IN, user=user, detail="kept signed in" if remember else "")
        return user

    def signed_in(user: User) -> ResponseReturnValue:
        target = safe_next(request.args.get("next")) or url_for("tickets.home")
        if PENDING in session:
            session[PENDING] = {**session[PENDING], "next": target}
            return redirect(url_for("two_factor.code"))
        return throttle.remember_device(redirect(target), user.login)

    return writes.submit(
        form,
        sign_in,
        done=signed_in,
        again=lambda status, _message: (render_template("accounts/login.html", form=form), status),
    )


@bp.post("/logout")
@login_required
def logout() -> Response:
    user = current_user._get_current_object()

    def sign_out() -> None:
        signins.end(user.sign_in_id, user)
        audit.record(Kind.SIGN_OUT, user=user)

    writes.run(sign_out)
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes the remember-me cookie
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/account/sign-ins")
@login_required
def sign_ins() -> str:
    user = current_user._get_current_object()
    return render_template(
        "accounts/sign_ins.html", sign_ins=signins.active(user), current_id=user.sign_in_id
    )


@bp.post("/account/sign-ins/<int(max=2147483647):sign_in_id>/end")
@login_required
def end_sign_in(sign_in_id: int) -> Response:
    user = current_user._get_current_object()
    if sign_in_id == user.sign_in_id:
        return logout()

    def end() -> bool:
        ended = signins.end(sign_in_id, user)
        if ended:
            audit.record(Kind.SESSION_ENDED, user=user, detail="one device")
        return ended

    if writes.run(end):
        flash(_("That device is signed out."), "success")
    return redirect(url_for("accounts.sign_ins"))


@bp.post("/account/sign-ins/end-others")
@login_required
def end_other_sign_ins() -> Response:
    user = current_user._get_current_object()

    def end() -> int:
        count = signins.end_all(user, keep=user.sign_in_id)
        audit.record(Kind.SESSION_ENDED, user=user, detail=f"{count} other devices")
        return count

    count = writes.run(end)
    flash(_("Signed out on %(count)d other devices.", count=count), "success")
    return redirect(url_for("accounts.sign_ins"))


@bp.post("/language")
def language() -> Response:
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400)
    if current_user.is_authenticated:
        writes.run(lambda: services.set_locale(current_user, locale))
    target = safe_next(request.form.get("next")) or url_for("tickets.home")
    response = make_response(redirect(target, 303))
    response.set_cookie(COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    form = PasswordForm()
    user = current_user._get_current_object()

    def change() -> None:
        services.change_password(user, user, current=form.current.data, new=form.new.data)
        signins.keep_after_password_change(user)
        audit.record(Kind.PASSWORD_CHANGED, user=user)

    def changed(_result: None) -> Response:
        flash(_("Your password has been changed. Other devices are signed out."), "success")
        return redirect(url_for("accounts.account"))

    return writes.submit(
        form,
        change,
        done=changed,
        again=lambda status, _message: (
            render_template("accounts/account.html", form=form),
            status,
        ),
    )


@bp.get("/admin/users")
@admin_required
def users() -> str:
    page = queries.all_users(request.args)
    return render_template("admin/users.html", page=page, users=page.rows)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user) if request.method == "GET" and user else UserForm()
    form.university_id.choices = [(0, "—")] + [
        (u.id, u.name) for u in org_queries.all_universities()
    ]
    form.enterprise_ids.choices = [(e.id, e.name) for e in org_queries.all_enterprises()]
    if request.method == "GET" and user is not None:
        form.roles.data = sorted(user.roles)
        form.enterprise_ids.data = sorted(user.enterprise_ids)
        form.university_id.data = user.university_id or 0
        profile = user.expert_profile
        if profile:
            form.title.data, form.expertise.data = profile.title, profile.expertise
            form.capacity.data = profile.capacity
    return form


@bp.route("/admin/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/admin/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int | None) -> ResponseReturnValue:
    user = queries.get_user_or_404(user_id)
    form = _user_form(user)

    def saved(person: User) -> Response:
        flash(_("Saved %(name)s.", name=person.name), "success")
        left = queries.open_assignments(person.id)
        if left and (not person.active or Role.EXPERT not in person.roles):
            flash(
                _(
                    "%(name)s can no longer work on %(count)d open tickets: %(numbers)s. "
                    "Ask the university's liaison to reassign them.",
                    name=person.name,
                    count=len(left),
                    numbers="、".join(t.number for t in left),
                ),
                "warning",
            )
        return redirect(url_for("accounts.users"))

    def again(status: int, _message: str | None) -> tuple[str, int]:
        page = render_template(
            "admin/form.html",
            form=form,
            title=user.name if user else _("New user"),
            back=url_for("accounts.users"),
            open_work=queries.open_assignments(user.id) if user else [],
            new_password_url=url_for("password.new_password", user_id=user.id) if user else None,
            access=_access(user) if user else None,
            form_user_id=user.id if user else None,
        )
        return page, status

    data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}

    def save() -> User:
        before = (user.active, sorted(user.roles)) if user is not None else None
        person = services.save_user(user, current_user, **data)
        _record_account_change(person, before, password_given=bool(data.get("password")))
        return person

    return writes.submit(form, save, done=saved, again=again)


def _record_account_change(
    person: User, before: tuple[bool, list[str]] | None, *, password_given: bool
) -> None:
    roles = ",".join(sorted(person.roles))
    if before is None:
        kind, detail = Kind.ACCOUNT_CREATED, f"roles: {roles}"
    elif before[0] and not person.active:
        kind, detail = Kind.ACCOUNT_DISABLED, ""
    elif person.active and not before[0]:
        kind, detail = Kind.ACCOUNT_ENABLED, ""
    else:
        was = ",".join(before[1])
        kind, detail = Kind.ACCOUNT_CHANGED, f"roles: {was} → {roles}" if was != roles else ""
    if password_given:
        detail = (detail + "; " if detail else "") + "new password given"
    audit.record(kind, user=person, actor=current_user, detail=detail)


def _access(person: User) -> dict[str, int]:
    """What the user page shows of a person's sign-ins and failed attempts."""
    failures, locked = throttle.failures(person.login)
    return {
        "sign_ins": len(signins.active(person)),
        "failures": failures,
        "locked_minutes": math.ceil(locked / 60),
        "two_factor": int(bool(person.totp_secret)),
    }


@bp.post("/admin/users/<int(max=2147483647):user_id>/sign-ins/end")
@admin_required
def end_user_sign_ins(user_id: int) -> Response:
    person = queries.get_user_or_404(user_id)

    def end() -> int:
        count = signins.end_everywhere(person, current_user)
        audit.record(Kind.SESSION_ENDED, user=person, actor=current_user, detail=f"{count} devices")
        return count

    count = writes.run(end)
    flash(
        _("%(name)s is signed out on %(count)d devices.", name=person.name, count=count), "success"
    )
    return redirect(url_for("accounts.edit_user", user_id=person.id))


@bp.post("/admin/users/<int(max=2147483647):user_id>/unlock")
@admin_required
def unlock_user(user_id: int) -> Response:
    person = queries.get_user_or_404(user_id)
    throttle.lift(person.login)
    writes.run(lambda: audit.record(Kind.UNLOCKED, user=person, actor=current_user))
    flash(_("%(name)s may sign in again.", name=person.name), "success")
    return redirect(url_for("accounts.edit_user", user_id=person.id))
