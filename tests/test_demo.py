"""The demo world: data in a TOML file, loaded through the real services, every state covered;
other zones' worlds load with `flask demo --world`, and a malformed file is refused whole."""

from __future__ import annotations

import ast
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
from ticketing.outcomes.models import Outcome
from ticketing.tickets.models import Ticket
from ticketing.workflow import State

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
    assert count(Outcome) >= 40
    assert count(Outcome, Outcome.agreement_date.is_not(None)) >= 30
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
