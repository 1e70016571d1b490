"""What goes wrong, in the browser: a returned, a declined and a reopened ticket; actions
refused because someone else changed the ticket first; forms sent back with errors; and the
question asked before an irreversible action, whose “cancel” must change nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, expect

from tests.browser import support
from tests.browser.conftest import Live
from tests.helpers import state_of

pytestmark = pytest.mark.no_transaction


def test_liaison_returns_a_ticket_to_the_zone(ui: support.UI, live: Live) -> None:
    ticket = live.make.ticket(live.world, "university_assigned")
    liaison = ui.login(live.world.liaison_u1)
    support.open_ticket(liaison, ticket.number)
    support.act(liaison, "return", {"reason": "本校暂无锂电材料方向的专家。"})
    support.expect_state(liaison, "submitted")
    expect(liaison.locator("#timeline")).to_contain_text("本校暂无锂电材料方向的专家。")
    # Read-only for the liaison now: no more actions on it.
    expect(liaison.locator("section.actions")).to_have_count(0)
    assert state_of(live.app, ticket.number) == "submitted"


def test_expert_declines_and_the_liaison_sees_it_back(ui: support.UI, live: Live) -> None:
    w = live.world
    ticket = live.make.ticket(w, "expert_assigned")
    expert = ui.login(w.expert_u1, "phone")
    support.open_ticket(expert, ticket.number)
    support.act(expert, "decline", {"reason": "本人下月出国访学，无法按期对接。"})
    support.expect_state(expert, "university_assigned")
    support.no_sideways_scroll(expert)
    liaison = ui.login(w.liaison_u1)
    support.open_ticket(liaison, ticket.number)
    expect(liaison.locator("details#action-assign_expert")).to_be_visible()
    expect(liaison.locator("#timeline")).to_contain_text("本人下月出国访学")


def test_commissioner_reopens_a_resolution(ui: support.UI, live: Live) -> None:
    ticket = live.make.ticket(live.world, "resolved")
    phone = ui.login(live.world.commissioner_a, "phone")
    support.open_ticket(phone, ticket.number)
    support.act(phone, "reopen", {"reason": "试运行三天后温升问题再次出现。"})
    support.expect_state(phone, "in_progress")
    assert state_of(live.app, ticket.number) == "in_progress"


def test_a_form_sent_from_a_stale_page_is_refused(ui: support.UI, live: Live) -> None:
    """The admin's page was opened before the liaison reassigned the expert: the admin's
    reassignment is refused with a message to reload, and the liaison's choice stands."""
    w = live.world
    third = live.make.user("expert", university=w.u1, name="第三位专家")
    ticket = live.make.ticket(w, "in_progress")
    admin = ui.login(w.admin)
    support.open_ticket(admin, ticket.number)
    stale = support.fill_action(
        admin, "reassign_expert", {"expert_id": str(third.id), "reason": "原专家工作量过大。"}
    )

    liaison = ui.login(w.liaison_u1)
    support.open_ticket(liaison, ticket.number)
    support.act(
        liaison,
        "reassign_expert",
        {"expert_id": str(w.expert2_u1.id), "reason": "换一位更熟悉主轴的专家。"},
    )

    ui.guard.allow_status(409)
    support.submit(admin, stale.locator("button"))
    expect(admin.locator("main [role=alert]")).to_be_visible()
    expect(admin.locator("main [role=alert]")).to_contain_text("刷新页面后重试")
    support.expect_state(admin, "expert_assigned")
    expect(admin.locator(".facts")).to_contain_text([w.expert2_u1.name])
    assert state_of(live.app, ticket.number) == "expert_assigned"


def test_an_action_no_longer_possible_is_refused(ui: support.UI, live: Live) -> None:
    """The admin's routing form was opened before the commissioner withdrew the ticket."""
    w = live.world
    ticket = live.make.ticket(w, "submitted")
    admin = ui.login(w.admin, lang="en")
    support.open_ticket(admin, ticket.number)
    route = support.fill_action(admin, "route", {"university_id": str(w.u2.id)})

    phone = ui.login(w.commissioner_a, "phone")
    support.open_ticket(phone, ticket.number)
    support.act(phone, "withdraw", {"reason": "企业已自行解决"}, confirm=True)

    ui.guard.allow_status(409)
    support.submit(admin, route.locator("button"))
    alert = admin.locator("main [role=alert]")
    expect(alert).to_contain_text("is not possible while the ticket is")
    support.expect_state(admin, "withdrawn")
    assert state_of(live.app, ticket.number) == "withdrawn"


def test_forms_with_errors_show_them_next_to_the_field(ui: support.UI, live: Live) -> None:
    w = live.world
    ui.guard.allow_status(422)
    page = ui.login(w.commissioner_a, axe=True)
    page.goto("/tickets/new")
    page.fill("#title", "   ")
    page.fill("#description", "液压站油温偏高。")
    support.submit(page, page.locator("button[name=submit_now]"))
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title")).to_have_attribute("aria-describedby", "title-help title-error")
    expect(page.locator("#description")).to_have_value("液压站油温偏高。")
    support.axe_check(page, "new ticket with errors")
    page.fill("#title", "液压站油温偏高")
    support.submit(page, page.locator("button[name=draft]"))
    support.expect_state(page, "draft")

    ticket = live.make.ticket(w, "resolved")
    support.open_ticket(page, ticket.number)
    support.submit(page, support.fill_action(page, "reopen", {}).locator("button"))
    expect(page.locator("details#action-reopen")).to_have_attribute("open", "")
    expect(page.locator("#reopen-reason-error")).to_be_visible()
    expect(page.locator("#reopen-reason")).to_have_attribute("aria-invalid", "true")
    support.expect_state(page, "resolved")
    support.axe_check(page, "ticket page with an action form sent back")

    page.set_input_files(
        "#file",
        files=[
            {"name": "notes.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}
        ],
    )
    support.submit(page, page.locator("form.upload-form button"))
    expect(page.locator("#file-error")).to_be_visible()
    assert state_of(live.app, ticket.number) == "resolved"


def test_withdrawing_asks_first_and_cancel_changes_nothing(ui: support.UI, live: Live) -> None:
    ticket = live.make.ticket(live.world, "submitted")
    page = ui.login(live.world.commissioner_a)
    support.open_ticket(page, ticket.number)
    form = support.fill_action(page, "withdraw", {"reason": "问题已由企业内部解决。"})
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    url = page.url
    form.locator("button").click()
    assert asked and asked[0], "no question before withdrawing"
    assert page.url == url
    assert state_of(live.app, ticket.number) == "submitted"
    page.reload()
    support.expect_state(page, "submitted")

    support.act(page, "withdraw", {"reason": "问题已由企业内部解决。"}, confirm=True)
    support.expect_state(page, "withdrawn")


def test_closing_asks_first(ui: support.UI, live: Live) -> None:
    ticket = live.make.ticket(live.world, "resolved")
    page = ui.login(live.world.commissioner_a2, "phone", "en")
    support.open_ticket(page, ticket.number)
    support.act(page, "close", {"satisfaction": "4"}, confirm=True)
    support.expect_state(page, "closed")
    expect(page.locator(".ticket")).to_contain_text("4 / 5")
