"""The security log hears of every sign-in event, account change and refusal: who, when, from
which address, what, and whether it worked."""

from __future__ import annotations

import uuid

import pyotp
from sqlalchemy import select

from tests.conftest import Browser, app_config
from ticketing import create_app, db
from ticketing.audit.models import SecurityEvent


def _log(app, since: int = 0):  # type: ignore[no-untyped-def]
    with app.app_context():
        return [
            (e.kind, e.login, e.user_id, e.actor_id, e.address, e.outcome, e.detail)
            for e in db.session.scalars(
                select(SecurityEvent).where(SecurityEvent.id > since).order_by(SecurityEvent.id)
            )
        ]


def _last_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(SecurityEvent.id).order_by(SecurityEvent.id.desc())) or 0


def test_sign_in_failure_sign_out_and_ended_sign_ins(world, app) -> None:  # type: ignore[no-untyped-def]
    start = _last_id(app)
    phone = Browser(app.test_client())
    phone.client.environ_base["REMOTE_ADDR"] = "10.20.0.1"
    phone.post("/login", {"login": "nobody-here", "password": "wrong-guess-1"})
    phone.post("/login", {"login": world.expert_u1.login, "password": "wrong-guess-2"})
    phone.login(world.expert_u1.login)
    desk = Browser(app.test_client())
    desk.login(world.expert_u1.login)
    desk.post("/account/sign-ins/end-others", token_from="/account/sign-ins")
    desk.logout()
    kinds = [(k, login, outcome) for k, login, _, _, _, outcome, _ in _log(app, start)]
    expert = world.expert_u1.login
    assert kinds == [
        ("sign_in_failed", "nobody-here", "failure"),
        ("sign_in_failed", expert, "failure"),
        ("sign_in", expert, "success"),
        ("sign_in", expert, "success"),
        ("session_ended", expert, "success"),
        ("sign_out", expert, "success"),
    ]
    events = _log(app, start)
    assert events[0][4] == "10.20.0.1" and events[2][2] == world.expert_u1.id
    assert events[4][6] == "1 other devices"


def test_lock_out_and_its_lifting(world, tmp_path, database_url, app) -> None:  # type: ignore[no-untyped-def]
    guarded = create_app(
        {
            **app_config(database_url, tmp_path),
            "RATELIMIT_ENABLED": True,
            "LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
        }
    )
    guarded.extensions["ticketing.db"] = app.extensions["ticketing.db"]
    start = _last_id(app)
    for i in range(4):
        Browser(guarded.test_client()).post(
            "/login", {"login": world.liaison_u2.login, "password": f"guess-{i}"}
        )
    admin = Browser(guarded.test_client())
    admin.login(world.admin.login)
    admin.post(
        f"/admin/users/{world.liaison_u2.id}/unlock",
        token_from=f"/admin/users/{world.liaison_u2.id}",
    )
    kinds = [(e[0], e[5], e[6]) for e in _log(app, start)]
    assert kinds == [
        ("sign_in_failed", "failure", ""),
        ("sign_in_failed", "failure", ""),
        ("sign_in_failed", "failure", ""),
        ("locked_out", "failure", ""),
        ("sign_in_failed", "failure", "locked"),
        ("sign_in", "success", ""),
        ("unlocked", "success", ""),
    ]
    unlocked = _log(app, start)[-1]
    assert unlocked[2] == world.liaison_u2.id and unlocked[3] == world.admin.id


def test_password_code_and_account_changes(world, login, app) -> None:  # type: ignore[no-untyped-def]
    client = login(world.commissioner_b)
    start = _last_id(app)
    client.post(
        "/account",
        {"current": "secret-pass-1", "new": "another-long-pass-2026"},
        token_from="/account",
    )
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = page.split('<code id="totp-key">')[1].split("<")[0].replace(" ", "")
    client.post(
        "/account/two-factor", {"code": pyotp.TOTP(secret).now()}, token_from="/account/two-factor"
    )
    admin = login(world.admin)
    url = f"/admin/users/{world.commissioner_b.id}"
    admin.post(f"{url}/two-factor/reset", token_from=url)
    form = {
        "login": world.commissioner_b.login,
        "name": world.commissioner_b.name,
        "roles": "commissioner",
        "enterprise_ids": str(world.enterprise_b.id),
        "university_id": "0",
        "locale": "zh",
        "capacity": "5",
    }
    admin.post(url, {**form, "active": ""}, token_from=url)  # disabled
    admin.post(url, {**form, "active": "y"}, token_from=url)  # enabled again
    admin.post(
        url,
        {
            **form,
            "active": "y",
            "roles": ["commissioner", "expert"],
            "university_id": str(world.u1.id),
        },
        token_from=url,
    )
    events = [(e[0], e[2], e[3], e[6]) for e in _log(app, start) if e[0] != "sign_in"]
    who, by = world.commissioner_b.id, world.admin.id
    assert events == [
        ("password_changed", who, None, ""),
        ("two_factor_enabled", who, None, ""),
        ("two_factor_disabled", who, by, ""),
        ("account_disabled", who, by, ""),
        ("account_enabled", who, by, ""),
        ("account_changed", who, by, "roles: commissioner → commissioner,expert"),
    ]


def test_refusals_are_noted(world, login, app) -> None:  # type: ignore[no-untyped-def]
    start = _last_id(app)
    client = login(world.commissioner_a)
    forged = client.client.post("/account", data={"current": "x", "new": "y"})  # no token
    assert forged.status_code == 303
    events = [(e[0], e[2], e[5], e[6]) for e in _log(app, start) if e[0] != "sign_in"]
    assert events == [("forged_request", world.commissioner_a.id, "failure", "POST /account")]


def test_password_resets_are_noted(world, login, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")  # the link goes to the outbox
    start = _last_id(app)
    browser = Browser(app.test_client())
    browser.post(
        "/password/forgot", {"login": world.liaison_u1.login}, token_from="/password/forgot"
    )
    admin = login(world.admin)
    url = f"/admin/users/{world.liaison_u1.id}"
    assert admin.post(f"{url}/new-password", token_from=url).status_code == 200
    events = [(e[0], e[1], e[3], e[6]) for e in _log(app, start) if e[0] != "sign_in"]
    assert events == [
        ("password_reset_requested", world.liaison_u1.login, None, ""),
        ("password_reset", world.liaison_u1.login, world.admin.id, "by an administrator"),
    ]
