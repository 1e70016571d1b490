"""Rules around the workflow that a reviewer found easy to break: who may still act after
their links change, what an action clears, and inputs that must not cause errors."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.helpers import act, hidden_value, send_form, state_of, ticket_fields
from ticketing import db
from ticketing.accounts.models import User
from ticketing.errors import NotAllowed, NotFound, RuleViolation
from ticketing.orgs.models import Enterprise
from ticketing.permissions import can
from ticketing.tickets import services, transitions
from ticketing.tickets.models import Attachment, Ticket


def _get(model, id_):  # type: ignore[no-untyped-def]
    return db.session.get(model, id_)


def test_filer_unlinked_from_the_enterprise_loses_the_ticket(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress").number
    with app.app_context():
        _get(User, world.commissioner_a.id).enterprises = []
        db.session.commit()
    client = login(world.commissioner_a)
    assert client.get(f"/tickets/{number}").status_code == 404
    assert number not in client.get("/queue/mine").get_data(as_text=True)
    with app.app_context(), pytest.raises(NotFound):
        transitions.perform(
            db.session.scalar(select(Ticket).where(Ticket.number == number)),
            "withdraw",
            _get(User, world.commissioner_a.id),
            reason="x",
        )


def test_reopen_clears_the_resolution(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = _get(Ticket, make.ticket(world, "resolved").id)
    transitions.perform(ticket, "reopen", _get(User, world.commissioner_a.id), reason="复现")
    assert ticket.resolution is None and ticket.resolved_at is None


def test_decline_and_return_clear_the_assignment(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    declined = _get(Ticket, make.ticket(world, "expert_assigned").id)
    transitions.perform(declined, "decline", _get(User, world.expert_u1.id), reason="出差")
    assert declined.expert_id is None and declined.expert_assigned_at is None
    returned = _get(Ticket, make.ticket(world, "university_assigned").id)
    transitions.perform(returned, "return", _get(User, world.liaison_u1.id), reason="无专家")
    assert returned.university_id is None and returned.routed_at is None


@pytest.mark.parametrize(
    ("state", "action", "actor", "allowed"),
    [
        ("draft", "edit", "commissioner_a", True),
        ("submitted", "edit", "commissioner_a2", True),
        ("submitted", "edit", "admin", True),
        ("university_assigned", "edit", "commissioner_a", False),
        ("in_progress", "edit", "admin", False),
        ("submitted", "set_confidential", "commissioner_a", True),
        ("submitted", "set_confidential", "commissioner_a2", False),
        ("in_progress", "comment", "commissioner_a2", True),
        ("in_progress", "comment", "expert2_u1", False),
        ("closed", "comment", "commissioner_a", False),
        ("withdrawn", "comment", "admin", False),
        ("closed", "attach", "expert_u1", False),
        ("in_progress", "internal_note", "commissioner_a", False),
        ("in_progress", "internal_note", "liaison_u1", True),
        ("in_progress", "record_visit", "expert_u1", True),
        ("resolved", "record_visit", "expert_u1", False),
    ],
)
def test_actions_outside_the_table(state, action, actor, allowed, make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = _get(Ticket, make.ticket(world, state).id)
    assert can(_get(User, getattr(world, actor).id), action, ticket) is allowed


def test_services_check_the_enterprise(world, ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation) as refused:
        services.create_draft(
            _get(User, world.commissioner_a.id),
            zone_code="CZ",
            title="越权",
            description="x",
            category="talent",
            enterprise_id=world.enterprise_b.id,
        )
    assert refused.value.field == "enterprise_id"
    with pytest.raises(NotAllowed):
        services.create_draft(
            _get(User, world.expert_u1.id),
            zone_code="CZ",
            title="专家",
            description="x",
            category="talent",
            enterprise_id=world.enterprise_a.id,
        )


def test_ticket_number_follows_the_year_in_changzhi(world, ctx) -> None:  # type: ignore[no-untyped-def]
    new_year_in_changzhi = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 2027-01-01 00:30
    with db.frozen_clock(new_year_in_changzhi):
        ticket = services.create_draft(
            _get(User, world.commissioner_a.id),
            zone_code="CZ",
            title="新年",
            description="x",
            category="talent",
            enterprise_id=world.enterprise_a.id,
        )
    assert ticket.number.startswith("CZ-2027-")


def test_editing_a_ticket_of_a_deactivated_enterprise(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    with app.app_context():
        _get(Enterprise, world.enterprise_a.id).active = False
        db.session.commit()
    client = login(world.commissioner_a)
    response = send_form(
        client,
        f"/tickets/{number}/edit",
        ticket_fields(
            world.enterprise_a.id,
            title="标题已修改",
            description="描述",
        ),
    )
    assert response.status_code == 302


def test_outsider_with_a_valid_token_gets_404(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    outsider = login(world.commissioner_b)
    token = hidden_value(outsider.get("/account").get_data(as_text=True), "csrf_token")
    for path, data in (
        (f"/tickets/{number}/act/withdraw", {"withdraw-csrf_token": token, "withdraw-reason": "x"}),
        (f"/tickets/{number}/comments", {"csrf_token": token, "body": "x"}),
    ):
        assert outsider.client.post(path, data=data).status_code == 404
    assert state_of(app, number) == "submitted"


@pytest.mark.parametrize("amount", ["sNaN", "NaN", "Infinity", "-0.01", "1e99"])
def test_strange_amounts_are_refused(amount, make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "outcome_intention").number
    response = act(
        login(world.commissioner_a),
        number,
        "sign_agreement",
        agreement_number="A-1",
        agreement_date="2026-01-05",
        amount=amount,
    )
    assert response.status_code == 422
    assert state_of(app, number) == "outcome_intention"


def test_odd_urls_and_characters(world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    for url in (
        "/files/99999999999999999999",
        "/admin/users/99999999999999999999",
        "/admin/enterprises/99999999999999999999",
        "/tickets/%00",
    ):
        assert admin.get(url).status_code in (400, 404), url
    assert admin.get("/queue/all?q=a%00b").status_code == 400


def test_failed_upload_leaves_no_file(make, world, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    folder = app.config["UPLOAD_FOLDER"]
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        attachment = services.add_attachment(
            ticket,
            _get(User, world.commissioner_a.id),
            stream=io.BytesIO(b"notes"),
            filename="a.txt",
            folder=folder,
            max_bytes=1000,
        )
        path = services.attachment_path(folder, attachment)
        assert path.exists()
        db.session.rollback()
        assert not path.exists()
        assert db.session.scalar(select(Attachment).where(Attachment.id == attachment.id)) is None


def test_long_file_names_keep_their_extension() -> None:
    name = services.clean_filename("检测报告" * 60 + ".pdf")
    assert len(name) <= 200 and name.endswith(".pdf")
