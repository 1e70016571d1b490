"""What a zone office uses every day: the zone's name, real dates, resolutions that stay
readable, to-do lists, enterprise pages, parks and counties, and the smaller fixes."""

from __future__ import annotations

import re

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
