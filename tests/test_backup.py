"""`flask backup` and `flask restore`: a backup restored into an empty instance gives back every
row of every table and every uploaded file byte for byte; a damaged archive, an archive of a
newer release, an archive reaching outside its folder and a restore over data are refused
with nothing changed. On SQLite in the SQLite run (the online backup API), on PostgreSQL in
the PostgreSQL run (pg_dump and pg_restore)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import USE_POSTGRES, app_config
from tests.factories import PASSWORD, Factory
from tests.helpers import hidden_value, scratch_postgres
from ticketing import create_app, db
from ticketing.backup import services
from ticketing.cli import alembic_config

pytestmark = pytest.mark.no_transaction

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40
TEXT = "现场温度记录：主轴 72℃，冷却液 31℃。\n".encode() * 50


class Instance:
    """One installation: its database, its upload folder, its app."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.app = create_app(app_config(url, folder))
        self.uploads = Path(self.app.config["UPLOAD_FOLDER"])

    def cli(self, *args: str) -> Any:
        return self.app.test_cli_runner().invoke(args=list(args))

    def dispose(self) -> None:
        self.app.extensions["ticketing.db"].engine.dispose()


def _new_database(name: str, tmp_path: Path) -> Iterator[str]:
    if USE_POSTGRES:
        with scratch_postgres(name) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / f'{name}.sqlite'}"


def _migrated(name: str, tmp_path: Path) -> Iterator[Instance]:
    for url in _new_database(f"backup_{name}", tmp_path):
        instance = Instance(url, tmp_path / name)
        assert instance.cli("migrate").exit_code == 0
        yield instance
        instance.dispose()


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Instance]:
    yield from _migrated("source", tmp_path)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Instance]:
    yield from _migrated("target", tmp_path)


