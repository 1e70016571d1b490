"""Search over every text of a ticket (resolution, public comments, visit records; internal
comments never), best match first with the words marked, saved searches per person."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.helpers import hidden_value
from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.db import local_today
from ticketing.search import highlight
from ticketing.search.models import SavedSearch
from ticketing.tickets import queues, services
from ticketing.tickets.models import Ticket

NUMBER = re.compile(r'class="number">([A-Z]+-\d{4}-\d{5})<')


def _page(client, q: str, key: str = "all", **args) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/queue/{key}", query_string={"q": q, **args}).get_data(as_text=True)


def _numbers(client, q: str, key: str = "all", **args) -> list[str]:  # type: ignore[no-untyped-def]
    return NUMBER.findall(_page(client, q, key, **args))


def _as(app, user, work):  # type: ignore[no-untyped-def]
    """Run a service as `user` through the write boundary."""
    with app.app_context():
        person = db.session.get(User, user.id)
        return writes.run(lambda: work(person))


def _comment(app, user, number: str, body: str, internal: bool = False) -> None:  # type: ignore[no-untyped-def]
    def add(person):  # type: ignore[no-untyped-def]
        ticket = db.session.query(Ticket).filter_by(number=number).one()
        services.add_comment(ticket, person, body=body, internal=internal)

    _as(app, user, add)


def _visit(app, world, number: str, findings: str) -> None:  # type: ignore[no-untyped-def]
    def add(person):  # type: ignore[no-untyped-def]
        ticket = db.session.query(Ticket).filter_by(number=number).one()
        services.record_visit(
            ticket,
            person,
            visited_on=local_today(),
            place="二号车间",
            participants="车间主任",
            findings=findings,
        )

    _as(app, world.expert_u1, add)


def test_resolution_comments_and_visits_are_found(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    resolved = make.ticket(world, "resolved", title="液压站压力波动").number
    working = make.ticket(world, "in_progress", title="注塑机能耗高").number
    _comment(app, world.commissioner_a, working, "建议加装伺服节能改造 servo retrofit")
    _visit(app, world, working, "现场测得螺杆转速偏低")
    admin = login(world.admin)
    assert _numbers(admin, "密封圈") == [resolved]  # the resolution
    assert _numbers(admin, "伺服节能") == [working]  # a public comment
    assert _numbers(admin, "RETROFIT") == [working]  # …in any case
    assert _numbers(admin, "螺杆转速") == [working]  # a visit record
    assert _numbers(admin, "二号车间") == [working]  # its place


def test_an_internal_comment_never_makes_a_ticket_findable(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress", title="包装线卡料").number
    _comment(app, world.expert_u1, number, "报价偏高需压价", internal=True)
    _comment(app, world.expert_u1, number, "已更换导轨")
    for person, key in ((world.commissioner_a, "mine"), (world.expert_u1, "assigned")):
        client = login(person)
        assert _numbers(client, "压价", key) == [], person.login
        assert _numbers(client, "导轨", key) == [number], person.login
    page = _page(login(world.admin), "导轨")
    assert "报价" not in page  # nor does its text show in a snippet


def test_the_better_match_comes_first(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    in_title = make.ticket(world, "submitted", title="冷却塔结垢严重", description="水质差").number
    in_description = make.ticket(
        world, "submitted", title="循环水系统", description="冷却塔填料老化"
    ).number
    in_comment = make.ticket(world, "in_progress", title="车间通风", description="夏季闷热").number
    _comment(app, world.commissioner_a, in_comment, "可参考冷却塔改造方案")
    # the weaker matches are the most recently active: rank, not recency, orders them
    client = login(world.admin)
    assert _numbers(client, "冷却塔") == [in_title, in_description, in_comment]
    assert _numbers(client, "冷却塔", order="recent") == [in_comment, in_description, in_title]


def test_english_ranks_title_over_comment(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    in_title = make.ticket(world, "submitted", title="Gearbox noise at high load").number
    in_comment = make.ticket(world, "in_progress", title="Conveyor stops").number
    _comment(app, world.commissioner_a, in_comment, "maybe the gearbox bearings")
    assert _numbers(login(world.admin), "GEARBOX") == [in_title, in_comment]


def test_the_words_are_marked_and_text_is_escaped(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(
        world, "in_progress", title="<b>数字PCR</b>仪校准", description="<script>x()</script>"
    ).number
    _comment(app, world.commissioner_a, number, "请带上数字PCR标准品 <img src=x onerror=y>")
    page = _page(login(world.admin), "数字pcr")
    assert "&lt;b&gt;<mark>数字PCR</mark>&lt;/b&gt;仪校准" in page  # the title, escaped
    assert "请带上<mark>数字PCR</mark>标准品 &lt;img src=x onerror=y&gt;" in page  # a snippet
    assert "<img src=x" not in page and "<b>数字" not in page


def test_marking() -> None:
    found = highlight.pattern("数字PCR pc")
    assert str(highlight.marked("芯片式数字PCR系统 PCR-9 epc", found)) == (
        "芯片式<mark>数字PCR</mark>系统 <mark>PCR</mark>-9 epc"
    )
    assert str(highlight.marked("a<b>", highlight.pattern("a"))) == "<mark>a</mark>&lt;b&gt;"
    long = "前" * 100 + "变频器" + "后" * 200
    cut = str(highlight.snippet(["无关", long], highlight.pattern("变频器")))
    assert cut.startswith("…") and cut.endswith("…") and "<mark>变频器</mark>" in cut
    assert len(cut) < 150
    assert highlight.snippet(["无关"], highlight.pattern("变频器")) is None


def test_ranked_pages_and_what_may_not_be_seen(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    mine = [make.ticket(world, "submitted", title=f"变频器过热{n}").number for n in range(23)]

    def draft(person):  # type: ignore[no-untyped-def]
        return services.create_draft(
            person,
            zone_code="CZ",
            title="变频器过热B",
            description="夜班",
            category="tech_upgrade",
            enterprise_id=world.enterprise_b.id,
        ).number

    own_draft = _as(app, world.commissioner_b, draft)
    admin = login(world.admin)
    first = _page(admin, "变频器")
    assert len(NUMBER.findall(first)) == 20
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "page=2" in following
    rest = NUMBER.findall(admin.get(following).get_data(as_text=True))
    assert len(rest) == 3
    assert set(NUMBER.findall(first)) | set(rest) == set(mine)  # not another's draft
    commissioner_b = login(world.commissioner_b)
    assert _numbers(commissioner_b, "变频器", "mine") == [own_draft]
    assert _numbers(commissioner_b, "过热", "mine", page="2") == []


def test_a_search_costs_the_same_whatever_its_rows(make, world, login, count_queries) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "submitted", title="空压机漏气").number
    client = login(world.admin)

    def statements() -> int:
        client.get("/queue/all?q=空压机")
        count_queries.count = 0
        client.get("/queue/all?q=空压机")
        return count_queries.count

    few = statements()
    for n in range(12):
        make.ticket(world, "in_progress", title=f"空压机漏气{n}", description="空压机")
    assert statements() == few
    assert number in _page(client, "空压机")


def _save(client, name: str, key: str, **args) -> object:  # type: ignore[no-untyped-def]
    page = client.get(f"/queue/{key}", query_string=args).get_data(as_text=True)
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "name": name,
        "queue": key,
        "args": urlencode(args),
    }
    return client.client.post("/searches", data=data)


def test_saved_searches_are_each_persons_own(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    make.ticket(world, "submitted", title="锅炉结焦")
    admin = login(world.admin)
    response = _save(admin, "锅炉问题", "all", q="锅炉", priority="normal", bogus="x")
    assert response.status_code == 302
    page = admin.get("/queue/to_route").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">锅炉问题</a>', page).group(1).replace("&amp;", "&")
    assert "q=%E9%94%85%E7%82%89" in link and "priority=normal" in link and "bogus" not in link
    assert "/queue/all" in link
    with app.app_context():
        saved = db.session.query(SavedSearch).filter_by(name="锅炉问题").one()
        saved_id, owner = saved.id, saved.user_id
    assert owner == world.admin.id

    other = login(world.commissioner_a)
    assert ">锅炉问题</a>" not in other.get("/queue/mine").get_data(as_text=True)
    token = hidden_value(other.get("/queue/mine?q=x").get_data(as_text=True), "csrf_token")
    other.client.post(f"/searches/{saved_id}/delete", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(SavedSearch, saved_id) is not None  # not theirs to delete
    # a queue that is not theirs cannot be saved
    assert _save(other, "偷看", "all", q="锅炉").status_code == 302
    with app.app_context():
        assert db.session.query(SavedSearch).filter_by(name="偷看").count() == 0

    token = hidden_value(admin.get("/queue/all").get_data(as_text=True), "csrf_token")
    admin.client.post(f"/searches/{saved_id}/delete", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(SavedSearch, saved_id) is None
    assert ">锅炉问题</a>" not in admin.get("/queue/all").get_data(as_text=True)


def test_saving_under_a_used_name_replaces_it(world, login, app) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    _save(admin, "急件", "all", priority="urgent")
    _save(admin, "急件", "all", priority="high")
    with app.app_context():
        rows = db.session.query(SavedSearch).filter_by(user_id=world.admin.id).all()
        assert [(r.name, r.args) for r in rows] == [("急件", "priority=high")]


def test_the_reindex_command_rebuilds_the_documents(make, world, login, app) -> None:  # type: ignore[no-untyped-def]
    number = make.ticket(world, "in_progress", title="烘干炉温度不均").number
    _comment(app, world.commissioner_a, number, "热风循环风机")
    result = app.test_cli_runner().invoke(args=["reindex-search"])
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output
    assert _numbers(login(world.admin), "风机") == [number]


def test_many_matches_rank_the_latest_window(make, world, login) -> None:  # type: ignore[no-untyped-def]
    """More than RANKED matches: the latest RANKED are ranked (on PostgreSQL found by probing
    the latest tickets), and the page says so; by latest activity, every match is there."""
    older = [make.ticket(world, "submitted", description=f"水泵异响{n}").number for n in range(3)]
    in_title = make.ticket(world, "submitted", title="水泵轴封泄漏").number
    newer = [
        make.ticket(world, "submitted", description=f"水泵振动{n}").number
        for n in range(queues.RANKED - 2)
    ]
    client = login(world.admin)
    page = _page(client, "水泵")
    found = NUMBER.findall(page)
    assert found[0] == in_title
    assert set(found[1:]) <= set(newer)
    assert "100" in page.split('class="search-order"')[1][:300]  # only so many are ranked
    last = _numbers(client, "水泵", page=str(queues.RANKED // 20))
    assert older[0] not in last and older[-1] in last  # the 100th latest match
    assert _numbers(client, "水泵", page=str(queues.RANKED // 20 + 1)) == []
    recent = _numbers(client, "水泵", order="recent")
    assert recent[0] == newer[-1]
