"""Enterprises and universities: the credit code check and the admin pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import hidden_value
from ticketing import db
from ticketing.orgs import credit_code
from ticketing.orgs.models import Enterprise


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91350100M000100Y43", True),  # a published example of the format
        ("91110108551385082Q", True),
        ("91110108551385082A", False),  # wrong check character
        ("9111010855138508", False),  # too short
        ("91110108551385082I", False),  # I is not in the alphabet
        (" 91110108551385082q ", True),  # spaces and lower case are forgiven
    ],
)
def test_credit_code(code: str, valid: bool) -> None:
    assert credit_code.is_valid(code) is valid


def test_admin_adds_an_enterprise(world, login, make) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    page = admin.get("/admin/enterprises/new").get_data(as_text=True)
    fields = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "name": "长治市臻准生物科技有限公司",
        "park_id": "0",
        "county_id": "0",
        "industry": "生物医药",
        "active": "y",
    }
    bad = admin.client.post(
        "/admin/enterprises/new", data={**fields, "credit_code": "91110108551385082A"}
    )
    assert bad.status_code == 422 and "aria-invalid" in bad.get_data(as_text=True)
    good = admin.client.post(
        "/admin/enterprises/new", data={**fields, "credit_code": "91110108551385082Q"}
    )
    assert good.status_code == 302
    twice = admin.client.post(
        "/admin/enterprises/new",
        data={**fields, "name": "另一家", "credit_code": "91110108551385082Q"},
    )
    assert twice.status_code == 422
    with make.app.app_context():
        names = db.session.scalars(select(Enterprise.name)).all()
        assert names.count("长治市臻准生物科技有限公司") == 1 and "另一家" not in names
