"""The security log: events written with the change they describe (none for a change that
rolled back), events kept although the request rolled back (record_now), the database refusing
to change or cut the log short, the prune command, and the admin's page with its downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from ticketing import config, db, writes
from ticketing.accounts.models import User
from ticketing.audit import services as audit
from ticketing.audit.models import Kind, SecurityEvent
from ticketing.errors import RuleViolation
from ticketing.listing import LIST_PAGE

LOCAL = db.ZONE_TIME


def _events(app, kind: str | None = None):  # type: ignore[no-untyped-def]
    """The events (of `kind`), oldest first, as plain tuples read in a fresh context."""
    with app.app_context():
        query = select(SecurityEvent).order_by(SecurityEvent.id)
        if kind is not None:
            query = query.where(SecurityEvent.kind == kind)
        return [
            (e.kind, e.user_id, e.login, e.actor_id, e.address, e.outcome, e.detail, e.at)
            for e in db.session.scalars(query)
        ]


def _add_old(days: int, login: str = "old-one") -> int:
    """An event `days` old, inserted as the suite inserts rows (inserting is always allowed)."""
    at = datetime.now(UTC) - timedelta(days=days)
    values = dict(at=at, kind="sign_in", login=login, address="", outcome="success", detail="")
    row_id = db.session.execute(insert(SecurityEvent).values(**values)).inserted_primary_key[0]
    db.session.commit()
    return int(row_id)


# -- record and record_now -------------------------------------------------------------------


def test_record_is_kept_with_its_change_and_gone_with_a_rollback(app, world, ctx) -> None:  # type: ignore[no-untyped-def]
    admin = db.session.get(User, world.admin.id)
    writes.run(lambda: audit.record(Kind.SETTINGS_CHANGED, user=admin, detail="kept"))

    def refused() -> None:
        audit.record(Kind.SETTINGS_CHANGED, user=admin, detail="rolled back")
        raise RuleViolation(None, "no")

    with pytest.raises(RuleViolation):
        writes.run(refused)
    rows = _events(app, Kind.SETTINGS_CHANGED)
    assert [(r[1], r[2], r[4], r[5], r[6]) for r in rows] == [
        (admin.id, admin.login, "", "success", "kept")  # no request: no address
    ]


def test_record_now_is_kept_when_the_request_rolls_back(app, world) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context(
        "/login", method="POST", environ_base={"REMOTE_ADDR": "10.1.2.3"}
    ):
        admin = db.session.get(User, world.admin.id)  # the request's transaction is open
        audit.record(Kind.SETTINGS_CHANGED, user=admin, detail="with the change")
        audit.record_now(
            Kind.SIGN_IN_FAILED, login="  nobody ", outcome="failure", detail="wrong password"
        )
        audit.record_now(Kind.ACCOUNT_DISABLED, user=world.disabled, actor=admin)
        db.session.rollback()
        audit.record_now(Kind.LOCKED_OUT, user=admin, actor=admin, outcome="failure")
    rows = _events(app)
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        ("sign_in_failed", None, "nobody", None, "10.1.2.3", "failure", "wrong password"),
        (
            "account_disabled",
            world.disabled.id,
            world.disabled.login,
            admin.id,
            "10.1.2.3",
            "success",
            "",
        ),  # fmt: skip
        # by the person themself: no separate actor
        ("locked_out", admin.id, admin.login, None, "10.1.2.3", "failure", ""),
    ]


def test_an_unknown_kind_or_outcome_is_a_programming_error(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        audit.record("coffee_made")
    with pytest.raises(ValueError):
        audit.record_now(Kind.SIGN_IN, outcome="maybe")


# -- the database keeps the log ------------------------------------------------------------------


def test_the_database_refuses_to_change_an_event(app, world, ctx) -> None:  # type: ignore[no-untyped-def]
    old = _add_old(400)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(
            text("UPDATE security_event SET detail = 'changed' WHERE id = :id"), {"id": old}
        )
    db.session.rollback()
    assert db.session.scalar(select(SecurityEvent.detail).where(SecurityEvent.id == old)) == ""


def test_the_database_deletes_only_events_older_than_180_days(app, world, ctx) -> None:  # type: ignore[no-untyped-def]
    young = _add_old(179)
    old = _add_old(181)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM security_event WHERE id = :id"), {"id": young})
    db.session.rollback()
    db.session.execute(text("DELETE FROM security_event WHERE id = :id"), {"id": old})
    db.session.commit()
    left = set(db.session.scalars(select(SecurityEvent.id)))
    assert young in left and old not in left


def test_prune_deletes_what_is_older_than_the_days_kept(app, world) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        old, older, young = _add_old(181), _add_old(500), _add_old(100)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["audit", "prune", "--days", "90"])
    assert refused.exit_code == 1 and "180" in refused.output
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert "2 security events older than 180 days deleted." in result.output
    with app.app_context():
        left = set(db.session.scalars(select(SecurityEvent.id)))
    assert young in left and not left & {old, older}
    assert [r[6] for r in _events(app, Kind.LOG_PRUNED)] == ["2 events older than 180 days deleted"]
    result = runner.invoke(args=["audit", "prune", "--days", "365"])
    assert "0 security events older than 365 days deleted." in result.output


def test_the_days_kept_are_at_least_180(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert config.load(str(tmp_path))["AUDIT_KEEP_DAYS"] == 180
    assert config.load(str(tmp_path), {"AUDIT_KEEP_DAYS": 400})["AUDIT_KEEP_DAYS"] == 400
    with pytest.raises(config.ConfigError, match="AUDIT_KEEP_DAYS"):
        config.load(str(tmp_path), {"AUDIT_KEEP_DAYS": 179})
    monkeypatch.setenv("AUDIT_KEEP_DAYS", "30")
    with pytest.raises(config.ConfigError, match="AUDIT_KEEP_DAYS"):
        config.load(str(tmp_path))


# -- the events the product writes ---------------------------------------------------------------


@pytest.fixture
def private_ok(app, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


def test_webhook_changes_are_logged_and_a_refused_one_is_not(app, world, login, private_ok) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    form = {"name": "集团平台", "url": "http://127.0.0.1:9/hook", "events": ["ticket.routed"]}
    made = admin.post("/admin/webhooks/new", form, token_from="/admin/webhooks/new")
    assert made.status_code == 302
    hook_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    bad = admin.post(
        f"/admin/webhooks/{hook_id}/edit",
        {**form, "url": "ftp://nowhere"},
        token_from="/admin/webhooks/new",
    )
    assert bad.status_code == 422
    admin.post(f"/admin/webhooks/{hook_id}/active", {"active": "0"}, token_from="/admin/webhooks")
    admin.post(f"/admin/webhooks/{hook_id}/delete", {}, token_from="/admin/webhooks")
    rows = _events(app, Kind.WEBHOOK_CHANGED)
    assert [(r[1], r[2], r[4], r[5]) for r in rows] == [
        (world.admin.id, world.admin.login, "127.0.0.1", "success")
    ] * 3
    assert [r[6].split(":")[0] for r in rows] == [
        f"webhook {hook_id} created",
        f"webhook {hook_id} paused",
        f"webhook {hook_id} deleted",
    ]
    assert "集团平台 http://127.0.0.1:9/hook [ticket.routed]" in rows[0][6]


def test_api_tokens_made_and_revoked_are_logged_without_the_secret(app, world, login) -> None:  # type: ignore[no-untyped-def]
    me = login(world.commissioner_a)
    page = me.post(
        "/account/tokens", {"name": "报表脚本", "days": "30"}, token_from="/account/tokens"
    )
    secret = re.search(r"tkt_[A-Za-z0-9_-]+", page.get_data(as_text=True)).group(0)  # type: ignore[union-attr]
    listed = me.get("/account/tokens").get_data(as_text=True)
    token_id = re.search(r"/account/tokens/(\d+)/revoke", listed).group(1)  # type: ignore[union-attr]
    me.post(f"/account/tokens/{token_id}/revoke", {}, token_from="/account/tokens")
    me.post(f"/account/tokens/{token_id}/revoke", {}, token_from="/account/tokens")  # again
    rows = _events(app, Kind.TOKEN_CREATED) + _events(app, Kind.TOKEN_REVOKED)
    who = (world.commissioner_a.id, world.commissioner_a.login, None, "127.0.0.1", "success")
    assert [r[1:6] for r in rows] == [who, who]
    assert all(f"token {token_id} “报表脚本” ({secret[:12]}…" in r[6] for r in rows)
    assert all(secret not in r[6] for r in rows)


def _targets_form(client, **changes: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    page = client.get("/admin/working-time").get_data(as_text=True)
    data: dict[str, object] = {}
    for name in re.findall(r'name="((?:route|assign|start|resolve)_[a-z]+)"', page):
        value = page.split(f'name="{name}"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        data[name] = changes.get(name, value)
    return data


def test_working_time_settings_are_logged_and_a_refused_change_is_not(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    url = "/admin/working-time"
    refused = admin.post(
        f"{url}/targets", _targets_form(admin, route_normal=5, start_low=0), token_from=url
    )
    assert refused.status_code == 422
    assert _events(app, Kind.SETTINGS_CHANGED) == []
    saved = admin.post(f"{url}/targets", _targets_form(admin, route_normal=5), token_from=url)
    assert saved.status_code == 302
    day = {"day": "2026-10-08", "working": "0", "name": "国庆节"}
    assert admin.post(f"{url}/days", day, token_from=url).status_code == 302
    admin.post(f"{url}/days/remove", {"day": "2026-10-08"}, token_from=url)
    rows = _events(app, Kind.SETTINGS_CHANGED)
    assert [r[6] for r in rows] == [
        "time targets: route/normal 3→5",
        "calendar: 2026-10-08 day off 国庆节",
        "calendar: 2026-10-08 removed",
    ]
    assert {(r[1], r[4], r[5]) for r in rows} == {(world.admin.id, "127.0.0.1", "success")}


def test_every_download_is_logged_with_its_file_and_rows(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    assert admin.get("/reports/yearly?year=2025&format=csv").status_code == 200
    assert admin.get("/admin/import/export/users/xlsx").status_code == 200
    assert admin.get("/reports/yearly?year=2025").status_code == 200  # a page: no event
    rows = _events(app, Kind.EXPORT)
    assert [(r[1], r[4], r[5]) for r in rows] == [(world.admin.id, "127.0.0.1", "success")] * 2
    assert re.fullmatch(r".+\.csv: \d+ rows", rows[0][6])
    with app.app_context():
        users = db.session.scalar(select(func.count(User.id)))
    assert rows[1][6] == f"用户.xlsx: {users} rows"


def test_imports_and_command_line_exports_are_logged(app, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "高校.csv"
    path.write_bytes("高校名称,简称\n上海理工大学,上理工\n".encode("utf-8-sig"))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "universities", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert _events(app, Kind.IMPORT) == []  # a dry run imports nothing
    done = runner.invoke(args=["import", "universities", str(path), "--admin", world.admin.login])
    assert done.exit_code == 0, done.output
    result = runner.invoke(args=["export", "enterprises", str(tmp_path / "e.csv")])
    assert result.exit_code == 0, result.output
    imported = _events(app, Kind.IMPORT)
    assert [r[1:7] for r in imported] == [
        (
            world.admin.id,
            world.admin.login,
            None,
            "",
            "success",
            "universities: 1 rows written, 0 bad rows left out",
        )
    ]
    exported = _events(app, Kind.EXPORT)
    assert [(r[1], r[2], r[4]) for r in exported] == [(None, "", "")]
    assert re.fullmatch(r"企业\.csv: \d+ rows", exported[0][6])


# -- the page ---------------------------------------------------------------------------------


def _add(app, n: int, login: str, **fields) -> None:  # type: ignore[no-untyped-def]
    """`n` events with the same time (the order between them is their id's)."""
    kind = fields.pop("kind", Kind.SIGN_IN)
    with app.app_context():
        for i in range(n):
            audit.record(kind, login=login, detail=f"#{i}", **fields)
        db.session.commit()


def test_the_page_is_for_administrators_only(app, world, login, browser) -> None:  # type: ignore[no-untyped-def]
    anonymous = browser.get("/admin/security-log")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert browser.get("/admin/security-log?format=csv").status_code == 302
    other = login(world.commissioner_a)
    assert other.get("/admin/security-log").status_code == 404  # as every admin page
    assert other.get("/admin/security-log?format=xlsx").status_code == 404
    assert "/admin/security-log" not in other.get("/account").get_data(as_text=True)
    admin = login(world.admin)
    page = admin.get("/admin/security-log")
    assert page.status_code == 200
    assert 'href="/admin/security-log"' in admin.get("/account").get_data(as_text=True)
    assert _events(app, Kind.EXPORT) == []


def _details(page: str) -> list[str]:
    return re.findall(r'<td data-label="[^"]*">(#\d+|[a-z]+-\w+)</td></tr>', page)


def test_the_filters(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin_user = world.admin
    evening = datetime(2026, 3, 1, 23, 30, tzinfo=LOCAL)  # 15:30 UTC
    after_midnight = datetime(2026, 3, 2, 0, 30, tzinfo=LOCAL)  # still 1 March in UTC
    with app.app_context():
        with db.frozen_clock(evening):
            audit.record(Kind.SIGN_IN, user=admin_user, detail="at-evening")
        with db.frozen_clock(after_midnight):
            audit.record(Kind.SIGN_IN_FAILED, login="ghost", outcome="failure", detail="at-night")
        db.session.commit()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.168.7.20"}):
        audit.record(Kind.EXPORT, user=world.liaison_u1, detail="from-lan")
        db.session.commit()
    admin = login(world.admin)

    def shown(query: str) -> list[str]:
        response = admin.get(f"/admin/security-log?{query}")
        assert response.status_code == 200
        return _details(unescape(response.get_data(as_text=True)))

    assert shown("") == ["from-lan", "at-night", "at-evening"]
    assert shown("start=2026-03-01&end=2026-03-01") == ["at-evening"]
    assert shown("start=2026-03-02") == ["from-lan", "at-night"]
    assert shown("end=2026-03-02") == ["at-night", "at-evening"]
    assert shown("kind=sign_in_failed") == ["at-night"]
    assert shown("outcome=failure") == ["at-night"]
    assert shown("outcome=success&kind=export") == ["from-lan"]
    assert shown("address=192.168.7") == ["from-lan"]
    assert shown("who=GHO") == ["at-night"]  # part of the login, any case
    assert shown(f"who={quote(world.liaison_u1.name)}") == ["from-lan"]  # or of the name
    assert shown("who=%25") == []  # a wildcard is a character like the others
    assert shown("kind=nonsense&start=yesterday") == ["from-lan", "at-night", "at-evening"]
    page = admin.get("/admin/security-log?kind=sign_in_failed").get_data(as_text=True)
    assert "登录失败" in page or "Sign-in failed" in page


def test_paging_shows_every_event_once_newest_first(app, world, login) -> None:  # type: ignore[no-untyped-def]
    moment = datetime(2026, 5, 1, 9, tzinfo=UTC)
    with db.frozen_clock(moment):
        _add(app, LIST_PAGE + 10, "pager")
    with db.frozen_clock(moment + timedelta(minutes=1)):
        _add(app, LIST_PAGE, "pager")
    with db.frozen_clock(moment - timedelta(minutes=1)):
        _add(app, 5, "other")  # filtered out
    admin = login(world.admin)
    seen: list[str] = []
    url: str | None = "/admin/security-log?who=pager"
    pages = 0
    while url:
        page = unescape(admin.get(url).get_data(as_text=True))
        seen += _details(page)
        pages += 1
        following = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = following.group(1) if following else None
        assert pages < 10
    expected = [f"#{i}" for i in reversed(range(LIST_PAGE))]
    expected += [f"#{i}" for i in reversed(range(LIST_PAGE + 10))]
    assert pages == 3 and seen == expected


def test_the_page_costs_the_same_statements_whatever_its_length(
    app, world, login, count_queries
) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    _add(app, 2, "few", actor=world.admin)
    admin.get("/admin/security-log")
    count_queries.count = 0
    admin.get("/admin/security-log")
    few = count_queries.count
    _add(app, LIST_PAGE, "many", actor=world.admin)
    count_queries.count = 0
    admin.get("/admin/security-log")
    assert count_queries.count == few


def test_downloads_hold_the_filtered_list_and_are_logged(app, world, login) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        with db.frozen_clock(datetime(2026, 4, 1, 2, 3, tzinfo=UTC)):
            audit.record(
                Kind.ACCOUNT_DISABLED,
                user=world.disabled,
                actor=world.admin,
                detail='=HYPERLINK("http://evil","x")',
            )
            audit.record(Kind.SIGN_IN, login="someone", detail="not-this")
        db.session.commit()
    admin = login(world.admin)
    response = admin.get("/admin/security-log?kind=account_disabled&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert ".csv" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(lines) == 2
    time_cell, login_cell, name, by, address, kind, outcome, detail = lines[1]
    assert time_cell == "2026-04-01 10:03:00"  # Asia/Shanghai
    assert (login_cell, name) == (world.disabled.login, world.disabled.name)
    assert by == f"{world.admin.login} {world.admin.name}"
    assert kind in ("停用账号", "Account disabled") and outcome in ("成功", "Succeeded")
    assert detail == '\'=HYPERLINK("http://evil","x")'  # a formula written as text
    workbook = admin.get("/admin/security-log?kind=account_disabled&format=xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.get_data())).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(cells) == 2 and cells[1][1] == world.disabled.login
    assert cells[1][0] == datetime(2026, 4, 1, 10, 3, tzinfo=LOCAL).replace(tzinfo=None)
    assert cells[1][7] == '\'=HYPERLINK("http://evil","x")'
    downloads = _events(app, Kind.EXPORT)
    assert [(r[1], r[4], r[5]) for r in downloads] == [(world.admin.id, "127.0.0.1", "success")] * 2
    assert re.fullmatch(r".+\.csv: 1 rows", downloads[0][6])
    assert re.fullmatch(r".+\.xlsx: 1 rows", downloads[1][6])
    # the downloads are in the log the next download gives
    again = admin.get("/admin/security-log?kind=export&format=csv").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(again)))) == 3
