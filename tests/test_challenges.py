"""Open challenges (揭榜挂帅): publish a submitted ticket, proposals from several universities,
the side-by-side comparison, the pick through the transition table (one history event, routed
and assigned at once), the others told; confidential problems, the deadline, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.helpers import hidden_value, state_of
from tests.test_tallies import _facts, _tallies
from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.challenges import services
from ticketing.challenges.models import Challenge, Proposal
from ticketing.db import local_today
from ticketing.errors import NotAllowed, RuleViolation
from ticketing.notify.models import Notification
from ticketing.reports import tallies
from ticketing.tickets.models import Ticket, TicketEvent

APPROACH_U1 = "采用油雾冷却改造主轴，两周完成样机验证"
APPROACH_U2 = "热误差补偿建模，结合在线测温修正"


def _publish(client, number: str, days: int = 7, version: str | None = None):  # type: ignore[no-untyped-def]
    url = f"/challenges/publish/{number}"
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "version": version or hidden_value(page, "version"),
        "deadline": (local_today() + timedelta(days=days)).isoformat(),
    }
    return client.client.post(url, data=data)


def _challenge_id(app, number: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(
            select(Challenge.id)
            .join(Ticket, Ticket.id == Challenge.ticket_id)
            .where(Ticket.number == number)
        )


def _propose(client, challenge_id: int, expert_id: int, approach: str, **fields: str):  # type: ignore[no-untyped-def]
    url = f"/challenges/{challenge_id}"
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "expert_id": str(expert_id),
        "approach": approach,
        "days": "30",
        "cost": "12.5",
        **fields,
    }
    return client.client.post(f"{url}/propose", data=data)


def _pick(client, challenge_id: int, proposal_id: int, version: str | None = None):  # type: ignore[no-untyped-def]
    url = f"/challenges/{challenge_id}"
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "proposal_id": str(proposal_id),
        "version": version or hidden_value(page, "version"),
    }
    return client.client.post(f"{url}/pick", data=data)


def _proposal(app, challenge_id: int, university_id: int) -> Proposal | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(
            select(Proposal).where(
                Proposal.challenge_id == challenge_id, Proposal.university_id == university_id
            )
        )


def _open_challenge(app, make, world, login, **fields):  # type: ignore[no-untyped-def]
    """A submitted ticket published by the admin; returns (number, challenge id, admin)."""
    number = make.ticket(world, "submitted", **fields).number
    admin = login(world.admin)
    assert _publish(admin, number).status_code == 303
    return number, _challenge_id(app, number), admin


def _kinds(app, user_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id))
        )


def test_publish_propose_compare_and_pick(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number, cid, admin = _open_challenge(app, make, world, login)
    assert state_of(app, number) == "submitted"  # the ticket waits; no new state
    one, two = login(world.liaison_u1), login(world.liaison_u2)
    assert _propose(one, cid, world.expert_u1.id, APPROACH_U1).status_code == 303
    assert _propose(two, cid, world.expert_u2.id, APPROACH_U2, cost="20").status_code == 303

    # a liaison sees their own proposal only; the admin compares both side by side
    page_one = one.get(f"/challenges/{cid}").get_data(as_text=True)
    assert APPROACH_U1 in page_one and APPROACH_U2 not in page_one
    assert world.expert_u2.name not in page_one
    compared = admin.get(f"/challenges/{cid}").get_data(as_text=True)
    assert APPROACH_U1 in compared and APPROACH_U2 in compared
    assert world.u1.name in compared and world.u2.name in compared
    assert "12.50" in compared and "20.00" in compared

    picked = _proposal(app, cid, world.u2.id)
    with app.app_context():
        events_before = db.session.scalar(select(func.count(TicketEvent.id)))
    assert _pick(admin, cid, picked.id).status_code == 303

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.state == "expert_assigned"
        assert ticket.university_id == world.u2.id and ticket.expert_id == world.expert_u2.id
        assert ticket.routed_at is not None and ticket.expert_assigned_at is not None
        events = db.session.scalars(
            select(TicketEvent).where(TicketEvent.id > 0).order_by(TicketEvent.id.desc())
        ).all()
        assert db.session.scalar(select(func.count(TicketEvent.id))) == events_before + 1
        award = events[0]
        assert (award.action, award.from_state, award.to_state) == (
            "award",
            "submitted",
            "expert_assigned",
        )
        assert award.data["proposal_id"] == picked.id and award.data["challenge_id"] == cid
        statuses = dict(
            db.session.execute(
                select(Proposal.university_id, Proposal.status).where(Proposal.challenge_id == cid)
            ).all()
        )
        assert statuses == {world.u1.id: "not_picked", world.u2.id: "picked"}
        assert db.session.get(Challenge, cid).status == "awarded"

    # the others are told; the picked liaison and expert hear it is routed and assigned
    assert _kinds(app, world.liaison_u1.id) == ["challenge", "not_picked"]
    assert _kinds(app, world.liaison_u2.id) == ["challenge", "routed"]
    assert _kinds(app, world.expert_u2.id) == ["assigned"]
    bell = one.get("/notifications").get_data(as_text=True)
    assert f"/challenges/{cid}" in bell and "未被选中" in bell
    # the picked university now sees the ticket; the other does not
    assert two.get(f"/tickets/{number}").status_code == 200
    assert one.get(f"/tickets/{number}").status_code == 404

    # a picked challenge cannot be picked again, nor proposed to
    other = _proposal(app, cid, world.u1.id)
    assert 'name="proposal_id"' not in admin.get(f"/challenges/{cid}").get_data(as_text=True)
    token = hidden_value(admin.get("/account").get_data(as_text=True), "csrf_token")
    again = admin.client.post(
        f"/challenges/{cid}/pick", data={"csrf_token": token, "proposal_id": str(other.id)}
    )
    assert again.status_code == 409
    assert _propose(two, cid, world.expert_u2.id, "再改一次").status_code in (200, 409)
    with app.app_context():
        assert db.session.get(Proposal, other.id).status == "not_picked"
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.expert_id == world.expert_u2.id


def test_publishing_tells_every_liaison_and_is_in_the_history(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number, cid, admin = _open_challenge(app, make, world, login)
    assert _kinds(app, world.liaison_u1.id) == ["challenge"]
    assert _kinds(app, world.liaison_u2.id) == ["challenge"]
    assert _kinds(app, world.admin.id) == []  # not the one who published
    assert _kinds(app, world.commissioner_a.id) == []
    ticket_page = admin.get(f"/tickets/{number}").get_data(as_text=True)
    assert "发布为揭榜挂帅" in ticket_page
    assert f"/challenges/{cid}" in ticket_page
    listed = login(world.liaison_u1).get("/challenges").get_data(as_text=True)
    assert "数控机床主轴温升过高" in listed and f"/challenges/{cid}" in listed


def test_revising_keeps_one_proposal_per_university(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _number, cid, _admin = _open_challenge(app, make, world, login)
    one = login(world.liaison_u1)
    assert _propose(one, cid, world.expert_u1.id, APPROACH_U1).status_code == 303
    assert _propose(one, cid, world.expert2_u1.id, "改为双专家方案", days="45").status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(Proposal).where(Proposal.challenge_id == cid)).all()
        assert len(rows) == 1
        assert (rows[0].expert_id, rows[0].days, rows[0].approach) == (
            world.expert2_u1.id,
            45,
            "改为双专家方案",
        )


def test_confidential_problem_is_shown_only_as_confidential(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _number, cid, admin = _open_challenge(app, make, world, login, confidential=True)
    liaison = login(world.liaison_u1)
    for url in ("/challenges", f"/challenges/{cid}", "/notifications"):
        page = liaison.get(url).get_data(as_text=True)
        assert "数控机床主轴温升过高" not in page, url
        assert "连续加工两小时" not in page, url
        assert world.enterprise_a.name not in page, url
    page = liaison.get(f"/challenges/{cid}").get_data(as_text=True)
    assert "保密问题" in page and "技术改造" in page
    assert "数控机床主轴温升过高" in admin.get(f"/challenges/{cid}").get_data(as_text=True)


def test_marking_confidential_after_publishing_hides_it(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number, cid, _admin = _open_challenge(app, make, world, login)
    with app.app_context():
        db.session.execute(update(Ticket).where(Ticket.number == number).values(confidential=True))
        db.session.commit()
    page = login(world.liaison_u2).get(f"/challenges/{cid}").get_data(as_text=True)
    assert "数控机床主轴温升过高" not in page and "保密问题" in page


def test_deadline_must_be_in_the_future(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    admin = login(world.admin)
    for days in (0, -3, 400):
        response = _publish(admin, number, days=days)
        assert response.status_code == 422
        assert "截止日期" in response.get_data(as_text=True)
    assert _challenge_id(app, number) is None


def test_no_proposal_after_the_deadline(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _number, cid, _admin = _open_challenge(app, make, world, login)
    liaison = login(world.liaison_u1)
    page_url = f"/challenges/{cid}"
    token = hidden_value(liaison.get(page_url).get_data(as_text=True), "csrf_token")
    with app.app_context():
        db.session.execute(
            update(Challenge)
            .where(Challenge.id == cid)
            .values(deadline=local_today() - timedelta(days=1))
        )
        db.session.commit()
    response = liaison.client.post(
        f"{page_url}/propose",
        data={
            "csrf_token": token,
            "expert_id": str(world.expert_u1.id),
            "approach": APPROACH_U1,
            "days": "10",
            "cost": "3",
        },
    )
    assert response.status_code == 409
    assert "征集已于" in response.get_data(as_text=True)
    assert _proposal(app, cid, world.u1.id) is None
    assert 'name="approach"' not in liaison.get(page_url).get_data(as_text=True)


def test_bad_proposals_are_refused_and_nothing_is_saved(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _number, cid, _admin = _open_challenge(app, make, world, login)
    liaison = login(world.liaison_u1)
    cases = [
        ({"expert_id": str(world.expert_u2.id)}, "请选择本校的专家"),  # another university's
        ({"cost": "-1"}, None),
        ({"days": "0"}, "天数"),
        ({"days": "三十"}, "天数"),
    ]
    for fields, message in cases:
        data = {"expert_id": str(world.expert_u1.id), **fields}
        expert = data.pop("expert_id")
        response = _propose(liaison, cid, int(expert), APPROACH_U1, **data)
        assert response.status_code == 422, fields
        if message:
            assert message in response.get_data(as_text=True), fields
    assert _proposal(app, cid, world.u1.id) is None


def test_who_may_do_what(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number, cid, admin = _open_challenge(app, make, world, login)
    for person in (world.commissioner_a, world.expert_u1, world.expert_u2):
        client = login(person)
        assert client.get("/challenges").status_code == 404
        assert client.get(f"/challenges/{cid}").status_code == 404
        token = hidden_value(client.get("/account").get_data(as_text=True), "csrf_token")
        propose = {"csrf_token": token, "expert_id": str(world.expert_u1.id), "approach": "x"}
        assert client.client.post(f"/challenges/{cid}/propose", data=propose).status_code == 404
    liaison = login(world.liaison_u1)
    token = hidden_value(liaison.get(f"/challenges/{cid}").get_data(as_text=True), "csrf_token")
    assert liaison.get(f"/challenges/publish/{number}").status_code == 404
    assert (
        liaison.client.post(f"/challenges/{cid}/withdraw", data={"csrf_token": token}).status_code
        == 404
    )
    assert _propose(liaison, cid, world.expert_u1.id, APPROACH_U1).status_code == 303
    mine = _proposal(app, cid, world.u1.id)
    pick = {"csrf_token": token, "proposal_id": str(mine.id)}
    assert liaison.client.post(f"/challenges/{cid}/pick", data=pick).status_code == 404
    assert state_of(app, number) == "submitted"
    # the pick is not among the ticket page's actions, nor reachable by its act URL
    ticket_page = admin.get(f"/tickets/{number}").get_data(as_text=True)
    assert "/act/award" not in ticket_page
    token = hidden_value(ticket_page, "route-csrf_token")
    response = admin.client.post(
        f"/tickets/{number}/act/award",
        data={"award-csrf_token": token, "award-proposal_id": str(mine.id)},
    )
    assert response.status_code == 404
    assert state_of(app, number) == "submitted"


def test_only_a_submitted_ticket_once(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    routed = make.ticket(world, "university_assigned").number
    admin = login(world.admin)
    url = f"/challenges/publish/{routed}"
    page = admin.get(url).get_data(as_text=True)
    response = admin.client.post(
        url,
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "deadline": (local_today() + timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 409
    assert _challenge_id(app, routed) is None
    number, _cid, _admin = _open_challenge(app, make, world, login)
    assert _publish(admin, number).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count(Challenge.id))) == 1


def test_withdraw_and_route_normally(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number, cid, admin = _open_challenge(app, make, world, login)
    liaison = login(world.liaison_u1)
    page = admin.get(f"/challenges/{cid}").get_data(as_text=True)
    response = admin.client.post(
        f"/challenges/{cid}/withdraw",
        data={"csrf_token": hidden_value(page, "csrf_token")},
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Challenge, cid).status == "withdrawn"
        actions = db.session.scalars(
            select(TicketEvent.action)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.number == number)
            .order_by(TicketEvent.id)
        ).all()
    assert actions[-2:] == ["challenge_published", "challenge_withdrawn"]
    assert state_of(app, number) == "submitted"
    assert _propose(liaison, cid, world.expert_u1.id, APPROACH_U1).status_code == 409
    assert "/challenges/" not in liaison.get("/challenges").get_data(as_text=True).split("<main")[
        -1
    ].split("</main>")[0].replace("/challenges/publish", "")
    # published again, then routed directly: the open challenge ends with it
    assert _publish(admin, number).status_code == 303
    second = max(cid2 for cid2 in [_challenge_id_all(app, number)] for cid2 in cid2)
    page = admin.get(f"/tickets/{number}").get_data(as_text=True)
    response = admin.client.post(
        f"/tickets/{number}/act/route",
        data={
            "route-csrf_token": hidden_value(page, "route-csrf_token"),
            "route-version": hidden_value(page, "route-version"),
            "route-university_id": str(world.u1.id),
        },
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Challenge, second).status == "withdrawn"


def _challenge_id_all(app, number: str) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db.session.scalars(
                select(Challenge.id)
                .join(Ticket, Ticket.id == Challenge.ticket_id)
                .where(Ticket.number == number)
            )
        )


def test_a_stale_pick_changes_nothing(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number, cid, admin = _open_challenge(app, make, world, login)
    liaison = login(world.liaison_u1)
    assert _propose(liaison, cid, world.expert_u1.id, APPROACH_U1).status_code == 303
    mine = _proposal(app, cid, world.u1.id)
    page = admin.get(f"/challenges/{cid}").get_data(as_text=True)
    old_version = hidden_value(page, "version")
    with app.app_context():  # someone edits the ticket meanwhile
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        ticket.priority = "high"
        db.session.commit()
    response = _pick(admin, cid, mine.id, version=old_version)
    assert response.status_code == 409
    assert state_of(app, number) == "submitted"
    with app.app_context():
        assert db.session.get(Proposal, mine.id).status == "pending"
        assert db.session.get(Challenge, cid).status == "open"


def test_a_pick_counts_as_routed_and_assigned_on_the_dashboard(make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "submitted").id)
    admin = db.session.get(User, world.admin.id)
    challenge = services.publish(ticket, admin, deadline=local_today() + timedelta(days=3))
    proposal = services.propose(
        challenge,
        db.session.get(User, world.liaison_u1.id),
        expert_id=world.expert_u1.id,
        approach=APPROACH_U1,
        days=14,
        cost="0",
    )
    writes.run(lambda: services.pick(challenge, admin, proposal_id=proposal.id))
    kept, facts = _tallies(), _facts()
    assert kept[0][("expert_assigned", ticket.category, world.u1.id)] == 1
    assert {key[:2] for key in facts[2]} >= {
        ("duration_tally", "route"),
        ("duration_tally", "assign"),
    }
    tallies.rebuild()
    assert (_tallies(), _facts()) == (kept, facts)


def test_a_pick_the_expert_has_no_room_for_is_refused_whole(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number, cid, admin = _open_challenge(app, make, world, login)
    assert (
        _propose(login(world.liaison_u1), cid, world.expert_u1.id, APPROACH_U1).status_code == 303
    )
    with app.app_context():
        expert = db.session.get(User, world.expert_u1.id)
        expert.expert_profile.capacity = 0
        db.session.commit()
    mine = _proposal(app, cid, world.u1.id)
    response = _pick(admin, cid, mine.id)
    assert response.status_code == 422
    assert world.expert_u1.name in response.get_data(as_text=True)
    assert state_of(app, number) == "submitted"
    with app.app_context():
        assert db.session.get(Proposal, mine.id).status == "pending"
        assert db.session.get(Challenge, cid).status == "open"
        assert (
            db.session.scalar(
                select(func.count(Notification.id)).where(Notification.kind == "not_picked")
            )
            == 0
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cost": "NaN"}, "cost"),
        ({"cost": "-0.01"}, "cost"),
        ({"cost": None}, "cost"),
        ({"days": True}, "days"),
        ({"days": "4000"}, "days"),
        ({"expert_id": "abc"}, "expert_id"),
        ({"approach": "  "}, "approach"),
    ],
)
def test_the_service_refuses_odd_values_from_any_caller(fields, field, make, world, ctx) -> None:  # type: ignore[no-untyped-def]
    ticket = db.session.get(Ticket, make.ticket(world, "submitted").id)
    admin = db.session.get(User, world.admin.id)
    challenge = services.publish(ticket, admin, deadline=local_today() + timedelta(days=3))
    data = {
        "expert_id": world.expert_u1.id,
        "approach": APPROACH_U1,
        "days": 10,
        "cost": "1.5",
        **fields,
    }
    with pytest.raises(RuleViolation) as refused:
        services.propose(challenge, db.session.get(User, world.liaison_u1.id), **data)
    assert refused.value.field == field
    with pytest.raises(NotAllowed):
        services.propose(challenge, db.session.get(User, world.expert_u1.id), **data)
    with pytest.raises(NotAllowed):
        services.publish(ticket, db.session.get(User, world.liaison_u1.id), deadline=local_today())
