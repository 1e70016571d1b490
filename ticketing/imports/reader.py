"""Reading an uploaded table: .xlsx with openpyxl, .csv in UTF-8 (with or without a byte-order
mark) or GB18030 (what Excel writes on a Chinese desktop). Rows carry the number a
spreadsheet shows (the header is row 1)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ticketing.errors import RuleViolation
from ticketing.imports import columns
from ticketing.reports.exports import FORMULA_START

ENCODINGS = ("utf-8-sig", "gb18030")
UNREADABLE = "\ufffd"  # what a cell keeps of text that went through a wrong encoding


@dataclass
class Table:
    """The rows of a file, each a mapping column key → text, with its spreadsheet number;
    `unreadable` lists (row, column key) cells that hold no readable text."""

    entity: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    unreadable: dict[int, str] = field(default_factory=dict)


def read(entity: str, filename: str, data: bytes) -> Table:
    """The rows of an .xlsx or .csv file for `entity`; a RuleViolation on "file" when the file
    cannot be read or its header row is not the template's."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(data)
    elif name.endswith(".csv"):
        lines = csv.reader(io.StringIO(decode(data), newline=""))
    else:
        raise RuleViolation("file", _l("Choose an .xlsx or .csv file."))
    header = next(lines, None)
    if header is None:
        raise RuleViolation("file", _l("The file is empty."))
    keys = _keys(entity, header)
    table = Table(entity)
    for number, line in enumerate(lines, start=2):
        cells = [_text(value) for value in line]
        if not any(cells):
            continue
        row = {key: cells[i] if i < len(cells) else "" for i, key in keys.items()}
        table.rows.append((number, row))
        bad = next((key for key, text in row.items() if not _readable(text)), None)
        if bad is not None:
            table.unreadable[number] = bad
    return table


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else GB18030; a clear refusal otherwise."""
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 would decode, with NULs between the letters
            return text
    raise RuleViolation(
        "file",
        _l(
            "The file is neither UTF-8 nor GB18030 text. Save it from Excel as "
            "“CSV UTF-8” or as an .xlsx workbook and upload it again."
        ),
    )


def _xlsx_lines(data: bytes):  # type: ignore[no-untyped-def]
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise RuleViolation("file", _l("This is not an .xlsx workbook Excel can open.")) from None
    return iter(book.worksheets[0].iter_rows(values_only=True))


def _keys(entity: str, header: list[object]) -> dict[int, str]:
    keys: dict[int, str] = {}
    for index, title in enumerate(header):
        text = _text(title)
        if not text:
            continue
        key = columns.header_key(entity, text)
        if key is None:
            raise RuleViolation("file", _l("Unknown column “%(name)s”.", name=text))
        if key in keys.values():
            raise RuleViolation("file", _l("The column “%(name)s” appears twice.", name=text))
        keys[index] = key
    missing = [c.zh for c in columns.COLUMNS[entity] if c.required and c.key not in keys.values()]
    if missing:
        raise RuleViolation("file", _l("Columns missing: %(names)s.", names="、".join(missing)))
    return keys


def _text(value: object) -> str:
    """A cell as text: whole numbers without ".0", dates as YYYY-MM-DD, and an export's guard
    against formulas (a leading ') taken off again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()[:10]
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_START:
        text = text[1:]
    return text


def _readable(text: str) -> bool:
    return UNREADABLE not in text and not any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text)
