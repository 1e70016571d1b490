"""The optional second factor: turning it on with an authenticator app, the code after the
password, a code working once, wrong codes counted, administrators required to use it when
the setting says so, and an administrator's reset for a lost phone."""

from __future__ import annotations

import re
import uuid

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import Browser, app_config
from ticketing import create_app, db
from ticketing.accounts import twofactor
from ticketing.accounts.models import User
from ticketing.i18n import COOKIE


def _key(page: str) -> str:
    match = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', page)
    assert match, "no key on the page"
    return match.group(1).replace(" ", "")


def _turn_on(client: Browser) -> str:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = _key(page)
    wrong = client.post("/account/two-factor", {"code": "000000"}, token_from="/account/two-factor")
    assert wrong.status_code == 422
    secret = _key(wrong.get_data(as_text=True))  # the same key is offered again
    response = client.client.post(
        "/account/two-factor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": client.token("/account/two-factor")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return secret


@pytest.fixture
def later(monkeypatch):  # type: ignore[no-untyped-def]
    start = twofactor.clock()

    def move(seconds: float) -> None:
        monkeypatch.setattr(twofactor, "clock", lambda: start + seconds)

    return move


def _code(secret: str, at: float) -> str:
    return pyotp.TOTP(secret).at(at)


def test_a_wrong_first_code_turns_nothing_on(world, login, app) -> None:  # type: ignore[no-untyped-def]
    client = login(world.commissioner_a)
    client.get("/account/two-factor")
    client.post("/account/two-factor", {"code": "123456"}, token_from="/account/two-factor")
    with app.app_context():
        assert db.session.get(User, world.commissioner_a.id).totp_secret is None


def test_sign_in_asks_for_the_code_after_the_password(world, login, app, later) -> None:  # type: ignore[no-untyped-def]
    secret = _turn_on(login(world.expert_u1))
    later(60)  # a later step than the one used to turn it on
    phone = Browser(app.test_client())
    response = phone.post("/login", {"login": world.expert_u1.login, "password": "secret-pass-1"})
    assert response.headers["Location"].endswith("/login/code")
    assert phone.get("/queue/assigned").status_code == 302  # not signed in yet
    wrong = phone.post("/login/code", {"code": "000000"}, token_from="/login/code")
    assert wrong.status_code == 422
    code = _code(secret, twofactor.clock())
    right = phone.post("/login/code", {"code": code}, token_from="/login/code")
    assert right.status_code == 302
    assert phone.get("/queue/assigned").status_code == 200
    # the same code again, on another device: refused (a code works once)
    other = Browser(app.test_client())
    other.post("/login", {"login": world.expert_u1.login, "password": "secret-pass-1"})
    replay = other.post("/login/code", {"code": code}, token_from="/login/code")
    assert replay.status_code == 422 and other.get("/queue/assigned").status_code == 302
    later(90)
    fresh = other.post(
        "/login/code", {"code": _code(secret, twofactor.clock())}, token_from="/login/code"
    )
    assert fresh.status_code == 302 and other.get("/queue/assigned").status_code == 200


def test_the_code_must_follow_the_password_quickly(world, login, app, later) -> None:  # type: ignore[no-untyped-def]
    secret = _turn_on(login(world.liaison_u1))
    later(60)
    phone = Browser(app.test_client())
    phone.post("/login", {"login": world.liaison_u1.login, "password": "secret-pass-1"})
    later(60 + 301)
    late = phone.client.get("/login/code")
    assert late.status_code == 302 and late.headers["Location"].endswith("/login")
    response = phone.client.post(
        "/login/code",
        data={"code": _code(secret, twofactor.clock()), "csrf_token": phone.token()},
    )
    assert response.status_code == 302 and phone.get("/queue/all").status_code == 302


def test_without_the_password_the_code_page_opens_nothing(world, browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_wrong_codes_count_as_failed_sign_ins(world, login, tmp_path, database_url, app) -> None:  # type: ignore[no-untyped-def]
    secret = _turn_on(login(world.expert_u2))
    guarded = create_app(
        {
            **app_config(database_url, tmp_path),
            "RATELIMIT_ENABLED": True,
            "LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
        }
    )
    guarded.extensions["ticketing.db"] = app.extensions["ticketing.db"]
    thief = Browser(guarded.test_client())
    thief.client.set_cookie(COOKIE, "en")
    thief.post("/login", {"login": world.expert_u2.login, "password": "secret-pass-1"})
    pages = [
        thief.post("/login/code", {"code": f"{i:06d}"}, token_from="/login/code").get_data(
            as_text=True
        )
        for i in range(4)
    ]
    assert "Too many failed sign-ins" in pages[-1]
    # even the right code is refused now
    right = thief.post("/login/code", {"code": pyotp.TOTP(secret).now()}, token_from="/login/code")
    assert right.status_code == 422


def test_administrators_must_use_it_when_the_setting_says_so(world, login, app) -> None:  # type: ignore[no-untyped-def]
    app.config["ADMIN_TWO_FACTOR"] = True
    try:
        admin = login(world.admin)
        response = admin.get("/dashboard")
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/account/two-factor"
        )
        assert login(world.commissioner_a).get("/queue/mine").status_code == 200  # not others
        _turn_on(admin)
        assert admin.get("/dashboard").status_code == 200
        page = admin.get("/account/two-factor").get_data(as_text=True)
        assert "Turn the sign-in code off" not in page and "关闭" not in page
    finally:
        app.config["ADMIN_TWO_FACTOR"] = False


def test_turning_it_off_needs_a_code_and_an_administrator_can_reset_it(
    world, login, app, later
) -> None:  # type: ignore[no-untyped-def]
    expert = login(world.expert_u1)
    secret = _turn_on(expert)
    later(60)
    refused = expert.post(
        "/account/two-factor", {"code": "000000"}, token_from="/account/two-factor"
    )
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(User, world.expert_u1.id).totp_secret == secret
    # another person cannot reset it; an administrator can
    liaison = login(world.liaison_u1)
    url = f"/admin/users/{world.expert_u1.id}/two-factor/reset"
    assert liaison.post(url, token_from="/account").status_code == 404
    admin = login(world.admin)
    page = admin.get(f"/admin/users/{world.expert_u1.id}").get_data(as_text=True)
    assert url in page
    assert admin.post(url, token_from=f"/admin/users/{world.expert_u1.id}").status_code == 302
    with app.app_context():
        person = db.session.scalars(select(User).where(User.id == world.expert_u1.id)).one()
        assert person.totp_secret is None
    fresh = Browser(app.test_client())
    assert (
        fresh.post("/login", {"login": world.expert_u1.login, "password": "secret-pass-1"})
        .headers["Location"]
        .endswith("/")
    )
