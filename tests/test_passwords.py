"""New passwords: weak ones refused with a clear message on every page that sets one, strong
ones accepted, nothing half-saved, and a password an administrator chose replaced at the
person's first sign-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import hidden_value
from ticketing import db
from ticketing.accounts import passwords, services
from ticketing.accounts.models import User
from ticketing.errors import RuleViolation

WEAK = [
    "aaaaaaaa",
    "1q2w3e4r",
    "P@ssw0rd",
    "password1",
    "woaini1314",
    "zhangwei1988",
    "qwertyuiop",
    "5201314a",
    "wangli123",
    "short1",
]
STRONG = [
    "demo-pass-2026",
    "secret-pass-1",
    "correct horse battery staple",
    "Tr0ub4dor&3x9",
    "长治高新区技术合作2026",
    "lamp-river-orchid-77",
]
MESSAGES = {
    "common": "This password is too common. Choose another.",
    "guess": "This password is too easy to guess.",
    "personal": "Do not use your login or name in the password.",
    "short": "Use at least 8 characters.",
}


def test_the_common_list_is_large_and_includes_chinese_patterns() -> None:
    assert len(passwords.COMMON) >= 10_000
    assert {"woaini1314", "5201314", "123456789", "qwertyuiop"} <= passwords.COMMON


def test_weak_passwords_are_refused_and_strong_ones_accepted(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        refused = [w for w in WEAK if passwords.problem(w, login="zhao.min") is not None]
        accepted = [s for s in STRONG if passwords.problem(s, login="zhao.min") is None]
        reasons = {w: str(passwords.problem(w)) for w in ("aaaaaaaa", "zhangwei1988", "short1")}
        long_phrase = "the expert came on tuesday and fixed the spindle, 主轴不再发热 " * 2
        assert len(long_phrase) > 100 and passwords.problem(long_phrase[:128]) is None
        assert str(passwords.problem("x" * 129)) == "Use at most 128 characters."
        personal = [
            passwords.problem(p, login="zhao.min", name="赵敏", email="zmin@example.cn")
            for p in ("zhao.min2026", "Zhao.Min-2026!", "赵敏的密码2026", "zmin-secret-77")
        ]
    print(
        f"PASSWORDS: refused {len(refused)} of {len(WEAK)} weak, "
        f"accepted {len(accepted)} of {len(STRONG)} strong"
    )
    assert refused == WEAK and accepted == STRONG
    assert reasons["aaaaaaaa"] == MESSAGES["common"]
    assert reasons["zhangwei1988"].startswith(MESSAGES["guess"])
    assert reasons["short1"] == MESSAGES["short"]
    assert [str(p) for p in personal] == [MESSAGES["personal"]] * 4


def _set_en(client) -> None:  # type: ignore[no-untyped-def]
    client.client.set_cookie("lang", "en")


@pytest.mark.parametrize("weak", ["P@ssw0rd", "zhangwei1988"])
def test_the_account_page_refuses_a_weak_password_and_keeps_the_old_one(
    world, login, app, weak
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        before = db.session.get(User, world.commissioner_a.id).password_hash
    client = login(world.commissioner_a)
    page = client.get("/account").get_data(as_text=True)
    response = client.client.post(
        "/account",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "current": "secret-pass-1",
            "new": weak,
        },
    )
    assert response.status_code == 422 and 'aria-invalid="true"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.commissioner_a.id).password_hash == before


def test_the_login_itself_is_refused_on_the_account_page(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.commissioner_a)
    _set_en(client)
    page = client.get("/account").get_data(as_text=True)
    response = client.client.post(
        "/account",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "current": "secret-pass-1",
            "new": world.commissioner_a.login + "-2026!x",
        },
    )
    assert response.status_code == 422
    assert MESSAGES["personal"] in response.get_data(as_text=True)


def test_the_admin_user_form_refuses_a_weak_password(world, login, app) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    _set_en(admin)
    form = {
        "login": "li.qiang",
        "name": "李强",
        "roles": "commissioner",
        "enterprise_ids": str(world.enterprise_a.id),
        "university_id": "0",
        "locale": "zh",
        "capacity": "5",
        "active": "y",
        "password": "woaini1314",
    }
    response = admin.post("/admin/users/new", form, token_from="/admin/users/new")
    assert response.status_code == 422
    assert MESSAGES["common"] in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.login == "li.qiang")) is None
    response = admin.post(
        "/admin/users/new", {**form, "password": "liqiang-2026"}, token_from="/admin/users/new"
    )
    assert MESSAGES["personal"] in response.get_data(as_text=True)


def test_a_password_an_administrator_chose_is_replaced_at_first_sign_in(world, login, app) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    form = {
        "login": "sun.li",
        "name": "孙丽",
        "roles": "commissioner",
        "enterprise_ids": str(world.enterprise_a.id),
        "university_id": "0",
        "locale": "zh",
        "capacity": "5",
        "active": "y",
        "password": "harbor-violet-3381",
    }
    assert admin.post("/admin/users/new", form, token_from="/admin/users/new").status_code == 302
    newcomer = app.test_client()
    page = newcomer.get("/login").get_data(as_text=True)
    newcomer.post(
        "/login",
        data={
            "login": "sun.li",
            "password": "harbor-violet-3381",
            "csrf_token": hidden_value(page, "csrf_token"),
        },
    )
    first = newcomer.get("/queue/mine")
    assert first.status_code == 302 and first.headers["Location"].endswith("/account")
    page = newcomer.get("/account").get_data(as_text=True)
    changed = newcomer.post(
        "/account",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "current": "harbor-violet-3381",
            "new": "maple-kettle-9052",
        },
    )
    assert changed.status_code == 302
    assert newcomer.get("/queue/mine").status_code == 200
    # an administrator changing their own password is not asked again
    with app.app_context():
        assert db.session.get(User, world.admin.id).must_change_password is False


def test_the_service_refuses_a_weak_password_for_every_caller(world, ctx) -> None:  # type: ignore[no-untyped-def]
    person = db.session.get(User, world.expert_u1.id)
    with pytest.raises(RuleViolation) as refused:
        services.change_password(person, person, current="secret-pass-1", new="1q2w3e4r")
    assert refused.value.field == "new"
    db.session.rollback()
