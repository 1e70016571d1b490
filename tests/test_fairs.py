"""Fairs and signing ceremonies: the form, picking problems, the printed page with confidential
problems masked, linking cooperations with their history events, results and access."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from tests.helpers import hidden_value
from ticketing import db, demo
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.errors import NotAllowed, RuleViolation
from ticketing.fairs import services
from ticketing.fairs.models import Fair, FairTicket
from ticketing.orgs.models import Enterprise, Park, Zone
from ticketing.outcomes.models import Outcome
from ticketing.tickets import services as ticket_services
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket, TicketEvent


def _park(app, name: str, *enterprises: Enterprise, industry: str = "") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        zone = db.session.scalar(select(Zone).limit(1))
        if zone is None:
            zone = Zone(code="FZ", name="测试园区")
            db.session.add(zone)
            db.session.flush()
        park = Park(zone_id=zone.id, name=name)
        db.session.add(park)
        db.session.flush()
        for enterprise in enterprises:
            row = db.session.get(Enterprise, enterprise.id)
            row.park_id = park.id
            row.industry = industry
        db.session.commit()
        return park.id


def _fair(app, world, kind: str = "fair", **data):  # type: ignore[no-untyped-def]
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        fields = {
            "kind": kind,
            "title": "装备制造专场推介洽谈会",
            "held_on": date(2026, 5, 20),
            "place": "园区会展中心",
            "university_ids": [world.u1.id],
            "agenda": "09:00 开幕\n09:30 问题发布",
            **data,
        }
        fair = services.save_fair(None, admin, **fields)
        db.session.commit()
        return fair.id


def _form(page: str) -> dict[str, str]:
    return {"csrf_token": hidden_value(page, "csrf_token")}


# --- creating and editing ---------------------------------------------------------------


def test_admin_creates_and_edits_a_fair(app, world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.admin)
    page = client.get("/fairs/new").get_data(as_text=True)
    response = client.client.post(
        "/fairs/new",
        data={
            **_form(page),
            "kind": "fair",
            "title": "新材料专场",
            "held_on": "2026-06-18",
            "place": "长治高新区会议中心",
            "park_id": "0",
            "campaign_id": "0",
            "agenda": "09:00 开幕",
            "university_ids": [str(world.u1.id), str(world.u2.id)],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        fair = db.session.scalar(select(Fair).where(Fair.title == "新材料专场"))
        assert fair.held_on == date(2026, 6, 18)
        assert {u.id for u in fair.universities} == {world.u1.id, world.u2.id}
        fair_id = fair.id
    page = client.get(f"/fairs/{fair_id}/edit").get_data(as_text=True)
    response = client.client.post(
        f"/fairs/{fair_id}/edit",
        data={
            **_form(page),
            "kind": "ceremony",
            "title": "新材料签约仪式",
            "held_on": "2026-06-19",
            "place": "会议中心",
            "park_id": "0",
            "campaign_id": "0",
            "agenda": "",
            "university_ids": [str(world.u2.id)],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        fair = db.session.get(Fair, fair_id)
        assert (fair.kind, fair.title) == ("ceremony", "新材料签约仪式")
        assert [u.id for u in fair.universities] == [world.u2.id]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "   "),
        ("held_on", "2026-13-40"),
        ("place", ""),
        ("kind", "party"),
        ("park_id", "999999"),
        ("university_ids", "999999"),
        ("title", "长" * 201),
    ],
)
def test_bad_input_shows_on_the_field_and_saves_nothing(field, value, app, world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.admin)
    page = client.get("/fairs/new").get_data(as_text=True)
    data = {
        **_form(page),
        "kind": "fair",
        "title": "坏输入专场",
        "held_on": "2026-06-18",
        "place": "会议中心",
        "park_id": "0",
        "campaign_id": "0",
        field: value,
    }
    response = client.client.post("/fairs/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error"|class="error"', html)
    with app.app_context():
        assert db.session.scalar(select(Fair.id).where(Fair.title == "坏输入专场")) is None


def test_the_service_refuses_bad_values_from_any_caller(world, ctx) -> None:  # type: ignore[no-untyped-def]
    admin = db.session.get(User, world.admin.id)
    good = {"kind": "fair", "title": "T", "held_on": "2026-01-02", "place": "P"}
    for field, value in [("held_on", "soon"), ("kind", None), ("university_ids", ["x"])]:
        with pytest.raises(RuleViolation) as caught:
            services.save_fair(None, admin, **{**good, field: value})
        assert caught.value.field == field
    with pytest.raises(NotAllowed):
        services.save_fair(None, db.session.get(User, world.liaison_u1.id), **good)


def test_a_fair_with_intentions_cannot_become_a_ceremony(make, world, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "outcome_intention").number
    fair_id = _fair(app, world)
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        fair = db.session.get(Fair, fair_id)
        services.link_by_number(fair, admin, number=number, stage="intention")
        with pytest.raises(RuleViolation) as caught:
            services.save_fair(
                fair, admin, kind="ceremony", title=fair.title, held_on=fair.held_on, place="P"
            )
        assert caught.value.field == "kind"


# --- picking problems -------------------------------------------------------------------


def test_picking_filters_pages_and_keeps_the_order(make, world, app, login) -> None:  # type: ignore[no-untyped-def]
    park_a = _park(app, "装备制造园", world.enterprise_a, industry="装备制造")
    elsewhere = make.world()
    _park(app, "新材料园", elsewhere.enterprise_a, industry="新材料")
    rd = make.ticket(world, "submitted", title="齿轮箱异响诊断", category="product_rd")
    upgrade = make.ticket(world, "in_progress", title="焊接工艺改进", category="tech_upgrade")
    resolved = make.ticket(world, "resolved", title="热处理变形控制", category="tech_upgrade")
    make.ticket(world, "closed", title="已关闭的问题")
    make.ticket(world, "draft", title="草稿问题")
    other = make.ticket(elsewhere, "submitted", title="复合材料配方")
    fair_id = _fair(app, world)
    client = login(world.admin)
    url = f"/fairs/{fair_id}/problems"

    def shown(query: str = "") -> str:
        return client.get(url + query).get_data(as_text=True)

    everything = shown()
    for t in (rd, upgrade, resolved, other):
        assert t.title in everything
    assert "已关闭的问题" not in everything and "草稿问题" not in everything
    by_category = shown("?category=tech_upgrade")
    assert "焊接工艺改进" in by_category and "热处理变形控制" in by_category
    assert "齿轮箱异响诊断" not in by_category
    by_park = shown(f"?park={park_a}")
    assert "复合材料配方" not in by_park and "齿轮箱异响诊断" in by_park
    by_industry = shown("?industry=新材料")
    assert "复合材料配方" in by_industry and "焊接工艺改进" not in by_industry
    by_word = shown("?q=焊接")
    assert "焊接工艺改进" in by_word and "热处理变形控制" not in by_word

    page = everything
    for t in (rd, upgrade, resolved):
        response = client.client.post(
            f"/fairs/{fair_id}/problems/add",
            data={"csrf_token": hidden_value(page, "csrf_token"), "ticket_id": str(t.id)},
        )
        assert response.status_code == 302
    again = client.client.post(
        f"/fairs/{fair_id}/problems/add",
        data={"csrf_token": hidden_value(page, "csrf_token"), "ticket_id": str(rd.id)},
    )
    assert again.status_code == 303  # refused: on the list already
    closed = make.ticket(world, "closed", title="关闭后")
    refused = client.client.post(
        f"/fairs/{fair_id}/problems/add",
        data={"csrf_token": hidden_value(page, "csrf_token"), "ticket_id": str(closed.id)},
    )
    assert refused.status_code == 303
    client.client.post(
        f"/fairs/{fair_id}/problems/move",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "ticket_id": str(resolved.id),
            "direction": "up",
        },
    )
    client.client.post(
        f"/fairs/{fair_id}/problems/remove",
        data={"csrf_token": hidden_value(page, "csrf_token"), "ticket_id": str(rd.id)},
    )
    with app.app_context():
        order = db.session.scalars(
            select(FairTicket.ticket_id)
            .where(FairTicket.fair_id == fair_id)
            .order_by(FairTicket.position)
        ).all()
    assert order == [resolved.id, upgrade.id]
    html = client.get(f"/fairs/{fair_id}").get_data(as_text=True)
    assert html.index("热处理变形控制") < html.index("焊接工艺改进")
    assert "齿轮箱异响诊断" not in html


def test_candidates_come_fifty_a_page(make, world, app, login) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        filer = db.session.get(User, world.commissioner_a.id)
        for n in range(53):
            ticket = ticket_services.create_draft(
                filer,
                zone_code="CZ",
                title=f"批量问题{n:02d}",
                description="d",
                category="talent",
                enterprise_id=world.enterprise_a.id,
            )
            transitions.perform(ticket, "submit", filer)
        db.session.commit()
    fair_id = _fair(app, world)
    client = login(world.admin)
    first = client.get(f"/fairs/{fair_id}/problems?category=talent").get_data(as_text=True)
    titles = set(re.findall(r"批量问题\d\d", first))
    assert len(titles) == 50
    after = re.search(r'href="([^"]+after=[^"]+)" rel="next"', first).group(1)
    second = client.get(after.replace("&amp;", "&")).get_data(as_text=True)
    rest = set(re.findall(r"批量问题\d\d", second))
    assert len(rest) == 3 and not rest & titles


# --- the fair page: confidential masked, print ------------------------------------------


def test_a_confidential_problem_is_only_its_category_and_park(make, world, app, login) -> None:  # type: ignore[no-untyped-def]
    _park(app, "精密制造园", world.enterprise_a)
    secret = make.ticket(world, "in_progress", title="保密的专利配方", confidential=True)
    plain = make.ticket(world, "submitted", title="公开的检测难题")
    fair_id = _fair(app, world)
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        fair = db.session.get(Fair, fair_id)
        services.add_problem(fair, admin, ticket_id=secret.id)
        services.add_problem(fair, admin, ticket_id=plain.number)
        db.session.commit()
    for who in (world.admin, world.liaison_u1):
        client = login(who)
        for url in (f"/fairs/{fair_id}", f"/fairs/{fair_id}/problems"):
            if who is world.liaison_u1 and url.endswith("problems"):
                continue
            html = client.get(url).get_data(as_text=True)
            assert "保密的专利配方" not in html and secret.number not in html
            assert "保密问题" in html or "Confidential problem" in html
            assert "精密制造园" in html and "公开的检测难题" in html


def test_the_fair_page_prints_as_agenda_and_problem_list(make, world, app, login) -> None:  # type: ignore[no-untyped-def]
    fair_id = _fair(app, world, agenda="09:00 开幕致辞\n10:00 问题发布")
    client = login(world.admin)
    html = client.get(f"/fairs/{fair_id}").get_data(as_text=True)
    assert "09:00 开幕致辞" in html and 'class="fair-sheet"' in html
    assert 'class="buttons fair-tools"' in html and 'class="fair-link-form"' in html
    css = client.get("/static/css/app.css").get_data(as_text=True)
    printed = css[css.index("---- fairs and ceremonies") :]
    assert "@page { size: A4" in printed
    assert ".nav, .fair-tools, .fair-link-form" in printed and "display: none" in printed


# --- linking cooperations ---------------------------------------------------------------


def test_linking_cooperations_writes_events_and_checks_the_stage(make, world, app) -> None:  # type: ignore[no-untyped-def]
    intention = make.ticket(world, "outcome_intention", title="合作意向问题")
    agreement = make.ticket(world, "outcome_agreement", title="已签约问题")
    fair_id = _fair(app, world)
    ceremony_id = _fair(app, world, kind="ceremony", title="政校企签约仪式")
    other_id = _fair(app, world, title="另一场洽谈会")
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        fair, ceremony, other = (db.session.get(Fair, i) for i in (fair_id, ceremony_id, other_id))
        coop = db.session.scalar(select(Outcome).where(Outcome.ticket_id == intention.id))
        with pytest.raises(RuleViolation):  # no agreement signed yet
            services.link_cooperation(fair, coop, "agreement", admin)
        with pytest.raises(RuleViolation):  # a ceremony takes agreements
            services.link_cooperation(ceremony, coop, "intention", admin)
        with pytest.raises(RuleViolation):
            services.link_cooperation(fair, coop, "landing", admin)
        with pytest.raises(NotAllowed):
            services.link_cooperation(
                fair, coop, "intention", db.session.get(User, world.commissioner_a.id)
            )
        services.link_cooperation(fair, coop, "intention", admin)
        with pytest.raises(RuleViolation):  # once per stage
            services.link_cooperation(fair, coop, "intention", admin)
        with pytest.raises(RuleViolation):  # and not at another fair as well
            services.link_cooperation(other, coop, "intention", admin)
        signed = db.session.scalar(select(Outcome).where(Outcome.ticket_id == agreement.id))
        services.link_cooperation(fair, signed, "intention", admin)
        services.link_cooperation(ceremony, signed, "agreement", admin)
        db.session.commit()
        assert (coop.intention_fair_id, coop.agreement_fair_id) == (fair_id, None)
        assert (signed.intention_fair_id, signed.agreement_fair_id) == (fair_id, ceremony_id)
        events = db.session.scalars(
            select(TicketEvent)
            .where(TicketEvent.action == "fair_link")
            .where(TicketEvent.ticket_id.in_([intention.id, agreement.id]))
            .order_by(TicketEvent.id)
        ).all()
        assert [(e.ticket_id, e.data["fair_id"], e.data["stage"]) for e in events] == [
            (intention.id, fair_id, "intention"),
            (agreement.id, fair_id, "intention"),
            (agreement.id, ceremony_id, "agreement"),
        ]
        assert events[-1].data["fair"] == "政校企签约仪式"


def test_an_admin_links_by_ticket_number_on_the_fair_page(make, world, app, login) -> None:  # type: ignore[no-untyped-def]
    signed = make.ticket(world, "outcome_agreement", title="签约的问题")
    fair_id = _fair(app, world, kind="ceremony", title="签约仪式")
    client = login(world.admin)
    page = client.get(f"/fairs/{fair_id}").get_data(as_text=True)
    wrong = client.client.post(
        f"/fairs/{fair_id}/link",
        data={**_form(page), "number": signed.number, "stage": "intention"},
    )
    assert wrong.status_code == 422
    assert "签约仪式" in wrong.get_data(as_text=True)
    unknown = client.client.post(
        f"/fairs/{fair_id}/link",
        data={**_form(page), "number": "CZ-0000-0000", "stage": "agreement"},
    )
    assert unknown.status_code == 422
    done = client.client.post(
        f"/fairs/{fair_id}/link",
        data={**_form(page), "number": signed.number.lower(), "stage": "agreement"},
    )
    assert done.status_code == 302
    html = client.get(f"/fairs/{fair_id}").get_data(as_text=True)
    assert f'href="/tickets/{signed.number}"' in html
    ticket_page = client.get(f"/tickets/{signed.number}").get_data(as_text=True)
    assert "签约仪式" in ticket_page


# --- results equal independent SQL ------------------------------------------------------


def test_results_equal_independent_sql(make, world, app, login) -> None:  # type: ignore[no-untyped-def]
    fair_id = _fair(app, world)
    ceremony_id = _fair(app, world, kind="ceremony", title="签约仪式")
    numbers = [make.ticket(world, "outcome_agreement").number for _ in range(3)]
    numbers += [make.ticket(world, "outcome_intention").number for _ in range(2)]
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        fair, ceremony = db.session.get(Fair, fair_id), db.session.get(Fair, ceremony_id)
        for number in numbers:
            services.link_by_number(fair, admin, number=number, stage="intention")
        for number in numbers[:2]:
            services.link_by_number(ceremony, admin, number=number, stage="agreement")
        services.link_by_number(fair, admin, number=numbers[2], stage="agreement")
        db.session.commit()
        sql = text(
            "SELECT (SELECT count(*) FROM outcome WHERE intention_fair_id = :f),"
            " (SELECT count(*) FROM outcome WHERE agreement_fair_id = :f),"
            " (SELECT coalesce(sum(amount), 0) FROM outcome WHERE agreement_fair_id = :f)"
        )
        expected = {f: db.session.execute(sql, {"f": f}).one() for f in (fair_id, ceremony_id)}
    assert expected[fair_id][:2] == (5, 1) and expected[ceremony_id][:2] == (0, 2)
    client = login(world.admin)
    for f, (intentions, agreements, amount) in expected.items():
        html = client.get(f"/fairs/{f}").get_data(as_text=True)
        assert f'class="n-agreements">{agreements}<' in html
        if f == fair_id:
            assert f'class="n-intentions">{intentions}<' in html
        assert Decimal(
            re.search(r'class="n-amount">([\d.,]+)<', html).group(1).replace(",", "")
        ) == Decimal(amount)
    listing = client.get("/fairs").get_data(as_text=True)
    row = listing[listing.index(f"/fairs/{fair_id}") :]
    cells = re.findall(r'data-label="[^"]*">([^<]*)<', row)[:6]
    assert cells[2:5] == ["0", "5", "1"]


# --- who sees what ----------------------------------------------------------------------


def test_access_by_role(make, world, app, login) -> None:  # type: ignore[no-untyped-def]
    fair_id = _fair(app, world)
    signed = make.ticket(world, "outcome_agreement", title="只给相关人看的问题")
    with app.app_context():
        services.link_by_number(
            db.session.get(Fair, fair_id),
            db.session.get(User, world.admin.id),
            number=signed.number,
            stage="intention",
        )
        db.session.commit()
    pages = [f"/fairs/{fair_id}", "/fairs"]
    admin_only = ["/fairs/new", f"/fairs/{fair_id}/edit", f"/fairs/{fair_id}/problems"]
    admin = login(world.admin)
    for url in pages + admin_only:
        assert admin.get(url).status_code == 200, url
    invited = login(world.liaison_u1)
    for url in pages:
        assert invited.get(url).status_code == 200, url
    html = invited.get(f"/fairs/{fair_id}").get_data(as_text=True)
    assert 'class="fair-link-form"' not in html and "fair-tools" not in html
    assert 'class="n-intentions">1<' in html
    for url in admin_only:
        assert invited.get(url).status_code == 404, url
    sent = {"number": signed.number, "stage": "agreement"}
    assert invited.post(f"/fairs/{fair_id}/link", sent, token_from="/account").status_code == 404
    outsider = login(world.liaison_u2)
    assert outsider.get(f"/fairs/{fair_id}").status_code == 404
    assert "装备制造专场" not in outsider.get("/fairs").get_data(as_text=True)
    for who in (world.commissioner_a, world.expert_u1):
        client = login(who)
        assert client.get(f"/fairs/{fair_id}").status_code == 404
        assert client.get("/fairs").status_code == 404
    assert admin.get("/fairs/2147483647").status_code == 404


def test_the_fairs_list_splits_upcoming_and_past(world, app, login) -> None:  # type: ignore[no-untyped-def]
    today = local_today()
    _fair(app, world, title="下个月的洽谈会", held_on=today + timedelta(days=30))
    _fair(app, world, title="去年的洽谈会", held_on=today - timedelta(days=365))
    html = login(world.admin).get("/fairs").get_data(as_text=True)
    assert html.index("下个月的洽谈会") < html.index("去年的洽谈会")


# --- statements per page ----------------------------------------------------------------

# page → statements: user, the bell's unread count, fair (+ counts), universities, problems,
# results
FAIR_PAGES = {
    ("admin", ""): 6,
    ("liaison_u1", ""): 6,
    ("admin", "/problems"): 7,  # user, bell, fair, problems, candidates, parks, industries
    ("admin", "/problems?category=tech_upgrade&q=主轴"): 7,
    ("admin", "/edit"): 7,  # user, bell, fair, universities, parks, campaigns, universities
}


@pytest.mark.parametrize(("who", "suffix"), list(FAIR_PAGES))
def test_fair_pages_cost_the_same_whatever_the_rows(
    who, suffix, make, world, app, login, count_queries
) -> None:  # type: ignore[no-untyped-def]
    fair_id = _fair(app, world)
    client = login(getattr(world, who))
    url = f"/fairs/{fair_id}{suffix}"

    def statements() -> int:
        client.get(url)
        before = count_queries.count
        assert client.get(url).status_code == 200
        return count_queries.count - before - 2  # the harness's savepoint

    few = statements()
    tickets = [make.ticket(world, "submitted", title=f"主轴问题{n}") for n in range(4)]
    signed = [make.ticket(world, "outcome_agreement") for _ in range(3)]
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        fair = db.session.get(Fair, fair_id)
        for t in tickets:
            services.add_problem(fair, admin, ticket_id=t.id)
        for t in signed:
            services.link_by_number(fair, admin, number=t.number, stage="intention")
            services.link_by_number(fair, admin, number=t.number, stage="agreement")
        db.session.commit()
    many = statements()
    assert (few, many) == (FAIR_PAGES[who, suffix],) * 2


# --- the demo world ---------------------------------------------------------------------


def test_the_demo_fair_and_ceremony_have_results(ctx) -> None:  # type: ignore[no-untyped-def]
    demo.load()
    fairs = {f.kind: f for f in db.session.scalars(select(Fair))}
    assert set(fairs) == {"fair", "ceremony"}
    fair, ceremony = fairs["fair"], fairs["ceremony"]
    presented = db.session.scalars(
        select(Ticket)
        .join(FairTicket, FairTicket.ticket_id == Ticket.id)
        .where(FairTicket.fair_id == fair.id)
    ).all()
    assert len(presented) == 10 and sum(t.confidential for t in presented) == 1
    count = "SELECT count(*) FROM outcome WHERE {} = :f"
    assert db.session.scalar(text(count.format("intention_fair_id")), {"f": fair.id}) == 6
    assert db.session.scalar(text(count.format("agreement_fair_id")), {"f": ceremony.id}) == 8
    events = "SELECT count(*) FROM ticket_event WHERE action = 'fair_link'"
    assert db.session.scalar(text(events)) == 14
