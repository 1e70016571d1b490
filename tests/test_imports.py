"""Imports and exports: the reader, the dry run, every entity, round trips, the CLI and the page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from alembic import command
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import app_config
from tests.factories import new_code
from ticketing import create_app, db, writes
from ticketing.accounts.models import User
from ticketing.accounts.services import authenticate, create_account
from ticketing.cli import alembic_config
from ticketing.errors import NotAllowed, RuleViolation
from ticketing.imports import exports, reader
from ticketing.imports.services import import_table
from ticketing.orgs.models import County, Enterprise, Park, University
from ticketing.orgs.services import _zone_id, save_place
from ticketing.tickets.models import Ticket

ENTERPRISE_HEADERS = ["企业名称", "统一社会信用代码", "园区", "行业", "重点企业"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def run_import(entity, filename, data, actor, **options):  # type: ignore[no-untyped-def]
    table = reader.read(entity, filename, data)
    actor = db.session.get(User, actor.id)
    return writes.run(lambda: import_table(table, actor, **options))


def count(model: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_enterprises_dry_run_lists_bad_rows_and_writes_nothing(ctx, world) -> None:
    db.session.add(Park(zone_id=_zone_id(), name="高新园区"))
    db.session.commit()
    good = new_code()
    rows = [
        ENTERPRISE_HEADERS,
        ["长治精工机械有限公司", good, "高新园区", "装备制造", "是"],
        ["坏代码企业", "91140400MA0000000X", "", "", ""],
        ["重复代码企业", good, "", "", ""],
        ["已有企业", world.enterprise_a.credit_code, "", "", ""],
        ["园区不明企业", new_code(), "不存在的园区", "", ""],
        [],
        ["", new_code(), "", "", "也许"],
    ]
    before = count(Enterprise)
    report = run_import("enterprises", "企业.xlsx", xlsx(rows), world.admin, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "统一社会信用代码"),
        (4, "统一社会信用代码"),
        (5, "统一社会信用代码"),
        (6, "园区"),
        (8, "重点企业"),
    ]
    assert "第 2 行" in report.problems[1].message or "row 2" in report.problems[1].message
    assert len(report.good) == 1 and report.written == 0
    assert count(Enterprise) == before
    report = run_import("enterprises", "企业.xlsx", xlsx(rows), world.admin)
    assert report.written == 0 and count(Enterprise) == before  # bad rows: nothing written
    report = run_import("enterprises", "企业.xlsx", xlsx(rows), world.admin, only_good=True)
    assert report.written == 1 and count(Enterprise) == before + 1
    made = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == good))
    assert made.park.name == "高新园区" and made.key_enterprise and made.industry == "装备制造"


def test_gb18030_csv_with_chinese_headers_imports(ctx, world) -> None:
    rows = [ENTERPRISE_HEADERS, ["晋城煤化工有限公司", new_code(), "", "化工", "否"]]
    report = run_import("enterprises", "企业.csv", csv_file(rows, "gb18030"), world.admin)
    assert report.ok and report.written == 1
    assert (
        db.session.scalar(
            select(Enterprise.industry).where(Enterprise.name == "晋城煤化工有限公司")
        )
        == "化工"
    )


def test_english_headers_and_utf8_without_bom(ctx, world) -> None:
    rows = [["Name", "Credit code"], ["Taiyuan Steel Co.", new_code()]]
    report = run_import("enterprises", "e.csv", csv_file(rows, "utf-8"), world.admin)
    assert report.written == 1


def test_unknown_encoding_is_refused_clearly(ctx, world) -> None:
    data = csv_file([ENTERPRISE_HEADERS, ["企业", new_code()]], "utf-16")
    with pytest.raises(RuleViolation) as refused:
        reader.read("enterprises", "e.csv", data)
    assert "GB18030" in str(refused.value.message)


def test_unknown_and_missing_columns_are_refused(ctx) -> None:
    with pytest.raises(RuleViolation, match="颜色|Unknown"):
        reader.read("enterprises", "e.csv", csv_file([["企业名称", "颜色"]]))
    with pytest.raises(RuleViolation, match="统一社会信用代码"):
        reader.read("enterprises", "e.csv", csv_file([["企业名称"]]))
    with pytest.raises(RuleViolation):
        reader.read("enterprises", "e.xlsx", b"not a workbook")


TICKET_HEADERS = ["企业信用代码", "问题标题", "问题描述", "类别", "优先级", "特派员登录名", "提交"]


def problem_sheet(world, size: int = 10_000):  # type: ignore[no-untyped-def]
    """`size` rows of problems with exactly 50 bad ones of ten kinds; the expected
    (row, column) of each bad one."""
    a, b = world.enterprise_a.credit_code, world.enterprise_b.credit_code
    who_a, who_b = world.commissioner_a.login, world.commissioner_b.login
    rows: list[list[object]] = [TICKET_HEADERS]
    expected: set[tuple[int, str]] = set()
    bad_every = size // 50
    for i in range(size):
        number = i + 2  # the header is row 1
        code, login = (a, who_a) if i % 2 else (b, who_b)
        row = [code, f"离线问题{i}", "设备振动过大，需要诊断。", "技术改造", "普通", login, "否"]
        if i % bad_every == bad_every - 1:
            kind = (i // bad_every) % 10
            column = TICKET_HEADERS[[0, 0, 1, 1, 3, 4, 5, 1, 2, 0][kind]]
            if kind == 0:
                row[0] = code[:-1] + ("0" if code[-1] != "0" else "1")  # wrong check character
            elif kind == 1:
                row[0] = new_code()  # valid, but no such enterprise
            elif kind == 2:
                row[1] = "  "
            elif kind == 3:
                row[1] = "长" * 201
            elif kind == 4:
                row[3] = "天文学"
            elif kind == 5:
                row[4] = "最最紧急"
            elif kind == 6:
                row[5] = "nobody-here"
            elif kind == 7:
                row = list(rows[number - 3])  # the row before, once more
            elif kind == 8:
                row[2] = "设备\ufffd\ufffd振动"
            elif kind == 9:
                row[5] = who_a if row[5] == who_b else who_b  # not their enterprise
            expected.add((number, column))
        rows.append(row)
    assert len(expected) == 50
    return rows, expected


def test_a_problem_sheet_of_ten_thousand_rows_reports_exactly_its_fifty_bad_rows(
    ctx, world
) -> None:
    rows, expected = problem_sheet(world)
    data = csv_file(rows)
    before = count(Ticket)
    report = run_import("tickets", "problems.csv", data, world.admin, dry_run=True)
    assert {(p.row, p.column) for p in report.problems} == expected
    assert len(report.problems) == 50 and len(report.good) == 9_950
    assert count(Ticket) == before
    report = run_import("tickets", "problems.csv", data, world.admin)
    assert report.written == 0 and count(Ticket) == before
    report = run_import("tickets", "problems.csv", data, world.admin, only_good=True)
    assert report.written == 9_950 and count(Ticket) == before + 9_950
    bad_rows = {row for row, _column in expected}
    titles = {str(rows[n - 1][1]) for n in range(2, len(rows) + 1) if n not in bad_rows}
    imported = set(db.session.scalars(select(Ticket.title).where(Ticket.title.like("离线问题%"))))
    assert imported == titles


def test_universities_import_and_duplicates(ctx, world) -> None:
    rows = [
        ["高校名称", "简称", "启用"],
        ["中北大学", "中北", "是"],
        [world.u1.name, "", ""],
        ["中北大学", "", ""],
        ["武汉理工大学", "武理工", "否"],
    ]
    report = run_import("universities", "u.xlsx", xlsx(rows), world.admin, only_good=True)
    assert [(p.row, p.column) for p in report.problems] == [(3, "高校名称"), (4, "高校名称")]
    assert report.written == 2
    wut = db.session.scalar(select(University).where(University.name == "武汉理工大学"))
    assert wut.short_name == "武理工" and not wut.active


def test_users_import_with_roles_links_and_one_time_passwords(ctx, world) -> None:
    code_a = world.enterprise_a.credit_code
    rows = [
        ["登录名", "姓名", "角色", "所属高校", "负责企业信用代码", "专长", "可承接数"],
        [
            "zhang.tp",
            "张特派",
            "科技特派员",
            "",
            f"{code_a}; {world.enterprise_b.credit_code}",
            "",
            "",
        ],
        ["li.expert", "李教授", "专家、高校联络员", world.u1.name, "", "数控机床", "8"],
        ["wang", "王某", "专家", "", "", "", ""],  # an expert needs a university
        ["zhao", "赵某", "园长", "", "", "", ""],  # no such role
        [world.commissioner_a.login.upper(), "重名", "科技特派员", "", code_a, "", ""],
        ["zhang.tp", "又一个张", "科技特派员", "", code_a, "", ""],
        ["sun", "孙某", "科技特派员", "", new_code(), "", ""],
        ["zhou", "周某", "expert", world.u1.name, "", "", "500"],
    ]
    report = run_import("users", "people.xlsx", xlsx(rows), world.admin, only_good=True)
    assert [(p.row, p.column) for p in report.problems] == [
        (4, "所属高校"),
        (5, "角色"),
        (6, "登录名"),
        (7, "登录名"),
        (8, "负责企业信用代码"),
        (9, "可承接数"),
    ]
    assert report.written == 2
    assert [(login, name) for login, name, _p in report.passwords] == [
        ("zhang.tp", "张特派"),
        ("li.expert", "李教授"),
    ]
    zhang = db.session.scalar(select(User).where(User.login == "zhang.tp"))
    assert zhang.roles == {"commissioner"} and zhang.must_change_password
    assert zhang.enterprise_ids == {world.enterprise_a.id, world.enterprise_b.id}
    li = db.session.scalar(select(User).where(User.login == "li.expert"))
    assert li.roles == {"expert", "liaison"} and li.university_id == world.u1.id
    assert li.expert_profile.capacity == 8 and li.expert_profile.expertise == "数控机床"
    assert authenticate("zhang.tp", report.passwords[0][2]) is not None


def test_problems_are_filed_by_their_commissioner_as_drafts_or_submitted(ctx, world) -> None:
    code = world.enterprise_a.credit_code
    who = world.commissioner_a.login
    rows = [
        TICKET_HEADERS + ["保密"],
        [code, "液压站泄漏", "液压站油管接头渗油。", "tech_upgrade", "紧急", who, "是", "否"],
        [code, "新品研发需要仿真", "需要有限元仿真支持。", "产品研发", "", who, "否", "是"],
    ]
    report = run_import("tickets", "p.xlsx", xlsx(rows), world.admin)
    assert report.ok and report.written == 2
    leak = db.session.scalar(select(Ticket).where(Ticket.title == "液压站泄漏"))
    assert leak.state == "submitted" and leak.priority == "urgent"
    assert leak.filer_id == world.commissioner_a.id
    draft = db.session.scalar(select(Ticket).where(Ticket.title == "新品研发需要仿真"))
    assert draft.state == "draft" and draft.category == "product_rd" and draft.confidential
    again = run_import("tickets", "p.xlsx", xlsx(rows), world.admin, dry_run=True)
    assert [(p.row, p.column) for p in again.problems] == [(2, "问题标题"), (3, "问题标题")]


def test_only_administrators_import(ctx, world) -> None:
    rows = [["高校名称"], ["某大学"]]
    with pytest.raises(NotAllowed):
        run_import("universities", "u.csv", csv_file(rows), world.commissioner_a)


ORDER = ("universities", "enterprises", "users", "tickets")


def read_rows(entity: str, filename: str, data: bytes) -> list[dict[str, str]]:
    return [row for _number, row in reader.read(entity, filename, data).rows]


@pytest.fixture
def source(ctx, world, make):  # type: ignore[no-untyped-def]
    """The world with places, a partner university, awkward text and three kinds of tickets."""
    park = save_place(Park, None, db.session.get(User, world.admin.id), name="高新园区")
    county = save_place(County, None, db.session.get(User, world.admin.id), name="潞州区")
    enterprise = db.session.get(Enterprise, world.enterprise_a.id)
    enterprise.park_id, enterprise.county_id = park.id, county.id
    enterprise.partner_university_id = world.u1.id
    enterprise.contact_phone, enterprise.industry = "+86 355 1234567", "=1+1"
    enterprise.key_enterprise = True
    db.session.commit()
    make.ticket(world, "draft", title="@草稿问题", priority="low")
    make.ticket(world, "submitted", title="保密的问题", confidential=True)
    make.ticket(world, "in_progress", title="进行中的问题", category="talent")
    return world


@pytest.fixture
def target(tmp_path):  # type: ignore[no-untyped-def]
    """Another installation: a fresh SQLite database, migrated, with an administrator."""
    url = "sqlite:///" + str(tmp_path / "target.sqlite")
    command.upgrade(alembic_config(url), "head")
    app = create_app(app_config(url, tmp_path))
    with app.app_context():
        root = writes.run(
            lambda: create_account(
                login="root", name="管理员", password="cedar-lantern-4417", roles=["admin"]
            )
        )
        writes.run(lambda: save_place(Park, None, root, name="高新园区"))
        writes.run(lambda: save_place(County, None, root, name="潞州区"))
    return app


@pytest.mark.parametrize("form", ["xlsx", "csv", "csv-gb18030"])
def test_export_then_import_round_trips(source, target, form) -> None:  # type: ignore[no-untyped-def]
    files = {entity: exports.export(entity, form, None) for entity in ORDER}
    before = {entity: read_rows(entity, *files[entity]) for entity in ORDER}
    assert any(row["industry"] == "=1+1" for row in before["enterprises"])
    assert {row["title"] for row in before["tickets"]} == {
        "@草稿问题",
        "保密的问题",
        "进行中的问题",
    }
    with target.app_context():
        root = db.session.scalar(select(User).where(User.login == "root"))
        for entity in ORDER:
            table = reader.read(entity, *files[entity])
            report = writes.run(lambda table=table: import_table(table, root))
            assert report.problems == [] and report.written == len(before[entity]), entity
        after = {entity: read_rows(entity, *exports.export(entity, form, None)) for entity in ORDER}
    after["users"] = [row for row in after["users"] if row["login"] != "root"]
    assert after == before


def test_exports_write_formulas_as_text(source) -> None:  # type: ignore[no-untyped-def]
    _name, data = exports.export("enterprises", "csv", None)
    text = data.decode("utf-8-sig")
    assert "'=1+1" in text and "'+86 355 1234567" in text
    _name, data = exports.export("tickets", "xlsx", None)
    sheet = load_workbook(io.BytesIO(data)).active
    assert "'@草稿问题" in [cell.value for cell in sheet["B"]]


def test_templates_explain_their_columns(ctx) -> None:
    name, data = exports.template("tickets", "xlsx")
    book = load_workbook(io.BytesIO(data))
    assert name.endswith(".xlsx") and len(book.worksheets) == 2
    assert [c.value for c in book.worksheets[0][1]][:2] == ["企业信用代码", "问题标题"]
    explained = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert "特派员登录名" in explained
    words = [row[3] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert any("技术改造" in str(w) for w in words)
    name, data = exports.template("users", "csv-gb18030")
    assert data.decode("gb18030").startswith("登录名,姓名")


def test_cli_import_dry_run_then_only_good(app, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "高校.csv"
    path.write_bytes(
        csv_file([["高校名称", "简称"], ["上海理工大学", "上理工"], ["", "空"]], "gb18030")
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "universities", str(path), "--dry-run"])
    assert result.exit_code == 1
    assert "row 3, 高校名称" in result.output and "1 good, 1 bad" in result.output
    with app.app_context():
        assert (
            db.session.scalar(select(University).where(University.name == "上海理工大学")) is None
        )
    result = runner.invoke(args=["import", "universities", str(path)])
    assert result.exit_code == 1 and "Nothing imported" in result.output
    result = runner.invoke(args=["import", "universities", str(path), "--only-good"])
    assert result.exit_code == 0 and "1 rows imported" in result.output
    with app.app_context():
        assert (
            db.session.scalar(
                select(University.short_name).where(University.name == "上海理工大学")
            )
            == "上理工"
        )


def test_cli_import_users_prints_one_time_passwords(app, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "people.xlsx"
    path.write_bytes(
        xlsx([["登录名", "姓名", "角色", "所属高校"], ["qian", "钱专家", "专家", world.u1.name]])
    )
    result = app.test_cli_runner().invoke(args=["import", "users", str(path)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("qian\t"))
    with app.app_context():
        assert authenticate("qian", line.split("\t")[2]) is not None


def test_cli_export_by_extension_and_a_bad_file(app, source, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    for name, options in (("e.xlsx", []), ("e.csv", []), ("e-gb.csv", ["--encoding", "gb18030"])):
        result = runner.invoke(args=["export", "enterprises", str(tmp_path / name), *options])
        assert result.exit_code == 0, result.output
        rows = read_rows("enterprises", name, (tmp_path / name).read_bytes())
        assert {r["name"] for r in rows} >= {source.enterprise_a.name}
    assert (tmp_path / "e-gb.csv").read_bytes().decode("gb18030").startswith("企业名称")
    (tmp_path / "bad.csv").write_bytes("企业名称\n".encode("utf-16"))
    result = runner.invoke(args=["import", "enterprises", str(tmp_path / "bad.csv")])
    assert result.exit_code == 1 and "GB18030" in result.output


def upload(client, entity: str, filename: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/import",
        {"entity": entity, "file": (io.BytesIO(data), filename)},
        token_from="/admin/import",
    )


def confirm_token(page: str) -> str:
    match = re.search(r'name="token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="token"', page
    )
    assert match, "no confirm form"
    return match.group(1)


def test_the_import_page_is_for_administrators_only(app, world, login, browser) -> None:  # type: ignore[no-untyped-def]
    assert browser.get("/admin/import").status_code == 302  # to the sign-in page
    commissioner = login(world.commissioner_a)
    assert commissioner.get("/admin/import").status_code == 404
    assert commissioner.get("/admin/import/export/users/csv").status_code == 404
    assert commissioner.get("/admin/import/template/tickets/xlsx").status_code == 404
    token = commissioner.token("/account")
    response = commissioner.client.post("/admin/import/confirm", data={"csrf_token": token})
    assert response.status_code == 404


def test_upload_report_then_confirm(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    page = admin.get("/admin/import").get_data(as_text=True)
    assert "/admin/import/template/enterprises/xlsx" in page
    code = new_code()
    data = csv_file([ENTERPRISE_HEADERS, ["临汾纺织有限公司", code], ["坏企业", "123"]], "gb18030")
    response = upload(admin, "enterprises", "企业.csv", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<th scope="row">3</th>' in page and "统一社会信用代码" in page
    with app.app_context():
        assert db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code)) is None
    token = confirm_token(page)
    # without "only the good rows" nothing is written
    response = admin.post("/admin/import/confirm", {"token": token}, token_from="/admin/import")
    assert response.status_code == 422
    # a token that is not this session's is refused
    response = admin.post(
        "/admin/import/confirm", {"token": "x" * 32, "only_good": "y"}, token_from="/admin/import"
    )
    assert response.status_code == 303
    # the CSRF token is required
    response = admin.client.post("/admin/import/confirm", data={"token": token, "only_good": "y"})
    assert response.status_code in (302, 303, 400)
    with app.app_context():
        assert db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code)) is None
    response = admin.post(
        "/admin/import/confirm", {"token": token, "only_good": "y"}, token_from="/admin/import"
    )
    assert response.status_code == 200
    with app.app_context():
        made = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        assert made is not None and made.name == "临汾纺织有限公司"
    # the upload is used up
    response = admin.post(
        "/admin/import/confirm", {"token": token, "only_good": "y"}, token_from="/admin/import"
    )
    assert response.status_code == 303


def test_the_page_shows_one_time_passwords_once(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    data = xlsx(
        [
            ["登录名", "姓名", "角色", "负责企业信用代码"],
            ["feng", "冯特派", "科技特派员", world.enterprise_a.credit_code],
        ]
    )
    page = upload(admin, "users", "people.xlsx", data).get_data(as_text=True)
    response = admin.post(
        "/admin/import/confirm", {"token": confirm_token(page)}, token_from="/admin/import"
    )
    page = response.get_data(as_text=True)
    password = re.search(r"<code>([^<]+)</code>", page).group(1)
    with app.app_context():
        assert authenticate("feng", password) is not None
        assert db.session.scalar(select(User.must_change_password).where(User.login == "feng"))


def test_a_bad_file_is_shown_on_the_form(app, world, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(world.admin)
    response = upload(admin, "enterprises", "企业.csv", "企业名称\n".encode("utf-16"))
    assert response.status_code == 422 and "GB18030" in response.get_data(as_text=True)
    response = upload(admin, "enterprises", "企业.txt", b"x")
    assert response.status_code == 422


def test_downloads_of_templates_and_exports(app, source, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(source.admin)
    response = admin.get("/admin/import/template/users/xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    response = admin.get("/admin/import/export/tickets/csv-gb18030")
    text = response.get_data().decode("gb18030")
    assert response.status_code == 200 and "保密的问题" in text  # admins see the titles
    response = admin.get("/admin/import/export/enterprises/csv")
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    assert admin.get("/admin/import/export/secrets/csv").status_code == 404


def test_problems_for_a_disabled_enterprise_are_refused(ctx, world) -> None:
    enterprise = db.session.get(Enterprise, world.enterprise_a.id)
    enterprise.active = False
    db.session.commit()
    rows = [
        TICKET_HEADERS,
        [
            enterprise.credit_code,
            "停用企业的问题",
            "描述",
            "management",
            "",
            world.commissioner_a.login,
        ],
    ]
    report = run_import("tickets", "p.csv", csv_file(rows), world.admin, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(2, "企业信用代码")]
    assert "停用" in report.problems[0].message or "disabled" in report.problems[0].message


def test_exports_show_confidential_titles_to_administrators_only(source) -> None:  # type: ignore[no-untyped-def]
    filer = db.session.get(User, source.commissioner_a.id)
    titles = {r["title"] for r in read_rows("tickets", *exports.export("tickets", "csv", filer))}
    assert "保密的问题" not in titles and "保密问题" in titles and "进行中的问题" in titles
    admin = db.session.get(User, source.admin.id)
    titles = {r["title"] for r in read_rows("tickets", *exports.export("tickets", "csv", admin))}
    assert "保密的问题" in titles
    assert "@草稿问题" not in titles  # another person's draft
