"""Sign-ins kept on the server: a copied cookie opens nothing after sign-out, after the idle
timeout, after the absolute limit, or after "keep me signed in" has reached its maximum age;
people see and end their sign-ins, and administrators end all of someone's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import Browser
from ticketing import db
from ticketing.accounts import signins
from ticketing.accounts.models import SignIn

# pages a signed-in person opens; a replayed cookie must open none of them
PAGES = (
    "/",
    "/queue/all",
    "/account",
    "/account/sign-ins",
    "/account/tokens",
    "/dashboard",
    "/queue/all?q=x",
    "/api/v1/tickets",
    "/account/notifications",
    "/admin/users",
)


def _cookies(client: FlaskClient) -> dict[str, str]:
    return {
        name: cookie.value
        for name in ("session", "remember_token")
        if (cookie := client.get_cookie(name)) is not None
    }


def _replay(app, cookies: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    """On how many of PAGES a fresh client holding only `cookies` is signed in."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    accepted = 0
    for page in PAGES:
        response = thief.get(page)
        signed_out = response.status_code == 401 or (
            response.status_code == 302 and "/login" in response.headers["Location"]
        )
        accepted += not signed_out  # 200, or 403/404 for a page not theirs: still signed in
    return accepted


@pytest.fixture
def later(monkeypatch):  # type: ignore[no-untyped-def]
    """later(minutes=…) moves the sign-ins' clock forward from now."""
    start = signins.clock()

    def move(**delta: float) -> None:
        monkeypatch.setattr(signins, "clock", lambda: start + timedelta(**delta))

    return move


def _sign_in(browser: Browser, login: str, remember: bool = False) -> None:
    data = {"login": login, "password": "secret-pass-1"}
    if remember:
        data["remember"] = "y"
    response = browser.post("/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(world, browser, app) -> None:  # type: ignore[no-untyped-def]
    _sign_in(browser, world.admin.login, remember=True)
    stolen = _cookies(browser.client)
    assert set(stolen) == {"session", "remember_token"}
    assert _replay(app, stolen) == len(PAGES)  # the copy works while the sign-in lives
    browser.logout()
    accepted = _replay(app, stolen)
    only_remember = _replay(app, {"remember_token": stolen["remember_token"]})
    print(f"REPLAY: after sign-out, {accepted + only_remember} of {2 * len(PAGES)} accepted")
    assert accepted == only_remember == 0


def test_the_session_ends_after_the_idle_timeout(world, browser, app, later) -> None:  # type: ignore[no-untyped-def]
    _sign_in(browser, world.admin.login)
    stolen = _cookies(browser.client)
    later(minutes=29)
    assert browser.get("/queue/all").status_code == 200  # used within 30 minutes: it goes on
    later(minutes=29 + 29)
    assert browser.get("/queue/all").status_code == 200
    later(minutes=29 + 29 + 31)
    assert browser.get("/queue/all").status_code == 302
    accepted = _replay(app, stolen)
    print(f"REPLAY: after the idle timeout, {accepted} of {len(PAGES)} accepted")
    assert accepted == 0


def test_the_session_ends_at_its_absolute_limit_even_when_used(world, browser, later) -> None:  # type: ignore[no-untyped-def]
    _sign_in(browser, world.admin.login)
    for minutes in range(20, 12 * 60, 20):  # a page every 20 minutes, all day
        later(minutes=minutes)
        assert browser.get("/queue/all").status_code == 200, minutes
    later(hours=12, minutes=1)
    assert browser.get("/queue/all").status_code == 302


def test_keep_me_signed_in_has_a_maximum_age_on_the_server(world, browser, app, later) -> None:  # type: ignore[no-untyped-def]
    _sign_in(browser, world.expert_u1.login, remember=True)
    remembered = {"remember_token": _cookies(browser.client)["remember_token"]}
    later(days=13)  # no idle timeout for a kept sign-in: the browser was closed for 13 days
    assert _replay(app, remembered) == len(PAGES)
    later(days=14, minutes=1)
    accepted = _replay(app, remembered)
    print(f"REPLAY: after the remember-me maximum age, {accepted} of {len(PAGES)} accepted")
    assert accepted == 0


def test_keep_me_signed_in_can_be_turned_off(world, browser, app) -> None:  # type: ignore[no-untyped-def]
    app.config["REMEMBER_ALLOWED"] = False
    try:
        assert 'name="remember"' not in browser.get("/login").get_data(as_text=True)
        response = browser.post(
            "/login", {"login": world.admin.login, "password": "secret-pass-1", "remember": "y"}
        )
        assert response.status_code == 302
        assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))
    finally:
        app.config["REMEMBER_ALLOWED"] = True


