"""Sign in and out, language, the account page, and the user administration."""

from __future__ import annotations

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
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ticketing import db
from ticketing.accounts import services
from ticketing.accounts.forms import LoginForm, PasswordForm, UserForm
from ticketing.accounts.models import Role, User
from ticketing.errors import RuleViolation, apply_violation
from ticketing.i18n import COOKIE, LOCALES
from ticketing.orgs.models import Enterprise, University
from ticketing.web import get_remote_address, limiter, safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_IP_RATE_LIMIT"]


def _login_key() -> str:
    """Attempts count per client address and login, so one person cannot lock out others."""
    login = (request.form.get("login") or "").strip().lower()[:60]
    return f"{get_remote_address()}|{login}"


def _limits_enabled() -> bool:
    return not current_app.config["RATELIMIT_ENABLED"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_key, methods=["POST"], exempt_when=_limits_enabled)
@limiter.limit(_login_ip_limit, methods=["POST"], exempt_when=_limits_enabled)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("tickets.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("tickets.home"))
        form.password.errors.append(_("The login or password is not right."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes the remember-me cookie
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/language")
def language() -> Response:
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400)
    if current_user.is_authenticated:
        services.set_locale(current_user, locale)
        db.session.commit()
    target = safe_next(request.form.get("next")) or url_for("tickets.home")
    response = make_response(redirect(target, 303))
    response.set_cookie(COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, user, current=form.current.data, new=form.new.data)
        except RuleViolation as violation:
            apply_violation(form, violation)
        else:
            db.session.commit()
            login_user(user)  # a fresh cookie with the new session token
            flash(_("Your password has been changed. Other devices are signed out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form)


def _require_admin() -> None:
    if Role.ADMIN not in current_user.roles:
        abort(404)


@bp.get("/admin/users")
@login_required
def users() -> str:
    _require_admin()
    rows = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", users=rows)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user) if request.method == "GET" and user else UserForm()
    universities = db.session.scalars(select(University).order_by(University.name)).all()
    form.university_id.choices = [(0, "—")] + [(u.id, u.name) for u in universities]
    enterprises = db.session.scalars(select(Enterprise).order_by(Enterprise.name)).all()
    form.enterprise_ids.choices = [(e.id, e.name) for e in enterprises]
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
@login_required
def edit_user(user_id: int | None) -> str | Response:
    _require_admin()
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = _user_form(user)
    if form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            saved = services.save_user(user, current_user, **data)
        except RuleViolation as violation:
            apply_violation(form, violation)
        else:
            db.session.commit()
            flash(_("Saved %(name)s.", name=saved.name), "success")
            return redirect(url_for("accounts.users"))
    title = user.name if user else _("New user")
    page = render_template(
        "admin/form.html", form=form, title=title, back=url_for("accounts.users")
    )
    return page, 422 if form.errors else 200
