"""The package logs through the standard logging module: refused sign-ins and conflicts,
rule violations at debug, and every server error with the request's id."""

from __future__ import annotations

import logging

from tests.conftest import app_config
from tests.helpers import act, hidden_value
from ticketing import create_app
from ticketing.db import local_today


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
