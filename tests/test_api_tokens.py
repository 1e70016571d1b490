"""Personal access tokens: shown once, kept hashed, revocable, refused when dead."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import app_config
from ticketing import create_app, db
from ticketing.api.models import ApiToken
from ticketing.api.tokens import authenticate, create_token, digest


def _secret(page: str) -> str:
    match = re.search(r'<code id="new-token">([^<]+)</code>', page)
    assert match, page[:2000]
    return match.group(1)


def test_the_account_page_shows_a_new_token_once_and_keeps_its_hash(app, world, login) -> None:
    me = login(world.commissioner_a)
    page = me.post(
        "/account/tokens", {"name": "报表脚本", "days": "30"}, token_from="/account/tokens"
    )
    assert page.status_code == 200
    secret = _secret(page.get_data(as_text=True))
    assert secret.startswith("tkt_") and len(secret) > 40
    again = me.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and "报表脚本" in again and secret[:12] in again
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.token_hash == digest(secret) and secret not in (row.token_hash, row.prefix + "x")
        assert row.expires_at is not None
    answer = app.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200


def test_a_revoked_token_is_refused(app, world, login) -> None:
    me = login(world.commissioner_a)
    secret = _secret(
        me.post(
            "/account/tokens", {"name": "x", "days": ""}, token_from="/account/tokens"
        ).get_data(as_text=True)
    )
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    me.post(f"/account/tokens/{token_id}/revoke", {}, token_from="/account/tokens")
    answer = app.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"


def test_someone_elses_token_cannot_be_revoked(app, world, login) -> None:
    with app.app_context():
        token, _secret_ = create_token(world.commissioner_b, name="b")
        db.session.commit()
        token_id = token.id
    me = login(world.commissioner_a)
    me.post(f"/account/tokens/{token_id}/revoke", {}, token_from="/account/tokens")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_expired_tokens_and_disabled_users_are_refused(app, make, world) -> None:
    with app.app_context():
        token, secret = create_token(world.commissioner_a, name="soon", days=30)
        token.expires_at = db.utcnow() - timedelta(seconds=1)
        _t, of_disabled = create_token(world.commissioner_b, name="b")
        db.session.commit()
        assert authenticate(secret) is None
    client = app.test_client()
    assert (
        client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    with app.app_context():
        user = db.session.get(type(world.commissioner_b), world.commissioner_b.id)
        assert authenticate(of_disabled) is not None
        user.active = False
        db.session.commit()
        assert authenticate(of_disabled) is None
    assert (
        client.get(
            "/api/v1/tickets", headers={"Authorization": f"Bearer {of_disabled}"}
        ).status_code
        == 401
    )


def test_wrong_tokens_and_tokens_in_the_url_are_refused(app, world) -> None:
    client = app.test_client()
    with app.app_context():
        _t, secret = create_token(world.admin, name="a")
        db.session.commit()
    for header in ("Bearer tkt_nope", "Bearer ", "Basic abc", f"Bearer {secret}x", secret):
        answer = client.get("/api/v1/tickets", headers={"Authorization": header})
        assert answer.status_code == 401, header
        assert answer.get_json()["status"] == 401
    assert client.get(f"/api/v1/tickets?access_token={secret}").status_code == 401
    assert client.get(f"/api/v1/tickets?token={secret}").status_code == 401


def test_cookie_calls_need_the_csrf_token_bearer_calls_do_not(app, world, login) -> None:
    me = login(world.commissioner_a)
    body = {
        "title": "废水处理",
        "description": "COD 超标",
        "category": "tech_upgrade",
        "enterprise_id": world.enterprise_a.id,
    }
    assert me.client.get("/api/v1/tickets").status_code == 200  # reads need no token
    refused = me.client.post("/api/v1/tickets", json=body)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    token = me.token("/account/tokens")
    made = me.client.post("/api/v1/tickets", json=body, headers={"X-CSRFToken": token})
    assert made.status_code == 201, made.get_json()
    with app.app_context():
        _t, secret = create_token(world.commissioner_a, name="a")
        db.session.commit()
    bearer = app.test_client().post(
        "/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {secret}"}
    )
    assert bearer.status_code == 201


def test_calls_are_rate_limited_per_token(tmp_path, database_url, world, app) -> None:
    throttled = create_app(
        {
            **app_config(database_url, tmp_path),
            "RATELIMIT_ENABLED": True,
            "API_RATE_LIMIT": "3 per minute",
        }
    )
    throttled.extensions["ticketing.db"] = app.extensions["ticketing.db"]  # this test's data
    with app.app_context():
        _a, first = create_token(world.commissioner_a, name="a")
        _b, second = create_token(world.commissioner_a, name="b")
        db.session.commit()
    client = throttled.test_client()

    def call(secret: str) -> int:
        headers = {"Authorization": f"Bearer {secret}"}
        return client.get("/api/v1/tickets", headers=headers).status_code

    assert [call(first) for _ in range(4)] == [200, 200, 200, 429]
    refused = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {first}"})
    assert refused.mimetype == "application/problem+json"
    assert call(second) == 200  # another token has its own count


def test_token_changes_are_logged_without_the_secret(app, world, login, caplog) -> None:
    caplog.set_level("INFO")
    me = login(world.commissioner_a)
    page = me.post("/account/tokens", {"name": "x", "days": "90"}, token_from="/account/tokens")
    secret = _secret(page.get_data(as_text=True))
    app.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}x"})
    text = caplog.text
    assert "API token" in text and "created" in text and "API call refused" in text
    assert secret not in text and secret[4:12] not in text


def test_the_list_shows_when_a_token_was_last_used(app, world, login) -> None:
    me = login(world.commissioner_a)
    page = me.post("/account/tokens", {"name": "脚本", "days": "90"}, token_from="/account/tokens")
    secret = _secret(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalars(select(ApiToken.last_used_at)).one() is None
    app.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"})
    with app.app_context():
        assert db.session.scalars(select(ApiToken.last_used_at)).one() is not None
