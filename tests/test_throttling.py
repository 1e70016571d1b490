"""Sign-in throttling: failures counted per account whatever the address, a lock-out that
ends by itself and that an administrator lifts, the person's own browser never locked out by
strangers, a limit per address, the same answer for unknown logins, and counters that hold
across processes sharing Redis."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from alembic import command
from flask import Flask

from tests.conftest import Browser, app_config
from ticketing import create_app
from ticketing.accounts import services
from ticketing.cli import alembic_config
from ticketing.config import ConfigError
from ticketing.i18n import COOKIE

REFUSED = "The login or password is not right."
LOCKED = "Too many failed sign-ins for this login."
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def guarded(tmp_path, database_url, app) -> Flask:  # type: ignore[no-untyped-def]
    """An app with throttling on (memory counters of its own), over this test's data."""
    throttled = create_app(
        {
            **app_config(database_url, tmp_path),
            "RATELIMIT_ENABLED": True,
            "LOGIN_ACCOUNT_LIMIT": "10 per 15 minutes",
            "LOGIN_IP_RATE_LIMIT": "1000 per minute",
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
        }
    )
    throttled.extensions["ticketing.db"] = app.extensions["ticketing.db"]
    return throttled


def _client(app: Flask) -> Browser:
    client = Browser(app.test_client())
    client.client.set_cookie(COOKIE, "en")
    return client


def _attempt(client: Browser, login: str, password: str, address: str) -> str:
    response = client.client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": client.token()},
        environ_base={"REMOTE_ADDR": address},
    )
    if response.status_code == 302:
        return "in"
    text = response.get_data(as_text=True)
    if LOCKED in text:
        return "locked"
    assert REFUSED in text, text[:500]
    return "refused"


def test_one_account_from_30_addresses_gets_at_most_the_limit(world, guarded) -> None:  # type: ignore[no-untyped-def]
    answers = [
        _attempt(_client(guarded), world.admin.login, f"guess-{i}", f"10.1.0.{i % 30}")
        for i in range(60)
    ]
    checked = answers.count("refused")
    print(f"THROTTLE: one account from 30 addresses, {checked} of 60 guesses checked in 15 min")
    assert checked == 10 and answers[10:] == ["locked"] * 50
    # the right password is refused too while the lock lasts, from a new address
    assert _attempt(_client(guarded), world.admin.login, "secret-pass-1", "10.2.0.1") == "locked"


def test_unknown_logins_get_the_same_answers(world, guarded) -> None:  # type: ignore[no-untyped-def]
    def pages(login: str) -> list[str]:
        client = _client(guarded)
        out = []
        for i in range(11):
            response = client.client.post(
                "/login",
                data={"login": login, "password": f"guess-{i}", "csrf_token": client.token()},
            )
            text = response.get_data(as_text=True).replace(login, "X")
            out.append(f"{response.status_code} " + re.sub(r'value="[^"]{40,}"', "", text))
        return out

    known, unknown = pages(world.expert_u1.login), pages("nobody-at-all")
    assert known == unknown
    assert LOCKED in known[-1] and REFUSED in known[0]


def test_the_persons_own_browser_is_not_locked_out_by_strangers(world, guarded) -> None:  # type: ignore[no-untyped-def]
    own = _client(guarded)
    assert _attempt(own, world.liaison_u1.login, "secret-pass-1", "10.3.0.1") == "in"
    own.logout()
    for i in range(12):
        _attempt(_client(guarded), world.liaison_u1.login, f"x-{i}", f"10.4.0.{i}")
    assert (
        _attempt(_client(guarded), world.liaison_u1.login, "secret-pass-1", "10.4.0.99") == "locked"
    )
    # the device cookie from the earlier sign-in keeps the person's own counter
    assert _attempt(own, world.liaison_u1.login, "secret-pass-1", "10.3.0.1") == "in"
    # a stolen device cookie is held to the same limit on its own counter
    own.logout()
    answers = [_attempt(own, world.liaison_u1.login, f"y-{i}", "10.5.0.1") for i in range(12)]
    assert answers.count("refused") == 10 and answers[-1] == "locked"


def test_an_administrator_sees_and_lifts_the_lock(world, guarded) -> None:  # type: ignore[no-untyped-def]
    for i in range(10):
        _attempt(_client(guarded), world.expert_u2.login, f"x-{i}", "10.6.0.1")
    admin = _client(guarded)
    assert _attempt(admin, world.admin.login, "secret-pass-1", "10.7.0.1") == "in"
    page = admin.get(f"/admin/users/{world.expert_u2.id}").get_data(as_text=True)
    assert "Sign-in is locked for another 15 minutes" in page
    response = admin.post(
        f"/admin/users/{world.expert_u2.id}/unlock", token_from=f"/admin/users/{world.expert_u2.id}"
    )
    assert response.status_code == 302
    assert "is locked" not in admin.get(f"/admin/users/{world.expert_u2.id}").get_data(as_text=True)
    assert _attempt(_client(guarded), world.expert_u2.login, "secret-pass-1", "10.6.0.2") == "in"
    # only administrators may lift it
    expert = _client(guarded)
    assert _attempt(expert, world.expert_u1.login, "secret-pass-1", "10.8.0.1") == "in"
    refused = expert.post(f"/admin/users/{world.admin.id}/unlock", token_from="/account")
    assert refused.status_code == 404


