"""The demo world: data in a TOML file, loaded through the real services, every state covered;
other zones' worlds load with `flask demo --world`, and a malformed file is refused whole."""

from __future__ import annotations

import ast
import copy
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.test_campaigns import independent_figures, sentence_numbers
from ticketing import db, demo
from ticketing.accounts.models import Role, User
from ticketing.accounts.services import authenticate
from ticketing.campaigns.models import Campaign
from ticketing.demo.world import check, read_world
from ticketing.orgs import credit_code
from ticketing.orgs.models import Enterprise, RegionAgreement
from ticketing.outcomes.models import Outcome, Reward
from ticketing.tickets.models import Ticket
from ticketing.workflow import Stage, State

DEMO_PACKAGE = Path(demo.__file__).parent
SMALL_WORLD = Path(__file__).parent / "demo_worlds" / "linfen_small.toml"


def count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count(model.id)).where(*where)) or 0


def tickets_by_state() -> dict[str, int]:
    rows = db.session.execute(select(Ticket.state, func.count()).group_by(Ticket.state))
    return dict(rows.all())


def test_demo_world(ctx) -> None:  # type: ignore[no-untyped-def]
    summary = demo.load()
    states = tickets_by_state()
    assert set(states) == {str(s) for s in State}
    assert sum(states.values()) == 181  # 175 filed and 6 drafts
    assert states[State.DRAFT] == 6
    assert count(Enterprise) == 67  # two key enterprises have only a draft
    experts = db.session.scalars(select(User).where(User.university_id.is_not(None))).all()
    assert sum(Role.EXPERT in user.roles for user in experts) == 24
    codes = db.session.scalars(select(Enterprise.credit_code)).all()
    assert all(credit_code.is_valid(code) for code in codes)
    assert count(Outcome) == 53  # 50 tickets' cooperations and three second ones
    assert count(Outcome, Outcome.agreement_date.is_not(None)) == 36
    titles = Counter(db.session.scalars(select(Ticket.title)))
    assert max(titles.values()) <= 3
    for login, _role in demo.DEMO_LOGINS:
        assert authenticate(login, demo.DEMO_PASSWORD) is not None, login
    assert count(User, User.is_demo.is_(False)) == 0
    assert "181 tickets" in summary and "intentions" in summary
    assert "demo-pass-2026" in demo.logins_text()


def test_the_demo_campaign_states_the_source_reports_figures(app, ctx) -> None:  # type: ignore[no-untyped-def]
    """博士专家企业行: its sentence states exactly what independent SQL counts, and those sit in
    the source report's ranges; its coverage lists the two key enterprises not reached."""
    demo.load()
    db.session.commit()
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == "博士专家企业行"))
    figures = independent_figures(campaign.id)
    experts, enterprises, problems, intentions, agreements = figures
    assert (experts, enterprises, problems) == (24, 65, 175)
    assert 45 <= intentions <= 55 and agreements >= 30
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
    sent = {"login": "admin", "password": demo.DEMO_PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=sent).status_code == 302
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert sentence_numbers(page) == figures
    gaps = re.search(r'id="enterprise-gaps">(.*?)</p>', page, re.S).group(1)
    assert "长治市潞宝重型机械有限公司" in gaps and "长治市太行新材料股份有限公司" in gaps
    assert db.session.scalar(select(func.count(RegionAgreement.id))) == 3


def test_the_demo_logins_have_work(ctx) -> None:  # type: ignore[no-untyped-def]
    demo.load()
    users = {u.login: u for u in db.session.scalars(select(User))}
    mine = {e.id for e in users["commissioner"].enterprises}
    theirs = db.session.scalars(select(Ticket.state).where(Ticket.enterprise_id.in_(mine)))
    assert set(theirs) == {str(s) for s in State}
    worked = set(db.session.scalars(select(Ticket.state).where(Ticket.expert == users["expert"])))
    assert {State.EXPERT_ASSIGNED, State.IN_PROGRESS, State.OUTCOME_LANDED} <= worked
    waiting = select(Ticket.id).where(
        Ticket.university_id == users["liaison"].university_id,
        Ticket.state == State.UNIVERSITY_ASSIGNED,
    )
    assert len(db.session.scalars(waiting).all()) >= 3


def test_some_demo_problems_have_a_second_cooperation_shown_on_their_page(app, ctx, login) -> None:  # type: ignore[no-untyped-def]
    """A second cooperation goes no further than the ticket's final state, so the ticket stays
    in it; the ticket page lists both cooperations."""
    demo.load()
    db.session.commit()
    several = (
        select(Outcome.ticket_id).group_by(Outcome.ticket_id).having(func.count(Outcome.id) > 1)
    )
    tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(several))).all()
    held = {}
    for ticket in tickets:
        outcomes = db.session.scalars(
            select(Outcome).where(Outcome.ticket_id == ticket.id).order_by(Outcome.id)
        ).all()
        held[ticket.title] = (ticket.state, [o.stage for o in outcomes], outcomes)
    assert {title: (state, stages) for title, (state, stages, _) in held.items()} == {
        "研制车铣复合机床用高刚性电主轴": (State.OUTCOME_LANDED, [Stage.LANDED, Stage.AGREEMENT]),
        "5G小基站功放效率低、整机功耗偏高": (
            State.OUTCOME_AGREEMENT,
            [Stage.AGREEMENT, Stage.INTENTION],
        ),
        "高强钢冲压件回弹补偿": (State.OUTCOME_AGREEMENT, [Stage.AGREEMENT, Stage.AGREEMENT]),
    }
    _, _, (first, second) = held["研制车铣复合机床用高刚性电主轴"]
    assert first.title != second.title and second.cooperation_form == "tech_service"
    assert first.agreement_number != second.agreement_number
    assert second.intention_date >= first.landed_date
    number = db.session.get(Ticket, first.ticket_id).number
    page = login_as(app, "admin").get(f"/tickets/{number}").get_data(as_text=True)
    assert first.title in page and second.title in page


