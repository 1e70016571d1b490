"""The workflow through real HTTP with CSRF on: the whole happy path and every unhappy one."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import act, hidden_value, send_form, state_of, ticket_fields
from ticketing.db import local_today


def test_full_journey_through_the_pages(app, world, login) -> None:  # type: ignore[no-untyped-def]
    commissioner = login(world.commissioner_a)
    response = send_form(
        commissioner,
        "/tickets/new",
        ticket_fields(
            world.enterprise_a.id,
            title="高压开关柜局部放电检测",
            category="breakthrough",
            priority="high",
            description="现有检测手段误报率高，需要在线监测方案。",
            submit_now="1",
        ),
    )
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[-1]
    assert number.startswith("CZ-") and state_of(app, number) == "submitted"
    page = commissioner.get(f"/tickets/{number}").get_data(as_text=True)
    assert "高压开关柜局部放电检测" in page

    admin = login(world.admin)
    assert number in admin.get("/queue/to_route").get_data(as_text=True)
    assert act(admin, number, "route", university_id=str(world.u1.id)).status_code == 303
    assert state_of(app, number) == "university_assigned"

    liaison = login(world.liaison_u1)
    assert number in liaison.get("/queue/university").get_data(as_text=True)
    assert (
        act(liaison, number, "assign_expert", expert_id=str(world.expert_u1.id)).status_code == 303
    )

    expert = login(world.expert_u1)
    assert number in expert.get("/queue/assigned").get_data(as_text=True)
    assert act(expert, number, "start").status_code == 303
    page = expert.get(f"/tickets/{number}").get_data(as_text=True)
    comment = expert.client.post(
        f"/tickets/{number}/comments",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "body": "周三上午到企业现场测试。",
        },
    )
    assert comment.status_code == 303
    assert act(expert, number, "resolve", resolution="部署超声+特高频联合监测。").status_code == 303
    assert state_of(app, number) == "resolved"

    today = local_today().isoformat()
    assert (
        act(
            commissioner,
            number,
            "record_intention",
            title="局放在线监测技术服务",
            cooperation_form="joint_rd",
            intention_date=today,
        ).status_code
        == 303
    )
    assert (
        act(
            commissioner,
            number,
            "sign_agreement",
            agreement_number="CZ-XY-2026-01",
            agreement_date=today,
            amount="48.00",
        ).status_code
        == 303
    )
    assert (
        act(
            admin,
            number,
            "land",
            landed_date=today,
            landing_description="监测系统上线",
            economic_benefit="150",
        ).status_code
        == 303
    )
    assert state_of(app, number) == "outcome_landed"
    page = commissioner.get(f"/tickets/{number}").get_data(as_text=True)
    for text in (
        "周三上午到企业现场测试。",
        "部署超声+特高频联合监测。",
        "CZ-XY-2026-01",
        "150.00",
    ):
        assert text in page


UNHAPPY = [
    # (start state, actor, action, form fields, resulting state)
    ("university_assigned", "liaison_u1", "return", {"reason": "无对口专家"}, "submitted"),
    (
        "in_progress",
        "admin",
        "transfer",
        {"university_id": "u2", "reason": "换校"},
        "university_assigned",
    ),
    ("expert_assigned", "expert_u1", "decline", {"reason": "出差一个月"}, "university_assigned"),
    (
        "expert_assigned",
        "liaison_u1",
        "reassign_expert",
        {"expert_id": "expert2_u1", "reason": "原专家出差"},
        "expert_assigned",
    ),
    ("resolved", "commissioner_a", "reopen", {"reason": "问题复现"}, "in_progress"),
    ("resolved", "commissioner_a", "close", {"satisfaction": "4"}, "closed"),
    ("resolved", "admin", "close", {"satisfaction": ""}, "closed"),
    ("outcome_intention", "commissioner_a", "abandon", {"reason": "预算取消"}, "closed"),
    ("outcome_agreement", "admin", "abandon", {"reason": "企业搬迁"}, "closed"),
    ("in_progress", "commissioner_a", "withdraw", {"reason": "企业自行解决"}, "withdrawn"),
]


@pytest.mark.parametrize(("state", "actor", "action", "fields", "result"), UNHAPPY)
def test_unhappy_paths_through_the_pages(
    state, actor, action, fields, result, app, make, world, login
) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, state).number
    resolved = {
        name: str(getattr(world, value).id) if hasattr(world, value) else value
        for name, value in fields.items()
    }
    response = act(login(getattr(world, actor)), number, action, **resolved)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    assert state_of(app, number) == result


def test_form_errors_are_shown_on_the_field(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "outcome_intention").number
    response = act(
        login(world.commissioner_a),
        number,
        "sign_agreement",
        agreement_number="",
        agreement_date="not-a-date",
        amount="-3",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'id="action-sign_agreement" open' in page
    assert state_of(app, number) == "outcome_intention"


def test_service_rule_errors_land_on_the_field(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "resolved").number
    future = date(local_today().year + 2, 1, 1).isoformat()
    response = act(
        login(world.commissioner_a),
        number,
        "record_intention",
        title="联合研发项目",
        cooperation_form="joint_rd",
        intention_date=future,
    )
    assert response.status_code == 422
    assert 'id="record_intention-intention_date-error"' in response.get_data(as_text=True)
    assert state_of(app, number) == "resolved"


def test_refused_action_is_explained(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    commissioner = login(world.commissioner_a)
    page = commissioner.get(f"/tickets/{number}").get_data(as_text=True)
    assert "/act/route" not in page  # no button for what one may not do
    response = commissioner.client.post(
        f"/tickets/{number}/act/route",
        data={
            "route-csrf_token": hidden_value(page, "csrf_token"),
            "route-university_id": str(world.u1.id),
        },
    )
    assert response.status_code == 403
    assert 'role="alert"' in response.get_data(as_text=True)
    assert state_of(app, number) == "submitted"
    outsider = login(world.commissioner_b)
    assert outsider.get(f"/tickets/{number}").status_code == 404  # posts: see test_rules


def test_a_stale_form_is_refused(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "university_assigned").number
    liaison, admin = login(world.liaison_u1), login(world.admin)
    page = liaison.get(f"/tickets/{number}").get_data(as_text=True)
    assert (
        act(admin, number, "transfer", university_id=str(world.u2.id), reason="换校").status_code
        == 303
    )
    assert (
        act(admin, number, "transfer", university_id=str(world.u1.id), reason="换回").status_code
        == 303
    )
    response = liaison.client.post(
        f"/tickets/{number}/act/assign_expert",
        data={
            "assign_expert-csrf_token": hidden_value(page, "assign_expert-csrf_token"),
            "assign_expert-version": hidden_value(page, "assign_expert-version"),
            "assign_expert-expert_id": str(world.expert_u1.id),
        },
    )
    assert response.status_code == 409
    assert state_of(app, number) == "university_assigned"


def test_csrf_is_required(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted").number
    admin = login(world.admin)
    response = admin.client.post(
        f"/tickets/{number}/act/route", data={"route-university_id": str(world.u1.id)}
    )
    assert response.status_code == 303  # sent back with “the form expired, send it again”
    page = admin.client.get(response.headers["Location"], follow_redirects=True)
    assert "表单已过期" in page.get_data(as_text=True)
    assert state_of(app, number) == "submitted"


def test_the_expired_form_redirect_never_leaves_the_site(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    """A forged Host header with a Referer to match must not turn “sent back” into an
    off-site redirect: the answer names a path on this site only."""
    number = make.ticket(world, "submitted").number
    admin = login(world.admin)
    for host, referrer, back in (
        (
            "evil.example",
            "http://evil.example/queue/all?state=submitted",
            "/queue/all?state=submitted",
        ),
        ("localhost", "http://localhost//evil.example/x", "/"),
        ("localhost", "http://elsewhere.example/queue/all", "/"),
    ):
        response = admin.client.post(
            f"/tickets/{number}/act/route",
            data={"route-university_id": str(world.u1.id)},
            headers={"Host": host, "Referer": referrer},
        )
        assert response.status_code == 303
        assert response.headers["Location"] == back, referrer
    assert state_of(app, number) == "submitted"


def test_edit_and_draft(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    commissioner = login(world.commissioner_a)
    response = send_form(
        commissioner,
        "/tickets/new",
        ticket_fields(
            world.enterprise_a.id,
            title="草稿标题",
            category="talent",
            priority="low",
            description="需要引进两名工艺工程师。",
            draft="1",
        ),
    )
    number = response.headers["Location"].rsplit("/", 1)[-1]
    assert state_of(app, number) == "draft"
    assert login(world.admin).get(f"/tickets/{number}").status_code == 404
    response = send_form(
        commissioner,
        f"/tickets/{number}/edit",
        ticket_fields(
            world.enterprise_a.id,
            title="引进工艺工程师",
            category="talent",
            description="需要引进两名工艺工程师。",
        ),
    )
    assert response.status_code == 302
    page = commissioner.get(f"/tickets/{number}").get_data(as_text=True)
    assert "引进工艺工程师" in page and "草稿标题" in page  # history keeps the old title
    assert act(commissioner, number, "submit").status_code == 303
    assert state_of(app, number) == "submitted"


def test_new_ticket_refuses_another_enterprise(app, world, login) -> None:  # type: ignore[no-untyped-def]
    commissioner = login(world.commissioner_a)
    response = send_form(
        commissioner,
        "/tickets/new",
        ticket_fields(
            world.enterprise_b.id,
            title="越权",
            submit_now="1",
        ),
    )
    assert response.status_code == 422


def test_every_form_has_a_cap_on_its_fields_and_size(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.commissioner_a)
    token = client.token("/account")
    many = "&".join([f"csrf_token={token}"] + [f"f{i}=x" for i in range(1000)])
    urlencoded = "application/x-www-form-urlencoded"
    assert client.client.post("/account", data=many, content_type=urlencoded).status_code == 413
    multipart = {f"f{i}": "x" for i in range(1000)} | {"csrf_token": token}
    assert (
        client.client.post(
            "/account", data=multipart, content_type="multipart/form-data"
        ).status_code
        == 413
    )
    big = {"csrf_token": token, "current": "x" * 600_000, "new": "y"}
    assert client.client.post("/account", data=big).status_code == 413
    # an ordinary form goes through
    ordinary = {"csrf_token": token, "current": "wrong-one-1", "new": "another-pass-2026"}
    assert client.client.post("/account", data=ordinary).status_code == 422
