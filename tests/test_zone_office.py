"""What a zone office uses every day: the zone's name, real dates, resolutions that stay
readable, to-do lists, enterprise pages, parks and counties, and the smaller fixes."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, update

from tests.conftest import app_config
from tests.factories import PASSWORD
from tests.helpers import act, hidden_value, send_form, state_of, ticket_fields
from tests.test_demo import SMALL_WORLD
from ticketing import create_app, db
from ticketing.accounts.models import ExpertProfile
from ticketing.cli import alembic_config, current_revision
from ticketing.db import local_today
from ticketing.i18n import ZONE_TIME
from ticketing.orgs.models import County, Enterprise, Park, Zone
from ticketing.tickets.models import Attachment, Ticket


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
        {
            **app_config(live_url, tmp_path),
            "ENV": "production",
            "SECRET_KEY": "x" * 40,
            "TRUSTED_HOSTS": ["localhost"],
        }
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


def record_visit(expert, number: str) -> None:  # type: ignore[no-untyped-def]
    """The expert records a visit through the ticket page's form."""
    fields = {
        "visited_on": local_today().isoformat(),
        "place": "二号车间",
        "participants": "张工、李教授",
        "findings": "主轴轴承润滑不足。",
    }
    response = send_form(expert, f"/tickets/{number}", fields, to=f"/tickets/{number}/visits")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def test_the_dashboard_counts_visit_records(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "in_progress")
    admin = login(world.admin)

    def visits() -> int:
        page = admin.get("/dashboard").get_data(as_text=True)
        match = re.search(r'data-figure="visits" href="[^"]+">(\d+)</a>', page)
        assert match, "no visit count on the dashboard"
        return int(match.group(1))

    before = visits()
    expert = login(world.expert_u1)
    record_visit(expert, ticket.number)
    assert visits() == before + 1


def test_library_messages_are_replaced_by_plain_ones(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    page = send_form(
        admin, "/admin/enterprises/new", {"name": "短码企业", "credit_code": "9114"}
    ).get_data(as_text=True)
    assert "统一社会信用代码为 18 位。" in page
    assert "字段长度" not in page and "之间" not in page


def _todo_count(page: str, key: str) -> int:
    match = re.search(rf'id="todo-{key}-h">[^<]*<span class="count">(\d+)', page)
    assert match, f"no list {key} on the page"
    return int(match.group(1))


def _todo_section(page: str, key: str) -> str:
    start = page.index(f'id="todo-{key}"')
    return page[start : page.index("</section>", start)]


def _nav_badge(page: str) -> int:
    match = re.search(r'class="todo-link"[^>]*>[^<]*<span class="badge"[^>]*>(\d+)', page)
    return int(match.group(1)) if match else 0


def test_each_role_sees_what_waits_for_them_counted_in_the_navigation(app, make, world, login):  # type: ignore[no-untyped-def]
    draft = make.ticket(world, "draft", title="草稿：焊接变形")
    submitted = make.ticket(world, "submitted", title="待分派：热处理裂纹")
    at_university = make.ticket(world, "university_assigned", title="待指派：涂层脱落")
    assigned = make.ticket(world, "expert_assigned", title="待接单：电机异响")
    resolved = make.ticket(world, "resolved", title="待确认：主轴温升")

    admin = login(world.admin).get("/").get_data(as_text=True)
    assert submitted.number in _todo_section(admin, "to_route")
    assert _todo_count(admin, "returned") == 0
    liaison = login(world.liaison_u1).get("/").get_data(as_text=True)
    assert _todo_count(liaison, "awaiting_expert") == 1
    assert at_university.number in _todo_section(liaison, "awaiting_expert")
    assert _nav_badge(liaison) == 1
    assert "待指派：涂层脱落" not in login(world.liaison_u2).get("/").get_data(as_text=True)
    expert = login(world.expert_u1).get("/").get_data(as_text=True)
    assert assigned.number in _todo_section(expert, "awaiting_answer")
    assert _todo_count(expert, "awaiting_answer") == 1
    commissioner = login(world.commissioner_a).get("/").get_data(as_text=True)
    assert resolved.number in _todo_section(commissioner, "to_confirm")
    assert draft.number in _todo_section(commissioner, "drafts")
    assert _nav_badge(commissioner) == 2
    # the count in the navigation is on every page, not only at home
    queue = login(world.commissioner_a).get("/queue/mine").get_data(as_text=True)
    assert _nav_badge(queue) == 2
    # another enterprise's commissioner has nothing of these
    other = login(world.commissioner_b).get("/").get_data(as_text=True)
    assert _nav_badge(other) == 0 and "Nothing waits" not in other and "目前没有" in other


def test_a_returned_ticket_waits_for_the_admin_apart_from_new_ones(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "university_assigned")
    liaison = login(world.liaison_u1)
    assert act(liaison, ticket.number, "return", reason="本校无对口专家").status_code == 303
    admin = login(world.admin)
    page = admin.get("/").get_data(as_text=True)
    assert ticket.number in _todo_section(page, "returned")
    assert ticket.number not in _todo_section(page, "to_route")
    assert act(admin, ticket.number, "route", university_id=str(world.u2.id)).status_code == 303
    page = admin.get("/").get_data(as_text=True)
    assert ticket.number not in _todo_section(page, "returned")


def test_an_expert_is_reminded_of_work_with_no_recent_visit(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "in_progress")
    expert = login(world.expert_u1)
    assert _todo_count(expert.get("/").get_data(as_text=True), "no_visit") == 0
    with app.app_context():
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(started_at=db.utcnow() - timedelta(days=20))
        )
        db.session.commit()
    page = expert.get("/").get_data(as_text=True)
    assert ticket.number in _todo_section(page, "no_visit")
    assert "近 14 天没有走访记录。" in page
    record_visit(expert, ticket.number)
    assert _todo_count(expert.get("/").get_data(as_text=True), "no_visit") == 0


