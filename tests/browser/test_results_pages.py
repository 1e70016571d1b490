"""The pages of issue 9 in the browser: campaigns, agreements with counties and parks, fairs
and ceremonies, rewards and work records, and the ticket page's cooperations, in Chinese and
English, on a desktop and a phone, each checked with axe-core; and an admin preparing a fair
whose printed page is its agenda and problem list."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser import support
from tests.browser.conftest import Live
from tests.factories import World
from ticketing import db
from ticketing.accounts.models import User
from ticketing.campaigns import services as campaign_services
from ticketing.db import local_today
from ticketing.fairs import services as fair_services
from ticketing.fairs.models import Fair
from ticketing.orgs import agreements
from ticketing.orgs.models import County, Enterprise, Park, Zone
from ticketing.records import services as record_services
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket

pytestmark = pytest.mark.no_transaction

OPEN_ALL_PANELS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
SECRET_TITLE = "保密的高分子改性配方"
CONFIDENTIAL = {"zh": "保密问题", "en": "Confidential problem"}


@dataclass
class Seeded:
    """What the pages show: a campaign, a fair and a ceremony, a ticket with two
    cooperations (one signed), a confidential problem, an agreement and a reward."""

    world: World
    campaign_id: int
    fair_id: int
    ceremony_id: int
    agreement_id: int
    reward_id: int
    cooperating: str  # the ticket with two cooperations
    secret: str  # the confidential ticket
    open_problem: str
    commissioner: User
    park_id: int
    problems: int  # tickets filed during the campaign


def _seed(live: Live) -> Seeded:
    """Everything made through the services, in an enterprise of its own so the campaign tags
    only these tickets."""
    make, w, app = live.make, live.world, live.app
    enterprise = make.enterprise("长治市漳泽精密机械有限公司")
    missed = make.enterprise("长治市上党区重点装备制造有限公司")
    commissioner = make.user("commissioner", enterprises=(enterprise,), name="李特派")
    today = local_today()
    with app.app_context():
        admin = db.session.get(User, w.admin.id)
        zone = db.session.scalar(select(Zone).order_by(Zone.id).limit(1))
        if zone is None:
            zone = Zone(code="CZ", name="长治高新区")
            db.session.add(zone)
            db.session.flush()
        county = County(zone_id=zone.id, name="上党区")
        park = Park(zone_id=zone.id, name="漳泽工业园区")
        empty_park = Park(zone_id=zone.id, name="高新技术产业开发区东区")
        db.session.add_all([county, park, empty_park])
        db.session.flush()
        for row, key in ((enterprise, True), (missed, True)):
            found = db.session.get(Enterprise, row.id)
            found.county_id, found.park_id, found.key_enterprise = county.id, park.id, key
            found.industry = "装备制造"
        campaign = campaign_services.save_campaign(
            None,
            admin,
            name="博士专家企业行（浏览器）",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=60),
            description="组织高校博士专家深入园区企业，开展一对一对接、订单式服务。",
            university_ids=[w.u1.id],
            expert_ids=[w.expert_u1.id, w.expert2_u1.id],
            county_ids=[county.id],
            park_ids=[park.id, empty_park.id],
        )
        agreement = agreements.save_region_agreement(
            None,
            admin,
            university_id=w.u1.id,
            county_id=county.id,
            park_id=park.id,
            title="校地全面战略合作协议",
            signed_on=today,
            scope="共建中试基地、联合培养研究生、共同申报重点研发项目。",
        )
        ids = (campaign.id, agreement.id, county.id, park.id)
        db.session.commit()
    campaign_id, agreement_id, _county_id, park_id = ids
    mine = replace(w, enterprise_a=enterprise, commissioner_a=commissioner)
    cooperating = make.ticket(mine, "resolved", title="数控机床主轴热变形补偿")
    secret = make.ticket(mine, "in_progress", title=SECRET_TITLE, confidential=True)
    open_problem = make.ticket(mine, "submitted", title="注塑件表面缩痕严重，良品率下降")
    with app.app_context():
        admin = db.session.get(User, w.admin.id)
        ticket = db.session.get(Ticket, cooperating.id)
        first = transitions.perform(
            ticket,
            "record_intention",
            admin,
            title="主轴热误差补偿技术服务",
            cooperation_form="tech_service",
            intention_date=today,
        ).data["cooperation_id"]
        transitions.perform(
            ticket,
            "record_intention",
            admin,
            title="高速电主轴联合研发",
            cooperation_form="joint_rd",
            intention_date=today,
        )
        transitions.perform(
            ticket,
            "sign_agreement",
            admin,
            cooperation_id=first,
            agreement_number="HT-2026-017",
            agreement_date=today,
            amount=Decimal("48.5"),
        )
        fair = fair_services.save_fair(
            None,
            admin,
            kind="fair",
            title="装备制造专场推介洽谈会",
            held_on=today,
            place="漳泽工业园区会展中心二楼报告厅",
            park_id=park_id,
            campaign_id=campaign_id,
            university_ids=[w.u1.id, w.u2.id],
            agenda="09:00 开幕致辞\n09:30 企业问题发布\n10:30 一对一洽谈",
        )
        fair_services.add_problem(fair, admin, ticket_id=secret.id)
        fair_services.add_problem(fair, admin, ticket_id=open_problem.id)
        fair_services.link_by_number(fair, admin, number=cooperating.number, stage="intention")
        ceremony = fair_services.save_fair(
            None,
            admin,
            kind="ceremony",
            title="校企合作集中签约仪式",
            held_on=today,
            place="高新区管委会一楼会议室",
            university_ids=[w.u1.id],
        )
        fair_services.link_by_number(ceremony, admin, number=cooperating.number, stage="agreement")
        reward = record_services.nominate(
            admin,
            subject="outcome",
            ticket_number=cooperating.number,
            cooperation="1",
            name="科技成果转化奖",
            year=today.year,
            reason="主轴热误差补偿使加工精度提高 40%。",
        )
        record_services.decide(reward, admin, decision="awarded", amount="5")
        pending = record_services.nominate(
            admin,
            subject="commissioner",
            commissioner_id=commissioner.id,
            name="优秀科技特派员",
            year=today.year,
            reason="全年走访企业 36 家，收集问题 21 个。",
        )
        ids2 = (fair.id, ceremony.id, pending.id)
        db.session.commit()
    return Seeded(
        world=w,
        campaign_id=campaign_id,
        fair_id=ids2[0],
        ceremony_id=ids2[1],
        agreement_id=agreement_id,
        reward_id=ids2[2],
        cooperating=cooperating.number,
        secret=secret.number,
        open_problem=open_problem.number,
        commissioner=commissioner,
        park_id=park_id,
        problems=3,
    )


@pytest.fixture(scope="module")
def seeded(live: Live) -> Seeded:
    return _seed(live)


def title_names_page(page: Page, lang: str) -> None:
    """The title names the page as its heading does (a zone name may come between)."""
    title = page.title()
    assert title.endswith(" · " + support.APP_NAME[lang]), title
    own = title.split(" · ")[0].strip()
    heading = " ".join(page.locator("h1").first.inner_text().split())
    assert own and (own in heading or heading in own), f"title {title!r} vs heading {heading!r}"


def check_page(page: Page, folder: Path, name: str, lang: str, device: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", support.HTML_LANG[lang])
    title_names_page(page, lang)
    if device == "phone":
        support.no_sideways_scroll(page)
    support.screenshot(page, folder, f"results-{name}-{lang}-{device}")
    if page.locator("details").count():
        page.evaluate(OPEN_ALL_PANELS)  # axe checks the forms inside the closed panels too
        if device == "phone":
            support.no_sideways_scroll(page)
    support.labels_and_ids(page)
    support.axe_check(page, f"{name} ({lang}, {device})")


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"


def sentence_numbers(page: Page) -> list[int]:
    text = page.locator("#report-sentence").inner_text()
    return [int(n) for n in re.findall(r"\d+", text)]


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_results_pages(
    ui: support.UI, live: Live, seeded: Seeded, screenshots: Path, lang: str, device: str
) -> None:
    w, s = live.world, seeded
    admin = ui.login(w.admin, device, lang, axe=True)

    # campaigns: the list, the form, the page with its sentence, coverage and gaps
    visit(admin, "/campaigns")
    expect(admin.locator("main table")).to_contain_text("博士专家企业行（浏览器）")
    check_page(admin, screenshots, "campaigns", lang, device)
    visit(admin, "/campaigns/new")
    check_page(admin, screenshots, "campaign-form", lang, device)
    visit(admin, f"/campaigns/{s.campaign_id}")
    # experts, enterprises, problems, intentions, agreements
    assert sentence_numbers(admin) == [1, 1, s.problems, 2, 1]
    expect(admin.locator("#place-gaps")).to_contain_text("高新技术产业开发区东区")
    expect(admin.locator("#enterprise-gaps")).to_contain_text("长治市上党区重点装备制造有限公司")
    expect(admin.locator("#agreements-h + ul")).to_contain_text("校地全面战略合作协议")
    check_page(admin, screenshots, "campaign", lang, device)
    visit(admin, "/region-agreements")
    expect(admin.locator("main table")).to_contain_text("校地全面战略合作协议")
    check_page(admin, screenshots, "region-agreements", lang, device)
    visit(admin, f"/region-agreements/{s.agreement_id}")
    check_page(admin, screenshots, "region-agreement-form", lang, device)

    # fairs: the list, the form, the page (confidential masked), picking, a ceremony
    visit(admin, "/fairs")
    expect(admin.locator("main")).to_contain_text("装备制造专场推介洽谈会")
    check_page(admin, screenshots, "fairs", lang, device)
    visit(admin, "/fairs/new")
    check_page(admin, screenshots, "fair-form", lang, device)
    visit(admin, f"/fairs/{s.fair_id}")
    problems = admin.locator(".fair-problems tbody")
    expect(problems).to_contain_text(CONFIDENTIAL[lang])
    expect(problems).to_contain_text("注塑件表面缩痕严重")
    expect(admin.locator("main")).not_to_contain_text(SECRET_TITLE)
    expect(admin.locator("main")).not_to_contain_text(s.secret)
    expect(admin.locator(".fair-results .n-intentions")).to_have_text("1")
    check_page(admin, screenshots, "fair", lang, device)
    visit(admin, f"/fairs/{s.fair_id}/problems")
    expect(admin.locator(".fair-chosen")).to_contain_text(CONFIDENTIAL[lang])
    expect(admin.locator("main")).not_to_contain_text(SECRET_TITLE)
    check_page(admin, screenshots, "fair-pick", lang, device)
    visit(admin, f"/fairs/{s.ceremony_id}")
    expect(admin.locator(".fair-results .n-agreements")).to_have_text("1")
    expect(admin.locator(".fair-results tbody")).to_contain_text("主轴热误差补偿技术服务")
    check_page(admin, screenshots, "ceremony", lang, device)

    # rewards and work records
    visit(admin, "/records/rewards")
    expect(admin.locator("main table")).to_contain_text("优秀科技特派员")
    check_page(admin, screenshots, "rewards", lang, device)
    visit(admin, "/records/rewards/nominate/outcome")
    check_page(admin, screenshots, "nominate-outcome", lang, device)
    visit(admin, "/records/rewards/nominate/commissioner")
    check_page(admin, screenshots, "nominate-commissioner", lang, device)
    visit(admin, f"/records/rewards/{s.reward_id}/decide")
    check_page(admin, screenshots, "decide", lang, device)
    visit(admin, "/records/rewards/awarded")
    expect(admin.locator("main table")).to_contain_text(s.cooperating)
    expect(admin.locator("main table")).to_contain_text("科技成果转化奖")
    check_page(admin, screenshots, "rewarded", lang, device)
    visit(admin, "/records/commissioners")
    expect(admin.locator("main table")).to_contain_text("李特派")
    check_page(admin, screenshots, "commissioners", lang, device)
    visit(admin, "/records/experts")
    expect(admin.locator("main table")).to_contain_text(w.expert_u1.name)
    check_page(admin, screenshots, "experts", lang, device)
    visit(admin, f"/records/commissioners/{s.commissioner.id}")
    expect(admin.locator("main")).to_contain_text("优秀科技特派员")
    check_page(admin, screenshots, "commissioner", lang, device)
    visit(admin, f"/records/experts/{w.expert_u1.id}")
    check_page(admin, screenshots, "expert", lang, device)
    visit(admin, f"/records/universities/{w.u1.id}")
    expect(admin.locator("main table")).to_contain_text(w.expert_u1.name)
    check_page(admin, screenshots, "university", lang, device)

    # the ticket's cooperations, with the forms to record another, sign and land
    support.open_ticket(admin, s.cooperating)
    coops = admin.locator("#cooperations .cooperation")
    expect(coops).to_have_count(2)
    expect(coops.nth(0)).to_contain_text("主轴热误差补偿技术服务")
    expect(coops.nth(0)).to_contain_text("HT-2026-017")
    expect(coops.nth(0)).to_contain_text("校企合作集中签约仪式")
    expect(coops.nth(1)).to_contain_text("高速电主轴联合研发")
    for action in ("record_intention", "sign_agreement", "land"):
        expect(admin.locator(f"details#action-{action}")).to_have_count(1)
    check_page(admin, screenshots, "ticket-cooperations", lang, device)

    # the liaison of an invited university, and the commissioner who filed
    liaison = ui.login(w.liaison_u1, device, lang, axe=True)
    visit(liaison, f"/campaigns/{s.campaign_id}")
    assert sentence_numbers(liaison) == [1, 1, s.problems, 2, 1]
    check_page(liaison, screenshots, "campaign-liaison", lang, device)
    visit(liaison, f"/fairs/{s.fair_id}")
    expect(liaison.locator(".fair-problems tbody")).to_contain_text(CONFIDENTIAL[lang])
    expect(liaison.locator(".fair-link-form")).to_have_count(0)
    check_page(liaison, screenshots, "fair-liaison", lang, device)
    commissioner = ui.login(s.commissioner, device, lang, axe=True)
    support.open_ticket(commissioner, s.cooperating)
    expect(commissioner.locator("#cooperations .cooperation")).to_have_count(2)
    expect(commissioner.locator("details#action-record_intention summary")).to_be_visible()
    check_page(commissioner, screenshots, "ticket-cooperations-commissioner", lang, device)


def test_an_admin_prepares_a_fair_and_prints_it(
    ui: support.UI, live: Live, seeded: Seeded, screenshots: Path
) -> None:
    admin = ui.login(live.world.admin, "desktop", "zh", axe=True)
    visit(admin, "/fairs")
    with admin.expect_navigation():
        admin.locator("main .page-head a.button").click()
    admin.select_option("#kind", "fair")
    admin.fill("#title", "新材料专场推介洽谈会")
    admin.fill("#held_on", (local_today() + timedelta(days=14)).isoformat())
    admin.fill("#place", "高新区创新创业中心多功能厅")
    admin.fill("#agenda", "09:00 开幕致辞\n09:20 企业技术需求发布\n10:00 高校成果路演")
    admin.locator(f"input[name=university_ids][value='{live.world.u1.id}']").check()
    support.submit(admin, admin.locator("main form button.primary"))
    support.expect_flash(admin)
    expect(admin.locator("h1")).to_have_text("新材料专场推介洽谈会")
    with live.app.app_context():
        fair_id = db.session.scalar(select(Fair.id).where(Fair.title == "新材料专场推介洽谈会"))
    assert admin.url.endswith(f"/fairs/{fair_id}")

    with admin.expect_navigation():
        admin.locator(".fair-tools a[href$='/problems']").click()
    admin.select_option("#f-park", str(seeded.park_id))  # the seeded enterprise's park
    support.submit(admin, admin.locator("form.filters button"))
    for number in (seeded.open_problem, seeded.secret):
        row = admin.locator("table.candidates tbody tr").filter(
            has=admin.locator(".meta", has_text=number)
        )
        if not row.count():  # a confidential one shows no number: take it by its label
            row = admin.locator("table.candidates tbody tr").filter(has_text="保密问题")
        support.submit(admin, row.first.locator("button"))
    chosen = admin.locator("ol.fair-chosen > li")
    expect(chosen).to_have_count(2)
    expect(chosen.nth(0)).to_contain_text("注塑件表面缩痕严重")
    expect(chosen.nth(1)).to_contain_text("保密问题")
    support.axe_check(admin, "fair pick after adding")

    with admin.expect_navigation():
        admin.locator(f".page-head a[href$='/fairs/{fair_id}']").click()
    admin.emulate_media(media="print")
    expect(admin.locator("header.topbar .nav")).to_be_hidden()
    expect(admin.locator(".fair-tools")).to_be_hidden()
    expect(admin.locator(".fair-link-form")).to_be_hidden()
    rows = admin.locator(".fair-problems tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_be_visible()
    expect(rows.nth(0)).to_contain_text("注塑件表面缩痕严重")
    expect(rows.nth(1)).to_contain_text("保密问题")
    expect(admin.locator(".fair-agenda")).to_contain_text("10:00 高校成果路演")
    expect(admin.locator("main")).not_to_contain_text(SECRET_TITLE)
    support.screenshot(admin, screenshots, "results-fair-print-zh")
    pdf = admin.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
