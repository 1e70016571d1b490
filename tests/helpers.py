"""Small helpers for reading pages in tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from ticketing import db
from ticketing.tickets.models import Ticket


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert match, f"no field {name} on the page"
    return match.group(1)


def act(client, number: str, action: str, **fields: str):  # type: ignore[no-untyped-def]
    """Send an action form the way the ticket page does (prefix, version, CSRF)."""
    url = f"/tickets/{number}"
    page = client.get(url).get_data(as_text=True)
    data = {f"{action}-{name}": value for name, value in fields.items()}
    data[f"{action}-version"] = hidden_value(page, f"{action}-version")
    data[f"{action}-csrf_token"] = hidden_value(page, f"{action}-csrf_token")
    return client.client.post(f"{url}/act/{action}", data=data)


def state_of(app, number: str) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(Ticket.state).where(Ticket.number == number))