def test_the_demo_rewards_show_on_the_rewards_pages(app, ctx) -> None:  # type: ignore[no-untyped-def]
    demo.load()
    db.session.commit()
    rewards = db.session.scalars(select(Reward).order_by(Reward.id)).all()
    assert [(r.subject, r.name, r.decision) for r in rewards] == [
        ("outcome", "科技成果转化奖", "awarded"),
        ("outcome", "校企合作优秀项目", "awarded"),
        ("commissioner", "优秀科技特派员", "nominated"),
    ]
    year = rewards[0].year
    client = login_as(app, "admin")
    pending = client.get("/records/rewards").get_data(as_text=True)  # to decide
    assert "优秀科技特派员" in pending and "科技成果转化奖" not in pending
    awarded = client.get(f"/records/rewards/awarded?year={year}").get_data(as_text=True)
    assert "科技成果转化奖" in awarded and "校企合作优秀项目" in awarded
    assert "优秀科技特派员" not in awarded


def login_as(app, login: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
    sent = {"login": login, "password": demo.DEMO_PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=sent).status_code == 302
    return client


def _problem(world, title: str) -> dict:  # type: ignore[no-untyped-def]
    return next(p for e in world["enterprises"] for p in e["problems"] if p["title"] == title)


SPINDLE, STAMPING = "研制车铣复合机床用高刚性电主轴", "高强钢冲压件回弹补偿"


def _too_far(w) -> None:  # type: ignore[no-untyped-def]
    _problem(w, STAMPING)["second_cooperation"]["stage"] = "landed"


def _unpinned(w) -> None:  # type: ignore[no-untyped-def]
    p = next(p for e in w["enterprises"] for p in e["problems"] if "state" not in p)
    p["second_cooperation"] = {"stage": "intention"}


def _unknown_form(w) -> None:  # type: ignore[no-untyped-def]
    _problem(w, SPINDLE)["second_cooperation"]["form"] = "gift"


def _no_such_problem(w) -> None:  # type: ignore[no-untyped-def]
    w["rewards"][0]["problem"] = "不存在的问题"


def _no_second(w) -> None:  # type: ignore[no-untyped-def]
    del _problem(w, STAMPING)["second_cooperation"]
    w["rewards"][1]["cooperation"] = 2


def _amount_nominated(w) -> None:  # type: ignore[no-untyped-def]
    w["rewards"][2]["amount"] = 3


def _fair_park(w) -> None:  # type: ignore[no-untyped-def]
    w["fairs"][0]["park"] = "月球园区"


def _fair_links(w) -> None:  # type: ignore[no-untyped-def]
    w["fairs"][1]["links"] = -1


WORLD_MISTAKES = [
    (_too_far, "has no cooperation further than 'agreement'"),
    (_unpinned, "pin the problem's state to one with a cooperation"),
    (_unknown_form, "unknown form of cooperation 'gift'"),
    (_no_such_problem, "has no problem '不存在的问题'"),
    (_no_second, "cooperation: expected 1, or 2 for a problem's second_cooperation"),
    (_amount_nominated, "rewards[2].amount: an amount"),
    (_fair_park, "fairs[0].park: unknown park '月球园区'"),
    (_fair_links, "fairs[1].links: expected a whole number of at least 0"),
]


@pytest.mark.parametrize(("change", "message"), WORLD_MISTAKES)
def test_a_wrong_second_cooperation_reward_or_fair_is_refused(change, message) -> None:  # type: ignore[no-untyped-def]
    world = copy.deepcopy(read_world())
    change(world)
    problems = check(world)
    assert any(message in problem for problem in problems), problems


def test_the_builder_is_small() -> None:
    lines = (DEMO_PACKAGE / "builder.py").read_text(encoding="utf-8").count("\n")
    assert lines < 500, f"builder.py has {lines} lines; the world belongs in the data file"


def test_no_import_inside_a_function_in_the_demo_package() -> None:
    for path in DEMO_PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{path.name}: import inside {node.name}()"


def test_the_built_in_world_file_validates() -> None:
    world = read_world()
    assert check(world) == []
    problems = [p for e in world["enterprises"] for p in e["problems"]]
    assert (len(world["enterprises"]), len(world["experts"]), len(problems)) == (67, 24, 181)
    assert max(Counter(p["title"] for p in problems).values()) <= 3
    assert all(p["description"].count("。") >= 2 for p in problems)  # a few sentences each
    assert demo.logins(world) == demo.DEMO_LOGINS


def test_a_small_world_validates_and_borrows_the_shared_tables() -> None:
    world = read_world(SMALL_WORLD)
    assert world["zone"]["code"] == "LF"
    assert world["texts"] == read_world()["texts"]


WANG = 'university = "sxnu"\nlogin = "lf.li"'
SCHEDULING = 'category = "management"\nstate = "expert_assigned"'
DRAFTED = 'draft"\nexpert = "lf.wang'  # a draft pinned to an expert
MALFORMED = [
    ('name = "温媛"\n', "", "commissioners[0]: missing key 'name'"),
    (WANG, WANG.replace("sxnu", "nope"), "experts[3] (李晓宁).university: unknown university key"),
    ('"尧都区" = "141002"', '"尧都区" = "14100X"', "zone.counties.尧都区: expected the 6-digit"),
    ("91141002MA0K3B7X54", "91140403MA0K3B7X5T", "are not the division code '141002'"),
    ("91141002MA0K3B7X54", "91141002MA0K3B7X55", "is not a valid unified social credit code"),
    ('partner = "sxnu"', 'partner = "sxnu"\ncolour = "blue"', "unknown key 'colour'"),
    ("closed = 2", "closed = 3", "tickets.states: adds up to 13, but the enterprises have 12"),
    (SCHEDULING, SCHEDULING.replace("expert_assigned", DRAFTED), "has no university or expert"),
    ("[showcase]", "[showcase\n", "not valid TOML"),
]


@pytest.mark.parametrize(("old", "new", "message"), MALFORMED)
def test_a_malformed_world_is_refused_with_what_is_wrong(tmp_path, old, new, message) -> None:  # type: ignore[no-untyped-def]
    text = SMALL_WORLD.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "world.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(demo.WorldError) as refused:
        read_world(path)
    assert str(path) in str(refused.value)
    assert message in str(refused.value)


def test_a_title_used_four_times_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = SMALL_WORLD.read_text(encoding="utf-8")
    for title in ("耐磨衬板材料开发", "水泥磨电耗高、产量低", "钢厂安全生产标准化建设"):
        text = text.replace(f'title = "{title}"', 'title = "铸造车间除尘系统改造"')
    (tmp_path / "world.toml").write_text(text, encoding="utf-8")
    with pytest.raises(demo.WorldError, match="'铸造车间除尘系统改造' is used 4 times"):
        read_world(tmp_path / "world.toml")


def test_a_detour_must_come_back_to_its_state(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = SMALL_WORLD.read_text(encoding="utf-8")
    detour = '[[detours]]\nstate = "resolved"\nsteps = ["reopen", "comment"]\nchance = 0.5\n'
    (tmp_path / "world.toml").write_text(detour + text, encoding="utf-8")
    with pytest.raises(demo.WorldError) as refused:
        read_world(tmp_path / "world.toml")
    assert "unknown step 'comment'" in str(refused.value)
    detour = detour.replace('"comment"', '"start"')
    (tmp_path / "world.toml").write_text(detour + text, encoding="utf-8")
    with pytest.raises(demo.WorldError, match="'start' is not possible in state 'in_progress'"):
        read_world(tmp_path / "world.toml")


def test_flask_demo_refuses_a_malformed_world_and_writes_nothing(app, ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = SMALL_WORLD.read_text(encoding="utf-8").replace(
        'university = "sxnu"', 'university = "x"'
    )
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["demo", "--world", str(tmp_path / "bad.toml")])
    assert result.exit_code == 1
    assert "is not a valid demo world" in result.output
    assert "experts[2] (王志坚).university: unknown university key 'x'" in result.output
    assert (count(User), count(Enterprise), count(Ticket)) == (0, 0, 0)


def test_flask_demo_loads_another_world(app, ctx) -> None:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["demo", "--world", str(SMALL_WORLD)])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded: 1 zone (临汾经济开发区)" in result.output
    assert tickets_by_state() == {str(s): 2 if s == State.CLOSED else 1 for s in State}
    assert count(Enterprise) == 4
    numbers = db.session.scalars(select(Ticket.number)).all()
    assert all(number.startswith("LF-") for number in numbers)
    code = db.session.scalar(select(Enterprise.credit_code).where(Enterprise.name.like("%尧都%")))
    assert code == "91141002MA0K3B7X54"
    world = read_world(SMALL_WORLD)
    for login, _role in demo.logins(world):
        assert login in result.output
        assert authenticate(login, demo.DEMO_PASSWORD) is not None, login
    again = app.test_cli_runner().invoke(args=["demo", "--world", str(SMALL_WORLD), "--force"])
    assert again.exit_code == 1
    assert "there already: LF, lf.admin" in again.output


def test_flask_demo_leaves_a_database_with_data_alone(app, ctx, make) -> None:  # type: ignore[no-untyped-def]
    make.world()
    before = count(User)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0
    assert "demo data not loaded" in result.output
    assert "demo-pass-2026" in result.output
    assert count(User) == before
