"""A zone office's day in the browser: each person's to-do list reached from the navigation,
the enterprise page from a ticket, the expert's visit record from the top of a phone page,
filing with a photo, and the admin lists on a 390 px phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.conftest import Live
from tests.helpers import state_of
from ticketing import db
from ticketing.orgs.models import Enterprise

pytestmark = pytest.mark.no_transaction

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def open_todos(page: Page) -> None:
    """From any page, the way a person goes: the “需我处理” link in the navigation."""
    with page.expect_navigation():
        page.locator("header .todo-link").click()
    expect(page.locator("h1")).to_contain_text("需我处理")


@pytest.mark.parametrize(
    ("who", "state", "key", "device"),
    [
        ("admin", "submitted", "to_route", "desktop"),
        ("liaison_u1", "university_assigned", "awaiting_expert", "desktop"),
        ("expert_u1", "expert_assigned", "awaiting_answer", "phone"),
        ("commissioner_a", "resolved", "to_confirm", "phone"),
    ],
)
def test_each_role_finds_what_waits_for_them(
    ui: support.UI, live: Live, who: str, state: str, key: str, device: str
) -> None:
    ticket = live.make.ticket(live.world, state, title=f"待办：{key}")
    page = ui.login(getattr(live.world, who), device)
    page.goto("/account")  # the count is in the navigation on every page
    badge = page.locator("header .todo-link .badge")
    expect(badge).to_be_visible()
    assert int(badge.inner_text().rstrip("+")) >= 1
    open_todos(page)
    section = page.locator(f"#todo-{key}")
    row = section.locator("li.ticket-row").filter(has_text=ticket.number)
    expect(row).to_be_visible()
    if device == "phone":
        support.no_sideways_scroll(page)
    with page.expect_navigation():
        row.locator("a.title").click()
    expect(page.locator(".ticket-head .number")).to_have_text(ticket.number)


def test_the_enterprise_page_from_a_ticket(ui: support.UI, live: Live, screenshots: Path) -> None:
    w = live.world
    with live.app.app_context():
        enterprise = db.session.get(Enterprise, w.enterprise_a.id)
        enterprise.contact_name, enterprise.contact_phone = "赵厂长", "0355-2028888"
        enterprise.address = "长治市上党区经济技术开发区漳泽大道 18 号"
        db.session.commit()
    ticket = live.make.ticket(w, "in_progress", title="余热回收换热器结垢")
    expert = ui.login(w.expert_u1, "phone")
    support.open_ticket(expert, ticket.number)
    # the contact is on the ticket for the expert working on it
    expect(expert.locator(".contact-phone a[href='tel:0355-2028888']")).to_be_visible()
    with expert.expect_navigation():
        expert.locator(".ticket-head .meta a").click()
    expect(expert.locator("h1")).to_have_text(w.enterprise_a.name)
    expect(expert.locator(".contact")).to_contain_text("赵厂长")
    expect(expert.locator(".contact")).to_contain_text("漳泽大道 18 号")
    expect(expert.locator("ul.tickets")).to_contain_text(ticket.number)
    support.no_sideways_scroll(expert)
    support.screenshot(expert, screenshots, "enterprise-from-ticket-zh-phone")


def test_an_expert_records_a_visit_from_the_top_of_the_phone_page(
    ui: support.UI, live: Live, screenshots: Path
) -> None:
    ticket = live.make.ticket(live.world, "in_progress", title="空压机房能耗偏高")
    expert = ui.login(live.world.expert_u1, "phone")
    support.open_ticket(expert, ticket.number)
    opener = expert.locator("details#visit summary")
    box = opener.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, "the visit form is below the fold"
    opener.tap()  # tap one: the form opens, filled in with today, the place and the people
    form = expert.locator("details#visit form")
    expect(form.locator("#visited_on")).not_to_have_value("")
    expect(form.locator("#place")).not_to_have_value("")
    expect(form.locator("#participants")).not_to_have_value("")
    form.locator("#findings").fill("储气罐排污阀漏气，建议更换并加装压力监测。")
    support.screenshot(expert, screenshots, "visit-form-zh-phone")
    with expert.expect_navigation():
        form.locator("button").tap()  # tap two: recorded
    support.expect_flash(expert)
    expect(expert.locator("#timeline")).to_contain_text("储气罐排污阀漏气")
    assert state_of(live.app, ticket.number) == "in_progress"


def test_filing_a_ticket_with_a_photo_on_a_phone(
    ui: support.UI, live: Live, tmp_path: Path
) -> None:
    photo = tmp_path / "车间现场.png"
    photo.write_bytes(PNG)
    phone = ui.login(live.world.commissioner_a, "phone")
    phone.goto("/tickets/new")
    phone.fill("#title", "喷涂线漆膜起泡")
    phone.select_option("#category", "tech_upgrade")
    phone.fill("#description", "雨季湿度大时漆膜起泡，返工率约 8%。")
    phone.set_input_files("#files", str(photo))
    support.no_sideways_scroll(phone)
    support.submit(phone, phone.locator("button[name=submit_now]"))
    support.expect_flash(phone)
    expect(phone.locator("#timeline")).to_contain_text("车间现场.png")
    number = phone.locator(".ticket-head .number").inner_text()
    assert state_of(live.app, number) == "submitted"


@pytest.mark.parametrize(
    "url", ["/admin/users", "/admin/enterprises", "/admin/universities", "/admin/places"]
)
def test_admin_lists_fit_a_390px_phone(ui: support.UI, live: Live, url: str) -> None:
    live.make.enterprise(
        f"长治市潞安新能源装备制造股份有限公司上党区分公司{url.rsplit('/', 1)[-1]}"
    )
    admin = ui.login(live.world.admin, "phone")
    admin.goto(url)
    if url == "/admin/places":  # an admin creates the first park on the phone
        with admin.expect_navigation():
            admin.locator("a[href$='/places/park/new']").click()
        admin.fill("#name", "长治高新技术产业开发区漳泽园区")
        support.submit(admin, admin.locator("main form button.primary"))
        support.expect_flash(admin)
    support.no_sideways_scroll(admin)
    names = admin.locator("table.stack tbody th[scope=row]")
    expect(names.first).to_be_visible()
    for n in range(min(names.count(), 5)):
        box = names.nth(n).bounding_box()
        assert box is not None and box["width"] >= 300, f"a name is squeezed on {url}: {box}"
