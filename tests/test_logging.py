"""The package logs through the standard logging module: refused sign-ins and conflicts,
rule violations at debug, and every server error with the request's id."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.conftest import Browser, app_config
from tests.helpers import act, hidden_value
from ticketing import config as settings
from ticketing import create_app, db, logs
from ticketing.accounts import services, twofactor
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.notify.models import OutboxMessage


def test_a_server_error_is_logged_with_the_request_id_shown_on_the_page(
    database_url, tmp_path, app, caplog
) -> None:  # type: ignore[no-untyped-def]
    failing = create_app({**app_config(database_url, tmp_path), "TESTING": False})
    failing.extensions["ticketing.db"] = app.extensions["ticketing.db"]

    @failing.get("/boom")
    def boom() -> str:
        raise RuntimeError("the disk is full")

    with caplog.at_level(logging.ERROR, logger="ticketing"):
        response = failing.test_client().get("/boom", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-12345678"
    assert "req-12345678" in response.get_data(as_text=True)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "/boom" in errors[0].getMessage()
    assert "req-12345678" in errors[0].getMessage()
    assert errors[0].exc_info and "the disk is full" in str(errors[0].exc_info[1])


def test_each_request_gets_an_id(browser) -> None:  # type: ignore[no-untyped-def]
    first = browser.get("/login").headers["X-Request-ID"]
    second = browser.get("/login").headers["X-Request-ID"]
    assert len(first) == 16 and first != second
    forged = browser.get("/login", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert forged != "<script>"


def test_refused_sign_in_is_logged(world, browser, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="ticketing"):
        browser.post("/login", {"login": world.admin.login, "password": "wrong-pass-1"})
    assert any(
        "refused sign-in" in r.getMessage() and world.admin.login in r.getMessage()
        for r in caplog.records
    )
    assert not any("wrong-pass-1" in r.getMessage() for r in caplog.records)


def test_rule_violations_at_debug_and_conflicts_at_info(make, world, login, caplog) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "outcome_intention").number
    client = login(world.commissioner_a)
    fields = {"agreement_number": "HT-1", "agreement_date": local_today().isoformat()}
    with caplog.at_level(logging.DEBUG, logger="ticketing"):
        refused = act(client, number, "sign_agreement", amount="12.345", **fields)
    assert refused.status_code == 422
    violations = [r for r in caplog.records if "rule violation" in r.getMessage()]
    assert [r.levelno for r in violations] == [logging.DEBUG]
    assert "amount" in violations[0].getMessage()
    caplog.clear()
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    stale = {
        "sign_agreement-csrf_token": hidden_value(page, "sign_agreement-csrf_token"),
        "sign_agreement-version": "1",
        "sign_agreement-amount": "12",
        **{f"sign_agreement-{k}": v for k, v in fields.items()},
    }
    with caplog.at_level(logging.INFO, logger="ticketing"):
        response = client.client.post(f"/tickets/{number}/act/sign_agreement", data=stale)
    assert response.status_code == 409
    assert [r.levelno for r in caplog.records if "conflict" in r.getMessage()] == [logging.INFO]


# -- JSON lines and secrets -----------------------------------------------------------------


def test_the_log_format_setting(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("TICKETING_ENV", raising=False)
    assert settings.load(str(tmp_path))["LOG_FORMAT"] == "text"
    monkeypatch.setenv("TICKETING_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("TRUSTED_HOSTS", "tickets.example.cn")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert settings.load(str(tmp_path))["LOG_FORMAT"] == "json"
    monkeypatch.setenv("LOG_FORMAT", "TEXT")
    assert settings.load(str(tmp_path))["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(settings.ConfigError, match="LOG_FORMAT"):
        settings.load(str(tmp_path))


def test_a_json_line_carries_the_exception_as_a_field() -> None:
    try:
        raise ValueError("the disk is full")
    except ValueError:
        record = logging.getLogger("ticketing.x").makeRecord(
            "ticketing.x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info()
        )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "failed here" and line["level"] == "ERROR"
    assert line["logger"] == "ticketing.x" and "request_id" not in line  # not in a request
    assert line["exception"].startswith("Traceback") and "the disk is full" in line["exception"]
    assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)


class _Answers(FlaskClient):
    """The test client, keeping every answer (to compare their X-Request-ID with the log)."""

    answers: list[Any] = []

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        self.answers.append(response)
        return response


def _cookies(*browsers: Browser) -> list[str]:
    found = []
    for browser in browsers:
        for name in ("session", "remember_token"):
            cookie = browser.client.get_cookie(name)
            if cookie is not None and cookie.value:
                found.append(cookie.value)
    return found


def test_no_secret_in_any_line_and_every_line_json_with_its_request(
    database_url, tmp_path, app, world, caplog, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    watched = create_app({**app_config(database_url, tmp_path), "LOG_LEVEL": "DEBUG"})
    watched.extensions["ticketing.db"] = app.extensions["ticketing.db"]
    watched.config["TESTING"] = False  # a server error is answered with the error page
    watched.config["SMTP_HOST"] = "127.0.0.1"  # reset links are mailed (to the outbox)
    answers: list[Any] = []
    watched.test_client_class = type("Answers", (_Answers,), {"answers": answers})
    ticketing_level = logging.getLogger("ticketing").level
    with watched.app_context():
        db.session.execute(
            update(User).where(User.id == world.liaison_u1.id).values(email="l1@example.cn")
        )
        db.session.commit()
    wrong, first, changed, from_link, last = (
        "wrong-Pass-7731",
        "secret-pass-1",
        "changed-Pass-5519",
        "linked-Pass-8842",
        "never-Saved-3307",
    )
    caplog.handler.setFormatter(logs.JsonFormatter())
    caplog.set_level(logging.DEBUG)  # the root logger: every library's lines too
    try:
        # sign-in with a wrong password, then the right one; a password change
        me = Browser(watched.test_client())
        refused = me.post("/login", {"login": world.commissioner_a.login, "password": wrong})
        assert refused.status_code in (200, 422)
        me.login(world.commissioner_a.login, first)
        moved = me.post("/account", {"current": first, "new": changed}, token_from="/account")
        assert moved.status_code == 302
        # an API token made on the account page, used, and a wrong one
        page = me.post(
            "/account/tokens", {"name": "script", "days": "30"}, token_from="/account/tokens"
        ).get_data(as_text=True)
        api_secret = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)  # type: ignore[union-attr]
        api = watched.test_client()
        assert (
            api.get(
                "/api/v1/tickets", headers={"Authorization": f"Bearer {api_secret}"}
            ).status_code
            == 200
        )
        wrong_api = api_secret[:-4] + "zzzz"
        assert (
            api.get("/api/v1/tickets", headers={"Authorization": f"Bearer {wrong_api}"}).status_code
            == 401
        )
        # a password reset link and its token
        other = Browser(watched.test_client())
        asked = other.post(
            "/password/forgot", {"login": world.liaison_u1.login}, token_from="/password/forgot"
        )
        assert asked.status_code == 302
        with watched.app_context():
            [body] = db.session.scalars(select(OutboxMessage.body)).all()
        link = re.search(r"/password/reset/([\w-]+)", body)
        assert link
        reset_token = link.group(1)
        assert other.get(link.group(0)).status_code == 200
        done = other.post(link.group(0), {"new": from_link}, token_from=link.group(0))
        assert done.status_code == 302
        # the sign-in code: turned on with the key shown, then used after the password
        expert = Browser(watched.test_client())
        expert.login(world.expert_u1.login)
        shown = expert.get("/account/two-factor").get_data(as_text=True)
        totp_secret = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', shown).group(1)  # type: ignore[union-attr]
        totp_secret = totp_secret.replace(" ", "")
        first_code = pyotp.TOTP(totp_secret).now()
        on = expert.post(
            "/account/two-factor", {"code": first_code}, token_from="/account/two-factor"
        )
        assert on.status_code == 302
        start = twofactor.clock()
        monkeypatch.setattr(twofactor, "clock", lambda: start + 60)
        phone = Browser(watched.test_client())
        phone.post("/login", {"login": world.expert_u1.login, "password": first})
        second_code = pyotp.TOTP(totp_secret).at(start + 60)
        signed = phone.post("/login/code", {"code": second_code}, token_from="/login/code")
        assert signed.status_code == 302 and phone.get("/queue/assigned").status_code == 200
        # a form whose service fails: the error page shows the request's id
        monkeypatch.setattr(services, "change_password", _fail)
        failed = me.post("/account", {"current": changed, "new": last}, token_from="/account")
        assert failed.status_code == 500
        failed_id = failed.headers["X-Request-ID"]
        assert failed_id in failed.get_data(as_text=True)
        cookies = _cookies(me, other, expert, phone)
    finally:
        logging.getLogger("ticketing").setLevel(ticketing_level)

    text = caplog.text
    secrets = [wrong, first, changed, from_link, last, api_secret, wrong_api, reset_token]
    secrets += [totp_secret, *cookies]
    assert len(cookies) >= 4
    for secret in secrets:
        assert secret not in text, secret
    for code in (first_code, second_code):
        assert not re.search(rf"\b{code}\b", text), code
    lines = [json.loads(line) for line in text.splitlines()]  # every line one JSON object
    assert len(lines) >= len(answers) > 20
    ids = {answer.headers["X-Request-ID"] for answer in answers}
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
        assert line["time"].endswith("Z")
        assert line.get("request_id") in ids, line
    requests = [line for line in lines if line["logger"] == "ticketing.request"]
    for answer in answers:  # one line per request, with that request's id
        [line] = [r for r in requests if r["request_id"] == answer.headers["X-Request-ID"]]
        assert line["status"] == answer.status_code
        assert "?" not in line["path"] and line["method"] in ("GET", "POST")
        assert line["client"] == "127.0.0.1" and line["duration_ms"] >= 0
    reset_lines = [r for r in requests if r["endpoint"] == "password.with_link"]
    assert [r["path"] for r in reset_lines] == ["/password/reset/[redacted]"] * 3
    signed_in = [r for r in requests if r["endpoint"] == "accounts.account"]
    assert signed_in and all(r["user_id"] == world.commissioner_a.id for r in signed_in)
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == failed_id
    assert error["exception"].startswith("Traceback") and "the disk is full" in error["exception"]


def _fail(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the disk is full")
