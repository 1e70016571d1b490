"""Small helpers for reading pages in tests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

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


def send_form(client, page_url: str, data: dict, to: str | None = None):  # type: ignore[no-untyped-def]
    """Open the page with the form, then post `data` with the page's CSRF token (and the
    ticket version the page shows, for edit forms), as a browser would."""
    page = client.get(page_url).get_data(as_text=True)
    hidden = {"csrf_token": hidden_value(page, "csrf_token")}
    if 'name="version"' in page:
        hidden["version"] = hidden_value(page, "version")
    return client.client.post(to or page_url, data={**hidden, **data})


def ticket_fields(enterprise_id: int, **fields: str) -> dict[str, str]:
    """The fields of the ticket form, with test values unless given."""
    return {
        "title": "数控机床主轴温升过高",
        "enterprise_id": str(enterprise_id),
        "category": "tech_upgrade",
        "priority": "normal",
        "description": "连续加工两小时后主轴温度超过 70℃。",
        **fields,
    }


@contextmanager
def scratch_postgres(suffix: str) -> Iterator[str]:
    """A PostgreSQL database of its own beside the test database (its name plus `_suffix`, so
    that runs side by side do not meet), empty, dropped afterwards; yields its URL."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    url = base.set(database=f"{base.database}_{suffix}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    try:
        with admin.connect() as connection:
            connection.execute(drop)
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()
