"""The whole workflow in the browser, one person per browser context: the commissioner on a
phone, the zone admin, the university's liaison and the expert on desktops."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import support
from tests.browser.conftest import Live
from tests.helpers import state_of

pytestmark = pytest.mark.no_transaction


def landed_on_dashboard(admin: Page) -> int:
    admin.goto("/dashboard")
    return int(admin.locator("a[data-figure='landed']").inner_text())


def open_from_queue(page: Page, number: str) -> None:
    """Find the ticket where the person looks: what waits for them (where they land after
    signing in), else their own queue, linked from there."""
    page.goto("/")
    row = page.locator("li.ticket-row").filter(has_text=number)
    if not row.count():
        with page.expect_navigation():
            page.locator(".queues-links a").first.click()
    with page.expect_navigation():
        row.locator("a.title").click()
    expect(page.locator(".ticket-head .number")).to_have_text(number)


def test_whole_workflow(ui: support.UI, live: Live) -> None:
    w = live.world
    admin = ui.login(w.admin)
    landed_before = landed_on_dashboard(admin)

    # The commissioner files the problem from a phone, with a file.
    phone = ui.login(w.commissioner_a, "phone")
    with phone.expect_navigation():
        phone.locator("a.button.primary[href$='/tickets/new']").click()
    support.no_sideways_scroll(phone)
    phone.fill("#title", "齿轮箱异响，怀疑轴承早期失效")
    phone.select_option("#category", "breakthrough")
    phone.select_option("#priority", "high")
    phone.fill("#description", "2 号产线齿轮箱运行中出现周期性异响，已更换润滑油，未见好转。")
    support.submit(phone, phone.locator("button[name=submit_now]"))
    support.expect_flash(phone)
    support.expect_state(phone, "submitted")
    number = phone.locator(".ticket-head .number").inner_text()
    phone.set_input_files(
        "#file",
        files=[{"name": "振动检测报告.pdf", "mimeType": "application/pdf", "buffer": support.PDF}],
    )
    support.submit(phone, phone.locator("form.upload-form button"))
    expect(phone.locator("#timeline")).to_contain_text("振动检测报告.pdf")
    support.no_sideways_scroll(phone)

    # The zone routes it to a university.
    open_from_queue(admin, number)
    support.act(admin, "route", {"university_id": str(w.u1.id)})
    support.expect_state(admin, "university_assigned")

    # The university's liaison assigns an expert.
    liaison = ui.login(w.liaison_u1)
    open_from_queue(liaison, number)
    support.act(liaison, "assign_expert", {"expert_id": str(w.expert_u1.id)})
    support.expect_state(liaison, "expert_assigned")

    # The expert starts, comments and resolves; the file is there to download.
    expert = ui.login(w.expert_u1)
    open_from_queue(expert, number)
    with expert.expect_download() as download:
        expert.locator("#timeline a", has_text="振动检测报告.pdf").click()
    assert download.value.suggested_filename == "振动检测报告.pdf"
    support.act(expert, "start")
    support.expect_state(expert, "in_progress")
    expert.fill("#body", "已约定下周二到现场做振动频谱测试。")
    support.submit(expert, expert.locator("form.comment-form button"))
    expect(expert.locator("#timeline")).to_contain_text("已约定下周二到现场做振动频谱测试。")
    support.act(expert, "resolve", {"resolution": "更换 6208 轴承并校正联轴器对中，异响消除。"})
    support.expect_state(expert, "resolved")

    # Back on the phone, the commissioner confirms with an intention, then the agreement.
    support.open_ticket(phone, number)
    expect(phone.locator(".ticket")).to_contain_text("更换 6208 轴承")
    support.act(
        phone, "record_intention", {"title": "轴承振动监测", "cooperation_form": "joint_rd"}
    )
    support.expect_state(phone, "outcome_intention")
    support.act(phone, "sign_agreement", {"agreement_number": "CZ-HT-2026-017", "amount": "48.5"})
    support.expect_state(phone, "outcome_agreement")
    expect(phone.locator(".ticket")).to_contain_text("48.50")
    support.no_sideways_scroll(phone)

    # The zone records the outcome as landed (it asks first) and sees it on the dashboard.
    support.open_ticket(admin, number)
    support.act(
        admin,
        "land",
        {"landing_description": "新轴承方案已在三条产线推广。", "economic_benefit": "120"},
        confirm=True,
    )
    support.expect_state(admin, "outcome_landed")
    assert state_of(live.app, number) == "outcome_landed"
    assert landed_on_dashboard(admin) == landed_before + 1
    with admin.expect_navigation():
        admin.locator("a[data-figure='landed']").click()
    expect(admin.locator("main table")).to_contain_text(number)
    expect(admin).to_have_url(re.compile(r"/reports/cooperations\?figure=landed"))
