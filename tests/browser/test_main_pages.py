"""Every main page in Chinese and English, on a desktop and a phone: a screenshot for people to
look at, axe-core with no critical or serious violation, a title that names the page, the
page's language, and no sideways scrolling on the phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.conftest import Live

pytestmark = pytest.mark.no_transaction

OPEN_ALL_PANELS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


def check_page(page: Page, folder: Path, name: str, lang: str, device: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", support.HTML_LANG[lang])
    support.title_matches_heading(page, lang)
    if device == "phone":
        support.no_sideways_scroll(page)
    support.screenshot(page, folder, f"{name}-{lang}-{device}")
    if page.locator("details").count():
        page.evaluate(OPEN_ALL_PANELS)  # axe checks the forms inside the closed panels too
        if device == "phone":
            support.no_sideways_scroll(page)
    support.labels_and_ids(page)
    support.axe_check(page, f"{name} ({lang}, {device})")


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_pages(ui: support.UI, live: Live, screenshots: Path, lang: str, device: str) -> None:
    w, make = live.world, live.make
    waiting = make.ticket(w, "submitted", title="注塑件表面缩痕严重，良品率下降")
    working = make.ticket(w, "in_progress", title="煤矸石综合利用制备陶粒的工艺优化")
    signed = make.ticket(w, "outcome_agreement", title="锂电池隔膜涂覆工艺改进")
    to_assign = make.ticket(w, "university_assigned", title="铸件气孔率偏高的原因分析")
    make.ticket(w, "expert_assigned", title="变频器谐波干扰治理")
    make.ticket(w, "resolved", title="污水处理站氨氮超标")

    page = ui.page(device, axe=True, lang=lang)
    page.goto("/login")
    support.set_language(page, lang)
    check_page(page, screenshots, "login", lang, device)

    queues = {
        "admin": w.admin,
        "liaison": w.liaison_u1,
        "expert": w.expert_u1,
        "commissioner": w.commissioner_a,
    }
    pages = {}
    for role, user in queues.items():
        pages[role] = page = ui.login(user, device, lang, axe=True)
        # home: what waits for them, counted in the navigation
        expect(page.locator(".todo-lists ul.tickets").first).to_be_visible()
        expect(page.locator("header .todo-link .badge")).to_be_visible()
        check_page(page, screenshots, f"todo-{role}", lang, device)
        with page.expect_navigation():
            page.locator(".queues-links a").first.click()
        expect(page.locator("ul.tickets")).to_be_visible()
        check_page(page, screenshots, f"queue-{role}", lang, device)

    commissioner = pages["commissioner"]
    expect(commissioner.locator("ul.tickets")).to_contain_text(waiting.number)
    commissioner.goto(f"/enterprises/{w.enterprise_a.id}")
    expect(commissioner.locator("ul.tickets")).to_contain_text(waiting.number)
    check_page(commissioner, screenshots, "enterprise", lang, device)
    commissioner.goto("/tickets/new")
    check_page(commissioner, screenshots, "new-ticket", lang, device)

    expert = pages["expert"]
    support.open_ticket(expert, working.number)
    check_page(expert, screenshots, "ticket-expert", lang, device)

    liaison = pages["liaison"]
    support.open_ticket(liaison, to_assign.number)
    expect(liaison.locator(".experts-fit")).to_have_count(1)
    expect(liaison.locator(".suggestions form.suggestion")).not_to_have_count(0)
    check_page(liaison, screenshots, "ticket-assign-expert", lang, device)

    admin = pages["admin"]
    for name, url in (
        ("users", "/admin/users"),
        ("enterprises", "/admin/enterprises"),
        ("universities", "/admin/universities"),
        ("places", "/admin/places"),
        ("new-park", "/admin/places/park/new"),
        ("working-time", "/admin/working-time"),
        ("queue-by-due", "/queue/to_route?sort=due"),
    ):
        admin.goto(url)
        check_page(admin, screenshots, f"admin-{name}", lang, device)
    support.open_ticket(admin, waiting.number)
    # the world's two universities at least (other browser tests may have added more)
    expect(admin.locator(".suggestions form.suggestion").nth(1)).to_be_visible()
    check_page(admin, screenshots, "ticket-route", lang, device)
    support.open_ticket(admin, signed.number)
    check_page(admin, screenshots, "ticket-admin", lang, device)
    admin.goto("/dashboard")
    expect(admin.locator(".figures")).to_be_visible()
    check_page(admin, screenshots, "dashboard", lang, device)