def _upload(app: Flask, login: str, number: str, name: str, content: bytes) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    signed = client.post(
        "/login",
        data={"csrf_token": hidden_value(page, "csrf_token"), "login": login, "password": PASSWORD},
    )
    assert signed.status_code == 302
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    added = client.post(
        f"/tickets/{number}/attachments",
        data={"csrf_token": hidden_value(page, "csrf_token"), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert added.status_code == 303, added.get_data(as_text=True)[:300]


def _fill(instance: Instance) -> str:
    """People, tickets in several states with their history, and files uploaded for real."""
    make = Factory(instance.app)
    world = make.world()
    numbers = []
    for state in ("draft", "submitted", "in_progress", "resolved", "closed"):
        ticket = make.ticket(world, state)
        with instance.app.app_context():
            numbers.append(db.session.merge(ticket).number)
    _upload(instance.app, world.commissioner_a.login, numbers[1], "检测报告.pdf", PDF)
    _upload(instance.app, world.expert_u1.login, numbers[2], "温度记录.txt", TEXT)
    _upload(instance.app, world.commissioner_a.login, numbers[2], "现场照片说明.txt", b"photo")
    return world.commissioner_a.login


def _everything(instance: Instance | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema revision), in primary-key order."""
    engine = create_engine(instance if isinstance(instance, str) else instance.url)
    try:
        with engine.connect() as connection:
            schema = inspect(connection)
            tables = {}
            for name in sorted(schema.get_table_names()):
                if name.startswith("sqlite_") or name.startswith("ticket_search_"):
                    continue  # FTS5's own shadow tables: rebuilt from ticket_search
                keys = schema.get_pk_constraint(name)["constrained_columns"]
                columns = [c["name"] for c in schema.get_columns(name)]
                order = ", ".join(f'"{c}"' for c in (keys or columns))
                listed = ", ".join(f'"{c}"' for c in columns)
                rows = connection.execute(text(f'SELECT {listed} FROM "{name}" ORDER BY {order}'))
                tables[name] = [tuple(row) for row in rows]
            return tables
    finally:
        engine.dispose()


def _checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _archive(folder: Path) -> Path:
    [made] = sorted(folder.glob("ticketing-backup-*.tar.gz"))
    return made


def _rewrite(archive: Path, change: Any, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of the archive with each file member passed through `change(name, bytes)`, and
    the `extra` members added."""
    out = archive.with_name("changed-" + archive.name)
    with tarfile.open(archive, "r:gz") as old, tarfile.open(out, "w:gz") as new:
        for member in old.getmembers():
            if not member.isfile():
                new.addfile(member)
                continue
            data = change(member.name, old.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return out


def test_a_backup_restored_into_an_empty_instance_gives_back_every_row_and_file(
    source: Instance, target: Instance, tmp_path: Path
) -> None:
    filer = _fill(source)
    before, files = _everything(source), _checksums(source.uploads)
    assert len(files) == 3 and before["ticket"] and before["ticket_event"] and before["attachment"]

    made = source.cli("backup", "--to", str(tmp_path / "backups"))
    assert made.exit_code == 0, made.output
    archive = _archive(tmp_path / "backups")
    assert f"Wrote {archive}" in made.output and "3 uploaded files" in made.output
    assert archive.name.endswith(f"-{services.head()}.tar.gz")
    assert not list((tmp_path / "backups").glob(".backup-*")), "no half-written leftovers"

    restored = target.cli("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert f"schema revision {services.head()}" in restored.output
    assert "migrate" not in restored.output  # same release: nothing to upgrade

    after = _everything(target)
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, f"table {table} differs after the restore"
    assert _checksums(target.uploads) == files

    # the restored instance works: the filer signs in and downloads their file
    client = target.app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": hidden_value(page, "csrf_token"), "login": filer, "password": PASSWORD},
    )
    with target.app.app_context():
        pdf = db.session.scalar(text("SELECT id FROM attachment ORDER BY id LIMIT 1"))
    download = client.get(f"/files/{pdf}")
    assert download.status_code == 200 and download.data == PDF


def test_the_manifest_counts_every_table_and_lists_every_file(
    source: Instance, tmp_path: Path
) -> None:
    _fill(source)
    assert source.cli("backup", "--to", str(tmp_path)).exit_code == 0
    with tarfile.open(_archive(tmp_path)) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
        names = archive.getnames()
    rows = _everything(source)
    for table, listed in rows.items():
        if table in manifest["tables"]:
            assert manifest["tables"][table] == len(listed), table
    assert manifest["revision"] == services.head()
    assert manifest["database"]["kind"] == ("postgresql" if USE_POSTGRES else "sqlite")
    assert {f"uploads/{name}" for name in manifest["files"]} == {
        n for n in names if n.startswith("uploads/")
    }
    assert set(manifest["files"]) == set(_checksums(source.uploads))


def test_a_damaged_archive_is_refused_and_nothing_changes(
    source: Instance, target: Instance, tmp_path: Path
) -> None:
    _fill(source)
    assert source.cli("backup", "--to", str(tmp_path)).exit_code == 0
    archive = _archive(tmp_path)

    def flip_a_byte(name: str, data: bytes) -> bytes:
        if name.startswith("uploads/") and data == PDF:
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return data

    damaged = _rewrite(archive, flip_a_byte)
    before = _everything(target)
    refused = target.cli("restore", str(damaged))
    assert refused.exit_code != 0
    assert "does not match its checksum" in refused.output
    assert _everything(target) == before
    assert _checksums(target.uploads) == {}


def test_an_archive_from_a_newer_release_is_refused(
    source: Instance, target: Instance, tmp_path: Path
) -> None:
    assert source.cli("backup", "--to", str(tmp_path)).exit_code == 0

    def newer(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["revision"] = "0099"
            return json.dumps(manifest).encode()
        return data

    refused = target.cli("restore", str(_rewrite(_archive(tmp_path), newer)))
    assert refused.exit_code != 0
    assert "revision 0099" in refused.output and "newer release" in refused.output


def test_an_archive_reaching_outside_its_folder_is_refused(
    source: Instance, target: Instance, tmp_path: Path
) -> None:
    assert source.cli("backup", "--to", str(tmp_path)).exit_code == 0

    evil = _rewrite(_archive(tmp_path), lambda _name, data: data, {"uploads/../../evil.txt": b"x"})
    refused = target.cli("restore", str(evil))
    assert refused.exit_code != 0
    assert "outside its folder" in refused.output
    assert not (tmp_path / "evil.txt").exists() and not (target.folder / "evil.txt").exists()


def test_a_restore_over_data_is_refused_unless_replace_is_said(
    source: Instance, target: Instance, tmp_path: Path
) -> None:
    _fill(source)
    assert source.cli("backup", "--to", str(tmp_path)).exit_code == 0
    archive = _archive(tmp_path)
    Factory(target.app).user("admin", name="目标实例的管理员")
    kept = _everything(target)
    stray = target.uploads / "not-in-the-backup.txt"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"stray")

    refused = target.cli("restore", str(archive))
    assert refused.exit_code != 0 and "--replace" in refused.output
    assert _everything(target) == kept

    replaced = target.cli("restore", "--replace", str(archive))
    assert replaced.exit_code == 0, replaced.output
    assert _everything(target) == _everything(source)
    assert _checksums(target.uploads) == _checksums(source.uploads)  # the stray file is gone


def test_an_older_backup_is_restored_and_the_person_told_to_migrate(
    target: Instance, tmp_path: Path
) -> None:
    for url in _new_database("backup_old", tmp_path):
        old = Instance(url, tmp_path / "old")
        command.upgrade(alembic_config(url), "0017")
        made = old.cli("backup", "--to", str(tmp_path / "old-backups"))
        old.dispose()
        assert made.exit_code == 0, made.output
    archive = _archive(tmp_path / "old-backups")
    assert archive.name.endswith("-0017.tar.gz")
    restored = target.cli("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "run `flask --app ticketing migrate`" in restored.output
    migrated = target.cli("migrate")
    assert migrated.exit_code == 0 and "0017 to 0018" in migrated.output.replace("revision ", "")


def test_backup_of_an_instance_without_a_schema_is_refused(tmp_path: Path) -> None:
    for url in _new_database("backup_empty", tmp_path):
        empty = Instance(url, tmp_path / "empty")
        refused = empty.cli("backup", "--to", str(tmp_path / "none"))
        empty.dispose()
        assert refused.exit_code != 0 and "no schema yet" in refused.output


def test_pg_tools_missing_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _tool: None)
    with pytest.raises(services.BackupError, match="apt-get install postgresql-client"):
        services._need("pg_dump")


@pytest.mark.skipif(not USE_POSTGRES, reason="pg_dump and pg_restore: the PostgreSQL run")
def test_the_commands_by_hand_in_backup_md_give_back_every_row_and_file(
    source: Instance, tmp_path: Path
) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "backup.md").read_text()
    block = re.search(r"<!-- pg-by-hand -->\n```sh\n(.*?)```\n<!-- /pg-by-hand -->", doc, re.S)
    assert block, "docs/backup.md has its by-hand block"
    _fill(source)
    (tmp_path / "by-hand").mkdir()
    (tmp_path / "restored-uploads").mkdir()
    libpq = lambda url: make_url(url).set(drivername="postgresql").render_as_string(False)  # noqa: E731
    for restore_url in _new_database("backup_by_hand", tmp_path):
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.group(1)],
            env={
                **os.environ,
                "BACKUP": str(tmp_path / "by-hand"),
                "DATABASE": libpq(source.url),
                "UPLOAD_FOLDER": str(source.uploads),
                "RESTORE_DATABASE": libpq(restore_url),
                "RESTORE_UPLOAD_FOLDER": str(tmp_path / "restored-uploads"),
            },
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert _everything(restore_url) == _everything(source)
    assert _checksums(tmp_path / "restored-uploads") == _checksums(source.uploads)


def test_a_database_password_never_reaches_a_command_line() -> None:
    """Command lines are readable by every user of the machine (ps): libpq's tools get the
    password in their environment."""
    engine = create_engine("postgresql+psycopg://ticketing:s3cret-pw@db.example.cn:5432/ticketing")
    assert "s3cret-pw" not in services.pg_url(engine)
    assert services.pg_url(engine) == "postgresql://ticketing@db.example.cn:5432/ticketing"
    assert services.pg_env(engine)["PGPASSWORD"] == "s3cret-pw"
    engine.dispose()


def test_a_link_or_an_unlisted_file_in_an_archive_is_refused(
    source: Instance, tmp_path: Path
) -> None:
    assert source.cli("backup", "--to", str(tmp_path)).exit_code == 0
    archive = _archive(tmp_path)
    linked = archive.with_name("linked-" + archive.name)
    with tarfile.open(archive, "r:gz") as old, tarfile.open(linked, "w:gz") as new:
        for member in old.getmembers():
            new.addfile(member, old.extractfile(member) if member.isfile() else None)
        link = tarfile.TarInfo("uploads/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        new.addfile(link)
    with pytest.raises(services.BackupError, match="other than files"):
        services.unpack(linked, tmp_path / "linked")
    unlisted = _rewrite(archive, lambda _name, data: data, {"uploads/extra.txt": b"extra"})
    with pytest.raises(services.BackupError, match="not the ones its manifest lists"):
        services.unpack(unlisted, tmp_path / "unlisted")
