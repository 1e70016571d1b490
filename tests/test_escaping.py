"""What people type is shown as text, never run as markup, on every page that shows it."""

from __future__ import annotations

from sqlalchemy import select

from ticketing import db
from ticketing.accounts.models import User
from ticketing.tickets import services
from ticketing.tickets.models import Ticket

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
]


def test_user_text_is_escaped_everywhere(make, world, login) -> None:  # type: ignore[no-untyped-def]
    payload = " ".join(PAYLOADS)
    number = make.ticket(world, "submitted", title=f"标题{PAYLOADS[0]}", description=payload).number
    with make.app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        filer = db.session.get(User, world.commissioner_a.id)
        services.add_comment(ticket, filer, body=payload)
        services.edit_ticket(ticket, filer, title=f"新{PAYLOADS[1]}")
        db.session.commit()
    client = login(world.admin)
    pages = [
        client.get(f"/tickets/{number}").get_data(as_text=True),
        client.get("/queue/to_route").get_data(as_text=True),
    ]
    for page in pages:
        for raw in PAYLOADS:
            assert raw not in page
        assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in pages[0] and "&lt;svg/onload=alert(1)&gt;" in pages[0]
