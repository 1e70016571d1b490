"""An uploaded file kept between the dry run and the confirmation: stored in the upload folder
(which every worker reaches) under a random token, the token kept in the person's signed
session. The confirmation reads the rows from this file again, never from what the browser
sends back, and the file is removed once imported (or after a day, if never confirmed)."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import current_app, session

from ticketing.imports import reader
from ticketing.imports.reader import Table

KEY = "import_upload"
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_AGE = 24 * 3600


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(entity: str, filename: str, data: bytes) -> str:
    """Store the file for the confirmation; the token names it and is bound to this session."""
    forget()
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - MAX_AGE:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    (folder / f"{token}{suffix}").write_bytes(data)
    session[KEY] = {"token": token, "entity": entity, "name": filename[-200:], "suffix": suffix}
    return token


def kept() -> dict[str, Any] | None:
    """What this session uploaded last, if its file is still there."""
    saved = session.get(KEY)
    return saved if _valid(saved) and _path(saved).exists() else None


def table(saved: dict[str, Any]) -> Table:
    return reader.read(saved["entity"], f"x{saved['suffix']}", _path(saved).read_bytes())


def forget() -> None:
    saved = session.pop(KEY, None)
    if _valid(saved):
        _path(saved).unlink(missing_ok=True)


def _valid(saved: Any) -> bool:
    return (
        isinstance(saved, dict)
        and TOKEN.fullmatch(str(saved.get("token", ""))) is not None
        and saved.get("suffix") in (".xlsx", ".csv")
    )


def _path(saved: dict[str, Any]) -> Path:
    return _folder() / f"{saved['token']}{saved['suffix']}"
