"""Notifications in the browser: the admin routes a ticket, the liaison's bell shows it, the
list leads to the ticket, and the e-mail arrives in a real local SMTP server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.browser import support
from tests.browser.conftest import Live
from tests.test_notify_worker import Inbox, Server, free_port
from ticketing import db
from ticketing.accounts.models import User
from ticketing.notify import worker

pytestmark = pytest.mark.no_transaction


def test_the_liaisons_bell_shows_a_routed_ticket_and_the_mail_arrives(
    ui: support.UI, live: Live
) -> None:
    w = live.world
    inbox = Inbox()
    server = Server(inbox, free_port())
    server.start()
    saved = {key: live.app.config[key] for key in ("SMTP_HOST", "SMTP_PORT")}
    live.app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
    try:
        with live.app.app_context():
            db.session.execute(
                update(User).where(User.id == w.liaison_u1.id).values(email="liaison@example.cn")
            )
            db.session.commit()
        ticket = live.make.ticket(w, "submitted", title="铸件气孔率偏高")
        liaison = ui.login(w.liaison_u1, axe=True)
        bell = liaison.locator("header a.bell")
        expect(bell).to_be_visible()
        before = bell.locator(".badge")
        known = int(before.inner_text()) if before.count() else 0

        admin = ui.login(w.admin)
        support.open_ticket(admin, ticket.number)
        support.act(admin, "route", {"university_id": str(w.u1.id)})

        liaison.goto("/account")
        expect(bell.locator(".badge")).to_have_text(str(known + 1))
        with liaison.expect_navigation():
            bell.click()
        item = liaison.locator("ul.notifications li.unread").filter(has_text=ticket.number)
        expect(item).to_be_visible()
        support.axe_check(liaison, "notifications")
        with liaison.expect_navigation():
            item.locator("a").first.click()
        expect(liaison.locator(".ticket-head .number")).to_have_text(ticket.number)

        with live.app.app_context():
            assert worker.drain().sent >= 1
        mine = [s for rcpt, s in inbox.received if rcpt == "liaison@example.cn"]
        assert len(mine) == 1 and ticket.number in mine[0]
    finally:
        live.app.config.update(saved)
        server.stop()
