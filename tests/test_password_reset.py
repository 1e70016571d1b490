"""Password resets: a one-time e-mailed link when mail is set up, else a new password given by
an administrator, shown once, that must be changed at the next sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from tests.conftest import Browser
from ticketing import db
from ticketing.accounts.models import User
from ticketing.notify.models import OutboxMessage


def _set_email(app, user, email: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(email=email))
        db.session.commit()


def _mailed_link(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        bodies = db.session.scalars(select(OutboxMessage.body)).all()
    [body] = bodies
    return re.search(r"(/password/reset/[\w-]+)", body).group(1)


def test_a_mailed_link_sets_a_new_password_once(app, world, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    _set_email(app, world.liaison_u1, "l1@example.cn")
    page = browser.get("/login").get_data(as_text=True)
    assert "/password/forgot" in page
    response = browser.post(
        "/password/forgot", {"login": world.liaison_u1.login.upper()}, token_from="/password/forgot"
    )
    assert response.status_code == 302
    link = _mailed_link(app)
    assert browser.get(link).status_code == 200
    response = browser.post(link, {"new": "a-brand-new-pass"}, token_from=link)
    assert response.status_code == 302
    assert browser.get(link).status_code == 404  # used up
    browser.login(world.liaison_u1.login, "a-brand-new-pass")


def test_unknown_logins_get_the_same_answer_and_no_mail(app, world, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    known = browser.post(
        "/password/forgot", {"login": world.expert_u1.login}, token_from="/password/forgot"
    )  # no address: nothing to send
    unknown = browser.post("/password/forgot", {"login": "nobody"}, token_from="/password/forgot")
    assert known.status_code == unknown.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_link_expires_after_an_hour(app, world, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    _set_email(app, world.liaison_u1, "l1@example.cn")
    browser.post(
        "/password/forgot", {"login": world.liaison_u1.login}, token_from="/password/forgot"
    )
    link = _mailed_link(app)
    with db.frozen_clock(db.utcnow() + timedelta(minutes=61)):
        assert browser.get(link).status_code == 404


def test_without_mail_the_page_sends_people_to_an_administrator(app, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.get("/password/forgot").get_data(as_text=True)
    assert 'name="login"' not in page


def test_an_admin_gives_a_new_password_that_must_be_changed(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    form_page = f"/admin/users/{world.expert_u1.id}"
    assert "new-password" in admin.get(form_page).get_data(as_text=True)
    response = admin.post(f"{form_page}/new-password", {}, token_from=form_page)
    assert response.status_code == 200
    password = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True)).group(1)
    expert = Browser(app.test_client())
    expert.login(world.expert_u1.login, password)
    assert expert.get("/").headers["Location"].endswith("/account")  # change it first
    response = expert.post(
        "/account", {"current": password, "new": "my-own-pass-99"}, token_from="/account"
    )
    assert response.status_code == 302
    assert expert.get("/").status_code == 200  # free to go on
    # only administrators may do it
    other = login(world.liaison_u1)
    assert other.post(f"{form_page}/new-password", {}, token_from="/account").status_code == 404
