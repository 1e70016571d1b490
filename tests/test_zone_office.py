"""What a zone office uses every day: the zone's name, real dates, resolutions that stay
readable, to-do lists, enterprise pages, parks and counties, and the smaller fixes."""

from __future__ import annotations

import re

from tests.helpers import act
from ticketing.i18n import ZONE_TIME


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
