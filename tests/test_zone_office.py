"""What a zone office uses every day: the zone's name, real dates, resolutions that stay
readable, to-do lists, enterprise pages, parks and counties, and the smaller fixes."""

from __future__ import annotations

import re

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, update

from tests.conftest import app_config
from tests.helpers import act, send_form
from tests.test_demo import SMALL_WORLD
from ticketing import create_app, db
from ticketing.cli import alembic_config, current_revision
from ticketing.db import local_today
from ticketing.i18n import ZONE_TIME
from ticketing.orgs.models import Zone
from ticketing.tickets.models import Ticket


def test_the_zone_name_is_in_header_title_sign_in_and_printout(app, world, login, browser) -> None:  # type: ignore[no-untyped-def]
    app.config["ZONE_NAME"] = "长治经济技术开发区"
    try:
        sign_in = browser.get("/login").get_data(as_text=True)
        assert '<p class="zone-name">长治经济技术开发区</p>' in sign_in
        assert re.search(r"<title>[^<]*长治经济技术开发区[^<]*</title>", sign_in)
        page = login(world.admin).get("/queue/to_route").get_data(as_text=True)
        assert '<span class="zone">长治经济技术开发区</span>' in page
        assert re.search(r'class="print-only print-head">长治经济技术开发区', page)
    finally:
        app.config["ZONE_NAME"] = ""


def test_times_show_the_date_and_time_in_shanghai_and_how_long_ago(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "submitted")
    page = login(world.commissioner_a).get(f"/tickets/{ticket.number}").get_data(as_text=True)
    # an exact time, readable without a mouse and on a printout, and the relative one beside it
    assert re.search(
        r'<time datetime="[^"]+">20\d\d-\d\d-\d\d \d\d:\d\d</time> <span class="ago">[^<]+</span>',
        page,
    )
    with app.app_context():
        shown = ticket.submitted_at.astimezone(ZONE_TIME).strftime("%Y-%m-%d %H:%M")
    assert shown in page


def test_a_twice_resolved_ticket_shows_both_resolution_texts(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "resolved")  # resolved once: 更换密封圈并调整工艺参数。
    commissioner, expert = login(world.commissioner_a), login(world.expert_u1)
    assert act(commissioner, ticket.number, "reopen", reason="三天后温升复现").status_code == 303
    second = "改用油气润滑并加装温度传感器。"
    assert act(expert, ticket.number, "resolve", resolution=second).status_code == 303
    page = commissioner.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    history = page[page.index('id="timeline"') :]
    texts = re.findall(r'<div class="text resolution-text">([^<]*)</div>', history)
    assert texts == ["更换密封圈并调整工艺参数。", second]
    assert "三天后温升复现" in history
    # the current resolution is the second one, shown above the history
    assert second in page[: page.index('id="timeline"')]


def test_flask_migrate_says_what_it_did(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fresh = create_app(app_config("sqlite:///" + str(tmp_path / "fresh.sqlite"), tmp_path))
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    created = fresh.test_cli_runner().invoke(args=["migrate"])
    assert created.exit_code == 0, created.output
    assert f"Created the database at revision {head}." in created.output
    again = fresh.test_cli_runner().invoke(args=["migrate"])
    assert f"The database is already up to date (revision {head})." in again.output
    with fresh.app_context():
        command.downgrade(alembic_config(), "-1")
        previous = current_revision()
    upgraded = fresh.test_cli_runner().invoke(args=["migrate"])
    assert f"Upgraded the database from revision {previous} to {head}." in upgraded.output


def test_flask_demo_reset_empties_and_reloads_and_is_refused_in_production(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = "sqlite:///" + str(tmp_path / "demo.sqlite")
    zone = create_app(app_config(url, tmp_path))
    runner = zone.test_cli_runner()
    assert runner.invoke(args=["migrate"]).exit_code == 0
    assert runner.invoke(args=["demo", "--world", str(SMALL_WORLD)]).exit_code == 0
    with zone.app_context():
        filed = db.session.scalar(select(func.count(Ticket.id)))
        db.session.execute(update(Ticket).values(title="改过的标题"))
        db.session.commit()
    reset = runner.invoke(args=["demo", "--world", str(SMALL_WORLD), "--reset"])
    assert reset.exit_code == 0, reset.output
    assert "The database is emptied and rebuilt" in reset.output
    with zone.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == filed
        assert not db.session.scalar(select(func.count()).where(Ticket.title == "改过的标题"))

    # production does not even start with demo accounts; on its own database, no reset
    live_url = "sqlite:///" + str(tmp_path / "live.sqlite")
    assert (
        create_app(app_config(live_url, tmp_path))
        .test_cli_runner()
        .invoke(args=["migrate"])
        .exit_code
        == 0
    )
    production = create_app(
        {**app_config(live_url, tmp_path), "ENV": "production", "SECRET_KEY": "x" * 40}
    )
    with production.app_context():
        db.session.add(Zone(code="ZZ", name="在用的园区"))
        db.session.commit()
    refused = production.test_cli_runner().invoke(args=["demo", "--reset"])
    assert refused.exit_code == 1
    assert "refused in production" in refused.output
    with production.app_context():
        assert db.session.scalar(select(Zone.name)) == "在用的园区"


def test_the_first_visit_goes_to_sign_in_without_a_warning(browser) -> None:  # type: ignore[no-untyped-def]
    first = browser.get("/")
    assert first.status_code == 302 and first.headers["Location"].endswith("/login")
    page = browser.get("/login").get_data(as_text=True)
    assert "flash" not in page.split('id="main"', 1)[1].split("<form", 1)[0]


def test_the_dashboard_counts_visit_records(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "in_progress")
    admin = login(world.admin)

    def visits() -> int:
        page = admin.get("/dashboard").get_data(as_text=True)
        match = re.search(r'<span class="figure">(\d+)</span>走访记录', page)
        assert match, "no visit count on the dashboard"
        return int(match.group(1))

    before = visits()
    expert = login(world.expert_u1)
    response = send_form(
        expert,
        f"/tickets/{ticket.number}",
        {
            "visited_on": local_today().isoformat(),
            "place": "二号车间",
            "participants": "张工、李教授",
            "findings": "主轴轴承润滑不足。",
        },
        to=f"/tickets/{ticket.number}/visits",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert visits() == before + 1


def test_library_messages_are_replaced_by_plain_ones(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    page = send_form(
        admin, "/admin/enterprises/new", {"name": "短码企业", "credit_code": "9114"}
    ).get_data(as_text=True)
    assert "统一社会信用代码为 18 位。" in page
    assert "字段长度" not in page and "之间" not in page
