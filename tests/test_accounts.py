"""Signing in and out, sessions, throttling, and the settings production insists on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import app_config
from tests.helpers import hidden_value
from ticketing import create_app, db
from ticketing.accounts.models import User
from ticketing.config import ConfigError


def test_wrong_password_and_unknown_login_look_the_same(world, browser) -> None:  # type: ignore[no-untyped-def]
    wrong = browser.post("/login", {"login": world.admin.login, "password": "nope-nope-1"})
    unknown = browser.post("/login", {"login": "nobody-here", "password": "nope-nope-1"})
    assert wrong.status_code == unknown.status_code == 422

    def strip(response):  # type: ignore[no-untyped-def]
        text = response.get_data(as_text=True)
        return text.replace(world.admin.login, "X").replace("nobody-here", "X")

    import re

    token = re.compile(r'value="[^"]{40,}"')
    assert token.sub("", strip(wrong)) == token.sub("", strip(unknown))


def test_pages_need_sign_in(browser) -> None:  # type: ignore[no-untyped-def]
    for url in ("/", "/queue/all", "/tickets/new", "/admin/users", "/account", "/files/1"):
        response = browser.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_next_must_be_local(world, browser) -> None:  # type: ignore[no-untyped-def]
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)", "/\\evil"):
        response = browser.post(
            f"/login?next={target}", {"login": world.admin.login, "password": "secret-pass-1"}
        )
        assert response.headers["Location"] in ("/", "http://localhost/"), target
        browser.logout()
    response = browser.post(
        "/login?next=/queue/all", {"login": world.admin.login, "password": "secret-pass-1"}
    )
    assert response.headers["Location"] == "/queue/all"


def test_session_changes_at_sign_in_and_ends_at_sign_out(world, browser) -> None:  # type: ignore[no-untyped-def]
    browser.login(world.admin.login)
    assert browser.get("/queue/all").status_code == 200
    browser.logout()
    assert browser.get("/queue/all").status_code == 302


def test_sign_out_ends_a_remembered_session(world, browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.post(
        "/login", {"login": world.admin.login, "password": "secret-pass-1", "remember": "y"}
    )
    assert response.status_code == 302
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    browser.logout()
    assert browser.get("/queue/all").status_code == 302


def test_production_cookies_are_secure(tmp_path, database_url, world, app) -> None:  # type: ignore[no-untyped-def]
    config = {
        **app_config(database_url, tmp_path),
        "ENV": "production",
        "TRUSTED_HOSTS": ["localhost"],
        "SECRET_KEY": "a-long-random-production-secret-of-40-bytes",
    }
    production = create_app(config)
    production.extensions["ticketing.db"] = app.extensions["ticketing.db"]  # this test's data
    settings = production.config
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_NAME"] == "__Host-session"
    # a real sign-in sets both cookies with the prefix's conditions: Secure, Path=/, no Domain
    client = production.test_client()
    page = client.get("https://localhost/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "https://localhost/login",
        data={
            "login": world.admin.login,
            "password": "secret-pass-1",
            "remember": "y",
            "csrf_token": token,
        },
        headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it over HTTPS
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("__Host-session=", "__Host-remember="):
        line = next((c for c in cookies if c.startswith(name)), "")
        assert "Secure" in line and "Path=/" in line and "Domain" not in line, line


def test_production_answers_only_its_own_host_names(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    config = {
        **app_config(database_url, tmp_path),
        "ENV": "production",
        "SECRET_KEY": "a-long-random-production-secret-of-40-bytes",
    }
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        create_app(config)
    app = create_app({**config, "BASE_URL": "https://tickets.example.cn"})
    assert app.config["TRUSTED_HOSTS"] == ["tickets.example.cn"]
    client = app.test_client()
    assert client.get("/login", headers={"Host": "tickets.example.cn"}).status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400


def test_password_change_signs_out_other_devices(world, login, app) -> None:  # type: ignore[no-untyped-def]
    phone, desk = login(world.commissioner_a), login(world.commissioner_a)
    page = desk.get("/account").get_data(as_text=True)
    response = desk.client.post(
        "/account",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "current": "secret-pass-1",
            "new": "a-much-better-pass",
        },
    )
    assert response.status_code == 302
    assert desk.get("/queue/mine").status_code == 200
    assert phone.get("/queue/mine").status_code == 302


def test_common_password_is_refused(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.commissioner_a)
    page = client.get("/account").get_data(as_text=True)
    response = client.client.post(
        "/account",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "current": "secret-pass-1",
            "new": "password123",
        },
    )
    assert response.status_code == 422 and 'aria-invalid="true"' in response.get_data(as_text=True)


def test_disabling_a_user_ends_their_sessions(world, login, make) -> None:  # type: ignore[no-untyped-def]
    client = login(world.expert_u2)
    assert client.get("/queue/assigned").status_code == 200
    with make.app.app_context():
        db.session.get(User, world.expert_u2.id).active = False
        db.session.commit()
    assert client.get("/queue/assigned").status_code == 302


def test_security_headers(browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_production_refuses_the_default_secret(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    config = {
        **app_config(database_url, tmp_path),
        "ENV": "production",
        "TRUSTED_HOSTS": ["localhost"],
    }
    config["SECRET_KEY"] = "dev-only-not-secret"
    with pytest.raises(ConfigError):
        create_app(config)


def test_production_refuses_a_short_secret(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    config = {
        **app_config(database_url, tmp_path),
        "ENV": "production",
        "TRUSTED_HOSTS": ["localhost"],
    }
    config["SECRET_KEY"] = "x" * 31
    with pytest.raises(ConfigError, match="32 bytes"):
        create_app(config)
    config["SECRET_KEY"] = "密" * 11  # 33 bytes in UTF-8
    assert create_app(config).config["SECRET_KEY"] == "密" * 11


@pytest.mark.no_transaction
def test_production_refuses_demo_accounts(tmp_path, database_url, app) -> None:  # type: ignore[no-untyped-def]
    config = {
        **app_config(database_url, tmp_path),
        "ENV": "production",
        "TRUSTED_HOSTS": ["localhost"],
        "SECRET_KEY": "a-long-random-production-secret-of-40-bytes",
    }
    create_app(config)  # no demo accounts: starts
    with app.app_context():
        user = User(login="demo-x", name="演示", password_hash="x", is_demo=True)
        db.session.add(user)
        db.session.commit()
    try:
        with pytest.raises(ConfigError):
            create_app(config)
    finally:
        with app.app_context():
            db.session.delete(db.session.scalar(select(User).where(User.login == "demo-x")))
            db.session.commit()


def test_admin_creates_a_user_with_roles(world, login, make) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    page = admin.get("/admin/users/new").get_data(as_text=True)
    response = admin.client.post(
        "/admin/users/new",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "login": "zhang.san",
            "name": "张三",
            "roles": ["liaison", "expert"],
            "university_id": str(world.u1.id),
            "capacity": "6",
            "locale": "zh",
            "active": "y",
            "password": "first-pass-123",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with make.app.app_context():
        user = db.session.scalar(select(User).where(User.login == "zhang.san"))
        assert user.roles == {"liaison", "expert"} and user.university_id == world.u1.id
        assert user.expert_profile.capacity == 6
    response = admin.client.post(
        "/admin/users/new",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "login": "li.si",
            "name": "李四",
            "roles": ["expert"],
            "university_id": "0",
            "locale": "zh",
            "password": "first-pass-123",
        },
    )
    assert response.status_code == 422


def test_non_admin_gets_404_on_admin_pages(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.liaison_u1)
    for url in ("/admin/users", "/admin/enterprises", "/admin/universities", "/queue/all"):
        assert client.get(url).status_code == 404, url


def test_create_admin_refuses_a_login_that_differs_only_in_case(world, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("getpass.getpass", lambda _prompt: "long-enough-pass-9")
    runner = app.test_cli_runner()
    taken = world.admin.login.upper()
    refused = runner.invoke(args=["create-admin", taken])
    assert refused.exit_code == 1, refused.output
    assert "taken" in refused.output or "已被" in refused.output
    created = runner.invoke(args=["create-admin", "Zone.Head", "--name", "园区主任"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        head = db.session.scalar(select(User).where(User.login == "Zone.Head"))
        assert head.roles == {"admin"} and head.name == "园区主任"
        assert db.session.scalar(select(User).where(User.login == taken)) is None
    monkeypatch.setattr("getpass.getpass", lambda _prompt: "short")
    weak = runner.invoke(args=["create-admin", "weakling"])
    assert weak.exit_code == 1


def test_the_database_refuses_a_login_differing_only_in_case(world, ctx) -> None:  # type: ignore[no-untyped-def]
    clone = User(login=world.admin.login.upper(), name="冒名", password_hash="x")
    db.session.add(clone)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_disabling_an_expert_with_open_tickets_says_which(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    working = make.ticket(world, "in_progress")
    waiting = make.ticket(world, "expert_assigned")
    make.ticket(world, "resolved")  # finished work is not listed
    admin = login(world.admin)
    url = f"/admin/users/{world.expert_u1.id}"
    page = admin.get(url).get_data(as_text=True)
    assert working.number in page and waiting.number in page  # shown before saving
    response = admin.client.post(
        url,
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "login": world.expert_u1.login,
            "name": world.expert_u1.name,
            "roles": ["expert"],
            "university_id": str(world.u1.id),
            "locale": "zh",
            "capacity": "5",
        },
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2" in text and working.number in text and waiting.number in text
    assert "flash-warning" in text
    with app.app_context():
        assert db.session.get(User, world.expert_u1.id).active is False


def test_an_old_password_must_be_replaced_when_the_zone_says_so(world, login, app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        person = db.session.get(User, world.liaison_u1.id)
        assert person.password_changed_at is not None  # noted when the password was set
        person.password_changed_at = db.utcnow() - timedelta(days=91)
        db.session.commit()
    client = login(world.liaison_u1)
    assert client.get("/notifications").status_code == 200  # off by default
    app.config["PASSWORD_MAX_AGE_DAYS"] = 90
    try:
        response = client.get("/notifications")
        assert response.status_code == 302 and response.headers["Location"].endswith("/account")
        page = client.get("/account").get_data(as_text=True)
        changed = client.client.post(
            "/account",
            data={
                "csrf_token": hidden_value(page, "csrf_token"),
                "current": "secret-pass-1",
                "new": "a-much-better-pass-2026",
            },
        )
        assert changed.status_code == 302
        assert client.get("/notifications").status_code == 200
    finally:
        app.config["PASSWORD_MAX_AGE_DAYS"] = 0