def test_the_cookie_names_a_sign_in_not_the_person(world, browser, app) -> None:  # type: ignore[no-untyped-def]
    _sign_in(browser, world.admin.login, remember=True)
    with app.app_context():
        sign_in = db.session.scalars(select(SignIn).where(SignIn.user_id == world.admin.id)).one()
        assert len(sign_in.secret_hash) == 64
    # a forged key (the right id, another secret) opens nothing
    forged = app.test_client()
    forged.set_cookie("remember_token", f"s{sign_in.id}.guessed-secret")
    assert forged.get("/queue/all").status_code == 302


def test_people_see_their_sign_ins_and_end_one(world, login, app) -> None:  # type: ignore[no-untyped-def]
    phone = Browser(app.test_client())
    phone.client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
    )
    _sign_in(phone, world.commissioner_a.login)
    desk = login(world.commissioner_a)
    page = desk.get("/account/sign-ins").get_data(as_text=True)
    assert "Chrome · Android" in page and page.count("/end") == 3  # two rows, "every other"
    with app.app_context():
        ids = sorted(
            db.session.scalars(select(SignIn.id).where(SignIn.user_id == world.commissioner_a.id))
        )
    response = desk.post(f"/account/sign-ins/{ids[0]}/end", token_from="/account/sign-ins")
    assert response.status_code == 302
    assert phone.get("/queue/mine").status_code == 302
    assert desk.get("/queue/mine").status_code == 200
    # someone else's sign-in cannot be ended from here
    other = login(world.commissioner_b)
    with app.app_context():
        theirs = db.session.scalar(
            select(SignIn.id).where(SignIn.user_id == world.commissioner_b.id)
        )
    desk.post(f"/account/sign-ins/{theirs}/end", token_from="/account/sign-ins")
    assert other.get("/queue/mine").status_code == 200


def test_sign_out_on_every_other_device(world, login) -> None:  # type: ignore[no-untyped-def]
    devices = [login(world.liaison_u1) for _ in range(3)]
    response = devices[0].post("/account/sign-ins/end-others", token_from="/account/sign-ins")
    assert response.status_code == 302
    assert [d.get("/account").status_code for d in devices] == [200, 302, 302]


def test_an_administrator_ends_all_of_a_persons_sign_ins(world, login, app) -> None:  # type: ignore[no-untyped-def]
    devices = [login(world.expert_u1) for _ in range(2)]
    admin = login(world.admin)
    page = admin.get(f"/admin/users/{world.expert_u1.id}").get_data(as_text=True)
    assert "2" in page and f"/admin/users/{world.expert_u1.id}/sign-ins/end" in page
    response = admin.post(
        f"/admin/users/{world.expert_u1.id}/sign-ins/end",
        token_from=f"/admin/users/{world.expert_u1.id}",
    )
    assert response.status_code == 302
    assert [d.get("/queue/assigned").status_code for d in devices] == [302, 302]
    assert admin.get("/admin/users").status_code == 200
    # nobody else may
    liaison = login(world.liaison_u1)
    refused = liaison.post(
        f"/admin/users/{world.admin.id}/sign-ins/end", token_from="/account/sign-ins"
    )
    assert refused.status_code == 404
    assert admin.get("/admin/users").status_code == 200


def test_sign_ins_of_the_past_are_cleared_at_the_next_sign_in(world, browser, app, later) -> None:  # type: ignore[no-untyped-def]
    _sign_in(browser, world.admin.login)
    browser.client.delete_cookie("session")  # the browser was closed
    later(hours=13)
    _sign_in(Browser(app.test_client()), world.admin.login)
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(SignIn).where(SignIn.user_id == world.admin.id)
        )
    assert count == 1