def test_one_address_is_limited_whatever_the_logins(world, tmp_path, database_url, app) -> None:  # type: ignore[no-untyped-def]
    throttled = create_app(
        {
            **app_config(database_url, tmp_path),
            "RATELIMIT_ENABLED": True,
            "LOGIN_IP_RATE_LIMIT": "5 per minute",
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
            "WTF_CSRF_ENABLED": False,
        }
    )
    throttled.extensions["ticketing.db"] = app.extensions["ticketing.db"]
    client = throttled.test_client()
    statuses = [
        client.post("/login", data={"login": f"person-{i}", "password": "x-x-x-x-x"}).status_code
        for i in range(7)
    ]
    assert statuses == [422] * 5 + [429] * 2


def test_production_refuses_counters_kept_in_one_worker(
    tmp_path, database_url, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = {
        **app_config(database_url, tmp_path),
        "ENV": "production",
        "TRUSTED_HOSTS": ["localhost"],
        "SECRET_KEY": "a-long-random-production-secret-of-40-bytes",
        "RATELIMIT_ENABLED": True,
    }
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app(config)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")  # one worker, said out loud: memory will do
    assert create_app(config).config["RATELIMIT_STORAGE_URI"] == "memory://"


def _redis_is_there() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(
    not _redis_is_there() and not os.environ.get("CI"),
    reason="needs Redis on 127.0.0.1:6379 (CI has it)",
)
def test_two_processes_sharing_redis_count_as_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = "sqlite:///" + str(tmp_path / "throttle.sqlite")
    command.upgrade(alembic_config(url), "head")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex,
        "LOGIN_ACCOUNT_LIMIT": "10 per 15 minutes",
        "LOGIN_IP_RATE_LIMIT": "20 per minute",
        "PYTHONPATH": str(ROOT),
    }
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.throttle_server"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        ports = [int(server.stdout.readline()) for server in servers]  # type: ignore[union-attr]

        def post(port: int, login: str, address: str) -> tuple[int, str]:
            body = urllib.parse.urlencode({"login": login, "password": "guess-guess"}).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/login",
                data=body,
                headers={"X-Forwarded-For": address, "Cookie": f"{COOKIE}=en"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()

        # one account, attempts alternating between the two processes, from many addresses
        answers = [post(ports[i % 2], "someone", f"10.9.0.{i}") for i in range(30)]
        checked = sum(REFUSED in text for _, text in answers)
        locked = sum(LOCKED in text for _, text in answers)
        print(f"THROTTLE: two processes sharing Redis, {checked} of 30 guesses checked")
        assert checked == 10 and locked == 20
        # one address, many logins, alternating: the address limit (20 a minute) is shared too
        statuses = [post(ports[i % 2], f"person-{i}", "10.10.0.1")[0] for i in range(24)]
        assert statuses.count(429) == 4 and statuses[:20] == [422] * 20
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def test_unknown_and_disabled_logins_cost_the_same_work(world, guarded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The answer's timing cannot tell accounts apart: each refused password costs exactly one
    password-hash verification, known login or not; a locked login costs none, either way."""
    verified: list[str] = []
    hasher = services._hasher

    class Counting:
        def __init__(self, inner):  # type: ignore[no-untyped-def]
            self.inner = inner

        def verify(self, hashed, password):  # type: ignore[no-untyped-def]
            verified.append(password)
            return self.inner.verify(hashed, password)

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self.inner, name)

    monkeypatch.setattr(services, "_hasher", lambda: Counting(hasher()))
    cases = {
        "known": world.commissioner_b.login,
        "unknown": "no-such-person",
        "disabled": world.disabled.login,
    }
    costs = {}
    for label, login in cases.items():
        verified.clear()
        assert _attempt(_client(guarded), login, "wrong-guess", "10.11.0.1") == "refused"
        costs[label] = len(verified)
    assert costs == {"known": 1, "unknown": 1, "disabled": 1}
    for label, login in cases.items():
        for i in range(10):
            _attempt(_client(guarded), login, f"wrong-{i}", "10.11.0.2")
        verified.clear()
        assert _attempt(_client(guarded), login, "wrong-again", "10.11.0.3") == "locked"
        costs[label] = len(verified)
    assert costs == {"known": 0, "unknown": 0, "disabled": 0}
