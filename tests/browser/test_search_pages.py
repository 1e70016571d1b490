"""Searching in a queue with a browser: the best match first with the words marked, saving the
search, opening and deleting it; axe-core finds no critical or serious violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import support
from tests.browser.conftest import Live

pytestmark = pytest.mark.no_transaction


def test_search_save_and_delete(ui: support.UI, live: Live, screenshots: Path) -> None:
    w, make = live.world, live.make
    in_title = make.ticket(w, "submitted", title="芯片式数字PCR系统温漂").number
    make.ticket(w, "submitted", title="检测线改造", description="需要引进数字PCR设备")

    page = ui.login(w.admin, axe=True)
    page.goto("/queue/all")
    page.fill("#f-q", "数字pcr")
    support.submit(page, page.locator("form.filters button").first)
    rows = page.locator("ul.search-results li")
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".number")).to_have_text(in_title)  # the title hit first
    expect(rows.first.locator("a.title mark")).to_have_text("数字PCR")
    expect(rows.nth(1).locator(".snippet mark")).to_have_text("数字PCR")
    support.screenshot(page, screenshots, "search-results-zh-desktop")
    support.labels_and_ids(page)
    support.axe_check(page, "search results")

    page.fill("#save-name", "PCR 问题")
    support.submit(page, page.locator("form.save-search button"))
    support.expect_flash(page)
    saved = page.locator(".saved-searches a", has_text="PCR 问题")
    expect(saved).to_be_visible()

    page.goto("/queue/to_route")
    support.submit(page, page.locator(".saved-searches a", has_text="PCR 问题"))
    expect(page.locator("#f-q")).to_have_value("数字pcr")
    expect(page.locator("ul.search-results li")).to_have_count(2)

    support.submit(page, page.locator(".saved-searches button.link"))
    support.expect_flash(page)
    expect(page.locator(".saved-searches")).to_have_count(0)
