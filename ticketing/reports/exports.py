"""Tables as downloads: .xlsx (openpyxl) and CSV, with the headers in the reader's language.

A view builds the same rows it shows on the screen and hands them here with translated
headers. Cells are written as values (numbers stay numbers, dates stay dates); text that a
spreadsheet would run as a formula (=, +, -, @ at the start) is written as text, so an export
cannot carry a formula into the reader's spreadsheet (CWE-1236).

Every download made here is an event of the security log (kind export: the file and how many
rows), written on its own, since a download's request commits nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, has_request_context
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.styles import Font

from ticketing import db
from ticketing.audit import services as audit
from ticketing.audit.models import Kind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value as a spreadsheet cell: times in the zone's time, text never a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(db.ZONE_TIME).replace(tzinfo=None)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | date):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _disposition(filename: str) -> str:
    """An attachment header that keeps a Chinese file name (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def as_xlsx(
    filename: str, title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> Response:
    """One sheet named `title`: a bold header row, then the rows, the header row frozen."""
    rows = list(rows)
    record_export(f"{filename}.xlsx", len(rows))
    return download(f"{filename}.xlsx", xlsx_bytes([(title, headers, rows)]))


def xlsx_bytes(sheets: Iterable[tuple[Any, Sequence[Any], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per (title, headers, rows): a bold frozen header row each."""
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(str(title)[:31])
        sheet.append([str(h) for h in headers])
        for header in sheet[1]:
            header.font = Font(bold=True)
        for row in rows:
            sheet.append([cell(value) for value in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_csv(filename: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Response:
    """UTF-8 with a byte-order mark, so that Excel on a Chinese desktop opens it as UTF-8."""
    rows = list(rows)
    record_export(f"{filename}.csv", len(rows))
    return download(f"{filename}.csv", csv_bytes(headers, rows))


def record_export(name: str, count: int, user: Any = None) -> None:
    """Note the download of `name` (`count` rows) in the security log: by `user`, else by
    whoever is signed in (a command has no one)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    audit.record_now(Kind.EXPORT, user=user, detail=f"{name}: {count} rows")


def csv_bytes(
    headers: Sequence[Any], rows: Iterable[Sequence[Any]], encoding: str = "utf-8-sig"
) -> bytes:
    """CSV text in `encoding`: UTF-8 with a byte-order mark by default, or GB18030 (what
    Excel writes on a Chinese desktop)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode(encoding)


def download(filename: str, data: bytes) -> Response:
    """`data` as a download named `filename` (.xlsx or .csv)."""
    if filename.endswith(".xlsx"):
        response = Response(data, mimetype=XLSX)
    else:
        charset = "gb18030" if not data.startswith(b"\xef\xbb\xbf") else "utf-8"
        response = Response(data, mimetype=f"text/csv; charset={charset}")
    response.headers["Content-Disposition"] = _disposition(filename)
    return response
