"""Time the import of a problem sheet: read, dry run (every row checked, the database read in a
few batched queries) and the import of the good rows, on a fresh database. Everything written
is rolled back at the end.

    .venv/bin/python bench/imports.py [--database-url URL] [--rows 10000]

Without --database-url a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

from alembic import command
from openpyxl import Workbook
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ticketing import create_app, db  # noqa: E402
from ticketing.accounts.services import create_account  # noqa: E402
from ticketing.cli import alembic_config  # noqa: E402
from ticketing.imports import reader  # noqa: E402
from ticketing.imports.services import import_table  # noqa: E402
from ticketing.orgs import credit_code  # noqa: E402
from ticketing.orgs.models import Enterprise  # noqa: E402


def sheet(rows: int, codes: list[str]) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(["企业信用代码", "问题标题", "问题描述", "类别", "优先级", "特派员登录名", "提交"])
    for i in range(rows):
        code = codes[i % len(codes)]
        out.writerow([code, f"问题{i}", "设备振动过大。", "技术改造", "普通", f"tp{i % 10}", "否"])
    return buffer.getvalue().encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_HASH_FAST": True})
    with app.app_context():
        admin = create_account(
            login="bench-admin", name="管理员", password="bench-pass-1", roles=["admin"]
        )
        codes = []
        for n in range(50):
            code = credit_code.complete(f"91140400MB{n:07d}")
            db.session.add(Enterprise(name=f"基准企业{n}", credit_code=code))
            codes.append(code)
        db.session.flush()
        ids = [e.id for e in db.session.query(Enterprise).all()]
        for n in range(10):
            create_account(
                login=f"tp{n}",
                name=f"特派员{n}",
                password="bench-pass-1",
                roles=["commissioner"],
                enterprise_ids=ids,
            )
        db.session.flush()
        data = sheet(args.rows, codes)
        statements = []
        event.listen(db.state().engine, "before_cursor_execute", lambda *_a: statements.append(1))
        start = time.perf_counter()
        table = reader.read("tickets", "p.csv", data)
        read = time.perf_counter() - start
        start = time.perf_counter()
        report = import_table(table, admin, dry_run=True)
        checked = time.perf_counter() - start
        queries = len(statements)
        start = time.perf_counter()
        report = import_table(table, admin)
        db.session.flush()
        written = time.perf_counter() - start
        db.session.rollback()
        book = Workbook(write_only=True)
        sheet_out = book.create_sheet()
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            sheet_out.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        start = time.perf_counter()
        reader.read("tickets", "p.xlsx", buffer.getvalue())
        read_xlsx = time.perf_counter() - start
        print(f"database: {db.dialect_name()}, rows: {args.rows}")
        print(f"read of the same rows as .xlsx: {read_xlsx:.2f} s")
        print(f"read: {read:.2f} s; dry run: {checked:.2f} s ({queries} statements)")
        print(f"import of {report.written} drafts: {written:.1f} s")


if __name__ == "__main__":
    main()
