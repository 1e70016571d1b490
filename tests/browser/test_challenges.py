"""Open challenges in the browser: the admin publishes a ticket awaiting routing, a liaison
proposes with an expert of their university, the admin compares the proposals and picks one
(confirming), and the ticket is routed and assigned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import support
from tests.browser.conftest import Live
from ticketing.db import local_today

pytestmark = pytest.mark.no_transaction


def test_publish_propose_compare_and_pick(ui: support.UI, live: Live) -> None:
    w = live.world
    ticket = live.make.ticket(w, "submitted", title="注塑件翘曲变形")
    admin = ui.login(w.admin, axe=True)
    support.open_ticket(admin, ticket.number)
    with admin.expect_navigation():
        admin.locator(".challenge-offer a").click()
    admin.fill("#deadline", (local_today() + timedelta(days=10)).isoformat())
    support.axe_check(admin, "publish a challenge")
    support.submit(admin, admin.locator("main form button.primary"))
    support.expect_flash(admin)
    challenge_url = admin.url

    liaison = ui.login(w.liaison_u1, axe=True)
    with liaison.expect_navigation():
        liaison.locator("header nav a[href='/challenges']").click()
    row = liaison.locator("table.challenges tr").filter(has_text="注塑件翘曲变形")
    with liaison.expect_navigation():
        row.locator("a").click()
    liaison.locator("#expert_id").select_option(str(w.expert_u1.id))
    liaison.fill("#approach", "模流分析优化浇口位置，调整保压曲线")
    liaison.fill("#days", "21")
    liaison.fill("#cost", "6.8")
    support.labels_and_ids(liaison)
    support.axe_check(liaison, "propose")
    support.submit(liaison, liaison.locator("main form button.primary"))
    support.expect_flash(liaison)
    expect(liaison.locator(".own-proposal")).to_contain_text("模流分析")

    admin.goto(challenge_url)
    table = admin.locator("table.proposals")
    expect(table).to_contain_text(w.u1.name)
    expect(table).to_contain_text("6.80")
    support.labels_and_ids(admin)
    support.axe_check(admin, "compare proposals")
    asked: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept()

    admin.once("dialog", accept)
    support.submit(admin, table.locator("button.primary").first)
    assert asked and w.expert_u1.name in asked[0]
    support.expect_flash(admin)
    expect(admin.locator(".challenge-status")).to_have_text("已选定方案")

    support.open_ticket(admin, ticket.number)
    support.expect_state(admin, "expert_assigned")
    expect(admin.locator("#timeline")).to_contain_text(w.expert_u1.name)
