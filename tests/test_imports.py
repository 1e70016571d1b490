"""Imports and exports: the reader, the dry run, every entity, round trips, the CLI and the page."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.factories import new_code
from ticketing import db, writes
from ticketing.accounts.models import User
from ticketing.errors import RuleViolation
from ticketing.imports import reader
from ticketing.imports.services import import_table
from ticketing.orgs.models import Enterprise, Park
from ticketing.orgs.services import _zone_id

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
