"""Routing suggestions: the right university and expert come first, with their reasons in
words; the experts' profiles follow resolves and reopens; a liaison sees only their own
university's experts; the pages speak both languages and one click routes or assigns."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.helpers import hidden_value, state_of
from ticketing import db
from ticketing.accounts.models import ExpertProfile, User
from ticketing.orgs.models import Enterprise
from ticketing.routing import profiles, suggest, terms
from ticketing.routing.models import ExpertCategory, ExpertTerm
from ticketing.tickets import transitions
from ticketing.tickets.models import Ticket

CNC = {"title": "数控机床精密加工精度下降", "description": "加工零件尺寸超差，需要提高精度。"}


def _profile(app, user, expertise: str = "", capacity: int | None = None, name: str = "") -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        profile = db.session.get(ExpertProfile, user.id)
        profile.expertise = expertise
        if capacity is not None:
            profile.capacity = capacity
        if name:
            db.session.get(User, user.id).name = name
        db.session.commit()


def _partner(app, enterprise, university) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.get(Enterprise, enterprise.id).partner_university_id = university.id
        db.session.commit()


def _ticket(app, number: str) -> Ticket:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(Ticket).where(Ticket.number == number))


def _experts(app, number: str) -> list[suggest.Suggestion]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return suggest.suggest_experts(_ticket(app, number))


def _universities(app, number: str, world) -> list[suggest.Suggestion]:  # type: ignore[no-untyped-def]
    with app.app_context():
        universities = [(world.u1.id, world.u1.name), (world.u2.id, world.u2.name)]
        return suggest.suggest_universities(_ticket(app, number), universities)


def _text(page) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(page.get_data(as_text=True))


# -- the terms ---------------------------------------------------------------------------


def test_terms_cut_chinese_compounds_and_drop_stop_words() -> None:
    found = terms.terms("数控机床精密加工，希望高校专家帮助分析原因")
    assert {"数控", "机床", "精密", "加工"} <= set(found)
    assert not {"希望", "高校", "专家", "，"} & set(found)
    assert terms.expertise_tags("数控、精密加工；生物医药") == (
        ("数控", frozenset({"数控"})),
        ("精密加工", frozenset(terms.terms("精密加工"))),
        ("生物医药", frozenset(terms.terms("生物医药"))),
    )


# -- experts -----------------------------------------------------------------------------


def test_the_expert_in_the_field_comes_first(app, make, world) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u1, "生物医药、药物制剂", name="安医药")
    _profile(app, world.expert2_u1, "数控、精密加工", name="赵数控")
    number = make.ticket(world, "university_assigned", **CNC).number
    ranked = _experts(app, number)
    assert [s.id for s in ranked] == [world.expert2_u1.id, world.expert_u1.id]
    assert ranked[0].matched == ["数控", "精密加工"]
    assert ranked[1].matched == []
    assert ranked[0].score > ranked[1].score


def test_an_overloaded_expert_falls_behind_an_equally_matched_free_one(app, make, world) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u1, "数控、精密加工", capacity=2, name="安")
    _profile(app, world.expert2_u1, "数控、精密加工", capacity=2, name="赵")
    number = make.ticket(world, "university_assigned", **CNC).number
    assert [s.id for s in _experts(app, number)][0] == world.expert_u1.id  # equal: by name
    make.ticket(world, "expert_assigned")
    make.ticket(world, "in_progress")  # expert_u1 now has two open of two
    ranked = _experts(app, number)
    assert [s.id for s in ranked] == [world.expert2_u1.id, world.expert_u1.id]
    assert ranked[1].reason == "匹配：数控、精密加工；当前负载 2/2；已满"


def test_problems_solved_in_the_category_count(app, make, world) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u1, "", name="赵")  # by name alone the other would come first
    _profile(app, world.expert2_u1, "", name="安")
    for _n in range(2):
        make.ticket(world, "closed", category="management")
    number = make.ticket(
        world,
        "university_assigned",
        title="员工绩效考核体系建设",
        description="绩效考核办法落后。",
        category="management",
    ).number
    ranked = _experts(app, number)
    assert [s.id for s in ranked] == [world.expert_u1.id, world.expert2_u1.id]
    assert "同类已解决 2 项" in ranked[0].reason


def test_the_text_of_solved_problems_counts(app, make, world) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u1, "", name="赵")
    _profile(app, world.expert2_u1, "", name="安")
    make.ticket(world, "closed", title="注塑机模具开裂", category="tech_upgrade")
    number = make.ticket(
        world, "university_assigned", title="模具频繁开裂", category="product_rd"
    ).number
    ranked = _experts(app, number)
    assert ranked[0].id == world.expert_u1.id
    assert ranked[0].reasons[0].startswith("解决过：")
    assert {"模具", "开裂"} <= set(ranked[0].reasons[0].removeprefix("解决过：").split("、"))
    assert ranked[1].reasons == ["当前负载 0/50"]


# -- universities ------------------------------------------------------------------------


def test_the_university_with_the_fitting_expert_comes_first(app, make, world) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u1, "生物医药")
    _profile(app, world.expert2_u1, "生物医药")
    _profile(app, world.expert_u2, "数控、精密加工", name="钱数控")
    number = make.ticket(world, "submitted", **CNC).number
    ranked = _universities(app, number, world)
    assert [s.id for s in ranked] == [world.u2.id, world.u1.id]
    assert not ranked[0].partner
    assert "匹配：数控、精密加工（钱数控）" in ranked[0].reason


def test_the_partner_university_comes_first(app, make, world) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u2, "数控、精密加工")
    _partner(app, world.enterprise_a, world.u1)
    number = make.ticket(world, "submitted", **CNC).number
    ranked = _universities(app, number, world)
    assert [s.id for s in ranked] == [world.u1.id, world.u2.id]
    assert ranked[0].partner
    assert ranked[0].reasons[0] == "结对高校"


# -- the profiles ------------------------------------------------------------------------


def _profile_rows(app, expert_id: int) -> tuple[dict[str, int], dict[str, int]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = db.session.execute(
            select(ExpertTerm.term, ExpertTerm.n).where(ExpertTerm.expert_id == expert_id)
        )
        kinds = db.session.execute(
            select(ExpertCategory.category, ExpertCategory.n).where(
                ExpertCategory.expert_id == expert_id
            )
        )
        return dict(found.all()), dict(kinds.all())


def test_the_profile_follows_resolve_and_reopen(app, make, world) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress").number
    assert _profile_rows(app, world.expert_u1.id) == ({}, {})
    with app.app_context():
        ticket = _ticket(app, number)
        expert = db.session.get(User, world.expert_u1.id)
        transitions.perform(ticket, "resolve", expert, resolution="更换密封圈并调整工艺参数。")
        db.session.commit()
    found, kinds = _profile_rows(app, world.expert_u1.id)
    assert found["主轴"] == 1 and found["密封圈"] == 1  # title and resolution
    assert kinds == {"tech_upgrade": 1}
    make.ticket(world, "closed")
    found, kinds = _profile_rows(app, world.expert_u1.id)
    assert found["主轴"] == 2 and "密封圈" in found
    assert kinds == {"tech_upgrade": 2}
    with app.app_context():
        ticket = _ticket(app, number)
        commissioner = db.session.get(User, world.commissioner_a.id)
        transitions.perform(ticket, "reopen", commissioner, reason="问题再次出现")
        db.session.commit()
    assert _profile_rows(app, world.expert_u1.id)[0]["主轴"] == 1
    assert _profile_rows(app, world.expert_u1.id)[1] == {"tech_upgrade": 1}
    kept = _profile_rows(app, world.expert_u1.id)
    with app.app_context():
        profiles.rebuild()
        db.session.commit()
    assert _profile_rows(app, world.expert_u1.id) == kept


# -- the pages ---------------------------------------------------------------------------


def test_the_admin_routes_with_one_click_on_a_suggestion(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u2, "数控、精密加工", name="钱数控")
    number = make.ticket(world, "submitted", **CNC).number
    client = login(world.admin)
    page = _text(client.get(f"/tickets/{number}"))
    assert "建议" in page
    assert "匹配：数控、精密加工（钱数控）" in page
    assert "当前负载 0/50" in page
    picks = re.findall(r'name="route-university_id" value="(\d+)"', page)
    assert picks[:2] == [str(world.u2.id), str(world.u1.id)]
    # the picker lists the suggestions in their order too
    options = re.findall(r'<option value="(\d+)"', page.split('id="route-university_id"')[1])
    assert options[:2] == [str(world.u2.id), str(world.u1.id)]
    response = client.client.post(
        f"/tickets/{number}/act/route",
        data={
            "route-university_id": picks[0],
            "route-version": hidden_value(page, "route-version"),
            "route-csrf_token": hidden_value(page, "route-csrf_token"),
        },
    )
    assert response.status_code == 303
    assert state_of(app, number) == "university_assigned"
    with app.app_context():
        assert _ticket(app, number).university_id == world.u2.id


def test_the_liaison_sees_only_their_own_experts_ranked(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert_u1, "生物医药", name="安医药")
    _profile(app, world.expert2_u1, "数控、精密加工", name="赵数控")
    _profile(app, world.expert_u2, "数控、精密加工", name="钱外校")
    number = make.ticket(world, "university_assigned", **CNC).number
    client = login(world.liaison_u1)
    page = _text(client.get(f"/tickets/{number}"))
    assert "钱外校" not in page and str(world.expert_u2.id) not in re.findall(
        r'name="assign_expert-expert_id" value="(\d+)"', page
    )
    picks = re.findall(r'name="assign_expert-expert_id" value="(\d+)"', page)
    assert picks == [str(world.expert2_u1.id), str(world.expert_u1.id)]
    assert "匹配：数控、精密加工；当前负载 0/50" in page
    response = client.client.post(
        f"/tickets/{number}/act/assign_expert",
        data={
            "assign_expert-expert_id": picks[0],
            "assign_expert-version": hidden_value(page, "assign_expert-version"),
            "assign_expert-csrf_token": hidden_value(page, "assign_expert-csrf_token"),
        },
    )
    assert response.status_code == 303
    with app.app_context():
        assert _ticket(app, number).expert_id == world.expert2_u1.id


def test_the_suggestions_speak_english_too(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    _profile(app, world.expert2_u1, "数控、精密加工")
    with app.app_context():
        db.session.get(User, world.liaison_u1.id).locale = "en"
        db.session.commit()
    number = make.ticket(world, "university_assigned", **CNC).number
    page = _text(login(world.liaison_u1).get(f"/tickets/{number}"))
    assert "Suggested" in page
    assert "Matches: 数控, 精密加工; Load 0/50" in page
    assert "匹配" not in page and "当前负载" not in page


def test_no_suggestions_for_those_who_cannot_route_or_assign(app, make, world, login) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "university_assigned", **CNC).number
    for who in (world.commissioner_a, world.liaison_u2):
        page = _text(login(who).get(f"/tickets/{number}"))
        assert "assign_expert-expert_id" not in page and "suggestions" not in page