def test_the_enterprise_page_for_the_people_tied_to_it(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    set_enterprise(
        app,
        world.enterprise_a.id,
        contact_name="王经理",
        contact_phone="0355-1234567",
        address="长治市潞州区太行北路 1 号",
        partner_university_id=world.u2.id,
    )
    ticket = make.ticket(world, "in_progress", title="齿轮箱振动超标")
    url = f"/enterprises/{world.enterprise_a.id}"
    for person in (world.admin, world.commissioner_a, world.expert_u1, world.liaison_u1):
        page = login(person).get(url)
        assert page.status_code == 200, person.login
        text = page.get_data(as_text=True)
        assert "齿轮箱振动超标" in text and 'href="tel:0355-1234567"' in text
        assert world.commissioner_a.name in text and "长治市潞州区太行北路 1 号" in text
        assert world.u2.name in text  # the partner university
    # the partner university's liaison may see it, without seeing the ticket itself
    partner = login(world.liaison_u2).get(url).get_data(as_text=True)
    assert "王经理" in partner and "齿轮箱振动超标" not in partner
    # no tie, no page
    for person in (world.commissioner_b, world.expert_u2):
        assert login_status(app, person, url) == 404, person.login
    assert login_status(app, world.disabled, url) == 302  # cannot sign in: to the sign-in page
    # linked from the ticket
    ticket_page = login(world.expert_u1).get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert f'href="{url}"' in ticket_page


def set_enterprise(app, enterprise_id: int, **values: object) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        enterprise = db.session.get(Enterprise, enterprise_id)
        for name, value in values.items():
            setattr(enterprise, name, value)
        db.session.commit()


def login_status(app, person, url: str) -> int:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    client.post("/login", data={"login": person.login, "password": PASSWORD, "csrf_token": token})
    return client.get(url).status_code


def test_the_assigned_expert_and_the_liaison_see_the_enterprise_contact(
    app, make, world, login
) -> None:  # type: ignore[no-untyped-def]
    set_enterprise(app, world.enterprise_a.id, contact_name="王经理", contact_phone="13800001111")
    ticket = make.ticket(world, "in_progress")

    def shows_contact(person) -> bool:  # type: ignore[no-untyped-def]
        page = login(person).get(f"/tickets/{ticket.number}").get_data(as_text=True)
        return 'href="tel:13800001111"' in page and "王经理" in page

    assert shows_contact(world.expert_u1) and shows_contact(world.liaison_u1)
    assert shows_contact(world.commissioner_a) and shows_contact(world.admin)
    liaison = login(world.liaison_u1)
    assert (
        act(
            liaison,
            ticket.number,
            "reassign_expert",
            expert_id=str(world.expert2_u1.id),
            reason="原专家出差",
        ).status_code
        == 303
    )
    # the expert who had it may still read the ticket, but no longer the contact
    assert not shows_contact(world.expert_u1)
    assert shows_contact(world.expert2_u1)


def test_the_visit_form_sits_at_the_top_filled_in_as_far_as_it_can_be(
    app, make, world, login
) -> None:  # type: ignore[no-untyped-def]
    set_enterprise(app, world.enterprise_a.id, contact_name="王经理", address="太行北路 1 号")
    ticket = make.ticket(world, "in_progress")
    page = login(world.expert_u1).get(f"/tickets/{ticket.number}").get_data(as_text=True)
    actions = page[page.index('id="actions-h"') : page.index('id="desc-h"')]
    assert 'id="visit"' in actions and "action-resolve" in actions
    assert 'value="太行北路 1 号"' in actions
    assert f"{world.expert_u1.name}、王经理" in actions
    assert f'value="{local_today().isoformat()}"' in actions


def test_parks_and_counties_are_created_renamed_and_retired(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    assert (
        send_form(admin, "/admin/places/park/new", {"name": "高新园区", "active": "y"}).status_code
        == 302
    )
    assert (
        send_form(admin, "/admin/places/county/new", {"name": "潞州区", "active": "y"}).status_code
        == 302
    )
    same = send_form(admin, "/admin/places/park/new", {"name": "高新园区", "active": "y"})
    assert same.status_code == 422 and "已有同名园区。" in same.get_data(as_text=True)
    with app.app_context():
        park = db.session.scalar(select(Park).where(Park.name == "高新园区"))
        county = db.session.scalar(select(County).where(County.name == "潞州区"))
        park_id, county_id = park.id, county.id
    assert (
        send_form(
            admin, f"/admin/places/park/{park_id}", {"name": "高新技术园区", "active": "y"}
        ).status_code
        == 302
    )
    # an enterprise picks them from the lists
    form = admin.get(f"/admin/enterprises/{world.enterprise_a.id}").get_data(as_text=True)
    assert "高新技术园区" in form and "潞州区" in form
    fields = {
        "name": world.enterprise_a.name,
        "credit_code": world.enterprise_a.credit_code,
        "park_id": str(park_id),
        "county_id": str(county_id),
        "partner_university_id": str(world.u1.id),
        "active": "y",
    }
    saved = send_form(admin, f"/admin/enterprises/{world.enterprise_a.id}", fields)
    assert saved.status_code == 302
    # retired: kept by the enterprise that has it, no longer offered to another
    assert (
        send_form(admin, f"/admin/places/park/{park_id}", {"name": "高新技术园区"}).status_code
        == 302
    )
    listing = admin.get("/admin/places").get_data(as_text=True)
    assert "已停用" in listing
    own = admin.get(f"/admin/enterprises/{world.enterprise_a.id}").get_data(as_text=True)
    assert "高新技术园区" in own
    other = admin.get(f"/admin/enterprises/{world.enterprise_b.id}").get_data(as_text=True)
    assert "高新技术园区" not in other
    refused = send_form(
        admin,
        f"/admin/enterprises/{world.enterprise_b.id}",
        {**fields, "name": world.enterprise_b.name, "credit_code": world.enterprise_b.credit_code},
    )
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(Enterprise, world.enterprise_b.id).park_id is None
        assert db.session.get(Enterprise, world.enterprise_a.id).park_id == park_id
        assert (
            db.session.get(Enterprise, world.enterprise_a.id).partner_university_id == world.u1.id
        )
    # only admins
    assert login(world.commissioner_a).get("/admin/places").status_code == 404


def test_assigning_an_expert_shows_who_fits(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        profile = db.session.get(ExpertProfile, world.expert2_u1.id)
        profile.expertise, profile.capacity = "数控机床、热处理", 4
        db.session.commit()
    busy = make.ticket(world, "expert_assigned")  # expert_u1 has one now
    ticket = make.ticket(world, "university_assigned")
    page = login(world.liaison_u1).get(f"/tickets/{ticket.number}").get_data(as_text=True)
    picker = page[page.index('id="action-assign_expert"') :]
    picker = picker[: picker.index("</details>")]
    assert "数控机床、热处理" in picker
    assert "在办 0 / 上限 4" in picker and "从未指派" in picker
    assert "在办 1 / 上限 50" in picker and "0 天前指派" in picker
    # whoever has waited longest comes first
    assert picker.index(world.expert2_u1.name) < picker.index(world.expert_u1.name)
    with app.app_context():
        assert db.session.get(ExpertProfile, world.expert_u1.id).last_assigned_at is not None
    assert busy.expert_id == world.expert_u1.id


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


def _attachments_of(app, number: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attachment.original_name)
                .join(Ticket, Ticket.id == Attachment.ticket_id)
                .where(Ticket.number == number)
                .order_by(Attachment.id)
            )
        )


def test_filing_with_attachments_keeps_them_with_the_ticket(app, world, login) -> None:  # type: ignore[no-untyped-def]
    commissioner = login(world.commissioner_a)
    page = commissioner.get("/tickets/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "multiple" in page
    data = {
        **ticket_fields(world.enterprise_a.id, submit_now="1"),
        "csrf_token": hidden_value(page, "csrf_token"),
        "files": [(io.BytesIO(PNG), "现场照片.png"), (io.BytesIO(PDF), "检测报告.pdf")],
    }
    response = commissioner.client.post("/tickets/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    number = response.headers["Location"].rsplit("/", 1)[-1]
    assert _attachments_of(app, number) == ["现场照片.png", "检测报告.pdf"]
    shown = commissioner.get(f"/tickets/{number}").get_data(as_text=True)
    assert "现场照片.png" in shown and "检测报告.pdf" in shown


def test_a_bad_file_when_filing_saves_nothing_and_says_which_file(app, world, login) -> None:  # type: ignore[no-untyped-def]
    commissioner = login(world.commissioner_a)
    page = commissioner.get("/tickets/new").get_data(as_text=True)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    files_before = set(uploads.iterdir()) if uploads.exists() else set()
    with app.app_context():
        before = db.session.scalar(select(func.count(Ticket.id)))
    data = {
        **ticket_fields(world.enterprise_a.id, title="带坏附件的工单", submit_now="1"),
        "csrf_token": hidden_value(page, "csrf_token"),
        "files": [(io.BytesIO(PNG), "好照片.png"), (io.BytesIO(PDF), "假照片.png")],
    }
    response = commissioner.client.post("/tickets/new", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "假照片.png：" in text and 'id="files-error"' in text
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == before
    assert (set(uploads.iterdir()) if uploads.exists() else set()) == files_before


def test_the_signed_agreement_scan_is_kept_with_the_step(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    ticket = make.ticket(world, "outcome_intention")
    commissioner = login(world.commissioner_a)
    page = commissioner.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    form = page[page.index('id="action-sign_agreement"') :]
    assert 'enctype="multipart/form-data"' in form[: form.index("</form>")]
    data = {
        "sign_agreement-csrf_token": hidden_value(page, "sign_agreement-csrf_token"),
        "sign_agreement-version": hidden_value(page, "sign_agreement-version"),
        "sign_agreement-agreement_number": "HT-2026-088",
        "sign_agreement-agreement_date": local_today().isoformat(),
        "sign_agreement-amount": "80",
        "sign_agreement-scan": (io.BytesIO(PDF), "合作协议.pdf"),
    }
    response = commissioner.client.post(f"/tickets/{ticket.number}/act/sign_agreement", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert state_of(app, ticket.number) == "outcome_agreement"
    assert _attachments_of(app, ticket.number) == ["合作协议.pdf"]


def test_flask_demo_prints_the_address_it_is_given(app, ctx, make) -> None:  # type: ignore[no-untyped-def]
    make.world()  # not empty: nothing is loaded, the logins are printed all the same
    result = app.test_cli_runner().invoke(args=["demo", "--url", "http://127.0.0.1:8080"])
    assert result.exit_code == 0
    assert "Demo: open http://127.0.0.1:8080 and sign in as" in result.output


def test_the_navigation_count_is_reused_briefly_and_renewed_after_a_change(app, make, world, login):  # type: ignore[no-untyped-def]
    liaison = login(world.liaison_u1)
    assert _nav_badge(liaison.get("/").get_data(as_text=True)) == 0
    make.ticket(world, "university_assigned")  # someone else routes one to the university
    page = liaison.get("/account").get_data(as_text=True)
    assert _nav_badge(page) == 0  # the count of a moment ago (no statement for it)
    assert _nav_badge(liaison.get("/").get_data(as_text=True)) == 1  # home counts anew
    # the person's own change: the next page counts anew
    ticket = make.ticket(world, "university_assigned")
    assert act(liaison, ticket.number, "assign_expert", expert_id=str(world.expert_u1.id))
    assert _nav_badge(liaison.get("/account").get_data(as_text=True)) == 1
    # with no reuse, every page counts
    app.config["TODO_COUNT_SECONDS"] = 0
    try:
        make.ticket(world, "university_assigned")
        assert _nav_badge(liaison.get("/account").get_data(as_text=True)) == 2
    finally:
        app.config["TODO_COUNT_SECONDS"] = 30


def test_admin_lists_come_in_pages_in_name_order_with_a_search(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    for n in range(55):
        make.enterprise(f"翻页企业{n:03d}")
    admin = login(world.admin)
    first = admin.get("/admin/enterprises?q=翻页企业").get_data(as_text=True)
    names = re.findall(r">(翻页企业\d{3})</a></th>", first)
    assert names == [f"翻页企业{n:03d}" for n in range(50)]
    following = re.search(r'href="([^"]+)" rel="next"', first)
    assert following, "no link to the next page"
    second = admin.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r">(翻页企业\d{3})</a></th>", second) == [
        f"翻页企业{n:03d}" for n in range(50, 55)
    ]
    assert 'rel="next"' not in second and "第一页" in second
    nothing = admin.get("/admin/enterprises?q=没有这家").get_data(as_text=True)
    assert "没有符合条件的记录。" in nothing
    people = admin.get(f"/admin/users?q={world.expert_u1.login}").get_data(as_text=True)
    assert world.expert_u1.name in people and world.commissioner_b.name not in people
