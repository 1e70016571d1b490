"""Backups of one instance (its database and its uploaded files) in one archive, and the
restore of such an archive into an empty instance.

The archive is a .tar.gz with `manifest.json`, the database (`database.sqlite`, a copy made
with SQLite's online backup API, or `database.dump`, PostgreSQL's `pg_dump -Fc` taken in the
snapshot the rows were counted in) and `uploads/…`, every file of UPLOAD_FOLDER. The manifest
holds the schema revision, each table's row count and the SHA-256 of the database and of
every file; a restore checks all of them before it changes anything, and refuses an archive
made by a release newer than this one (its revision is not among this code's migrations).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, inspect, text

from ticketing.config import asset_dir

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.dump"
UPLOADS = "uploads"
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Made:
    path: Path
    revision: str
    rows: int
    files: int
    size: int


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def app_version() -> str:
    try:
        return version("ticketing")
    except PackageNotFoundError:
        return "unknown"


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(asset_dir("migrations")))


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str | None:
    return _scripts().get_current_head()


def known_revision(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def pg_url(engine: Engine) -> str:
    """The URL as libpq's tools take it (no SQLAlchemy driver name), without the password:
    a command line is readable by every user of the machine (ps); see pg_env."""
    bare = engine.url.set(drivername="postgresql")._replace(password=None)
    return bare.render_as_string(hide_password=False)


def pg_env(engine: Engine) -> dict[str, str]:
    """The environment for libpq's tools: the password goes there, not on the command line."""
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    return env


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise BackupError(
            f"{tool} is not installed: apt-get install postgresql-client (see docs/backup.md)"
        )
    return found


def _run_tool(command: list[str], failed: str, env: dict[str, str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise BackupError(f"{failed}: {done.stderr.strip()[:500]}")


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


# --- making a backup -----------------------------------------------------------------------


def _sqlite_copy(engine: Engine, into: Path) -> dict[str, int]:
    """A consistent copy through the online backup API, and the row counts of that copy."""
    source = sqlite3.connect(f"file:{sqlite_path(engine)}?mode=ro", uri=True)
    target = sqlite3.connect(into)
    try:
        source.backup(target)
    finally:
        source.close()
    try:
        names = [
            row[0]
            for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
        }
    finally:
        target.close()


def _pg_dump(engine: Engine, into: Path) -> dict[str, int]:
    """pg_dump in the snapshot the rows are counted in: the counts are the dump's."""
    tool = _need("pg_dump")
    with engine.connect() as connection:
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        names = sorted(inspect(connection).get_table_names())
        counts = {
            name: int(connection.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0)
            for name in names
        }
        _run_tool(
            [tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             f"--file={into}", f"--dbname={pg_url(engine)}"],
            "pg_dump failed",
            pg_env(engine),
        )  # fmt: skip
        connection.rollback()
    return counts


def make(engine: Engine, upload_folder: Path, to: Path, now: datetime | None = None) -> Made:
    """Write a backup archive into the folder `to` and return what it holds."""
    revision = revision_of(engine)
    if revision is None:
        raise BackupError("the database has no schema yet: nothing to back up")
    moment = now or datetime.now(UTC)
    to.mkdir(parents=True, exist_ok=True)
    name = f"ticketing-backup-{moment:%Y%m%dT%H%M%SZ}-{revision}.tar.gz"
    with tempfile.TemporaryDirectory(dir=to, prefix=".backup-") as work:
        if engine.dialect.name == "sqlite":
            database, kind = Path(work) / SQLITE_FILE, "sqlite"
            counts = _sqlite_copy(engine, database)
        elif engine.dialect.name == "postgresql":
            database, kind = Path(work) / PG_FILE, "postgresql"
            counts = _pg_dump(engine, database)
        else:
            raise BackupError(f"no backup for the {engine.dialect.name} database")
        files = _files(upload_folder)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": moment.isoformat(),
            "app_version": app_version(),
            "revision": revision,
            "database": {"kind": kind, "file": database.name, "sha256": sha256(database)},
            "tables": counts,
            "files": {
                relative: {"sha256": sha256(path), "size": path.stat().st_size}
                for relative, path in files.items()
            },
        }
        partial = Path(work) / (name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(moment.timestamp()), 0o600
            archive.addfile(info, io.BytesIO(body))
            archive.add(database, arcname=database.name, recursive=False)
            for relative, path in files.items():
                archive.add(path, arcname=f"{UPLOADS}/{relative}", recursive=False)
        partial.chmod(0o600)
        final = to / name
        os.replace(partial, final)  # a half-written archive never has the final name
    return Made(final, revision, sum(counts.values()), len(files), final.stat().st_size)


# --- reading and checking an archive ---------------------------------------------------------


def _safe_member(member: tarfile.TarInfo) -> None:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"the archive holds a path outside its folder: {member.name!r}")
    if not (member.isfile() or member.isdir()):
        raise BackupError(f"the archive holds something other than files: {member.name!r}")
    top = path.parts[0]
    if top not in {MANIFEST, SQLITE_FILE, PG_FILE, UPLOADS}:
        raise BackupError(f"the archive holds an unexpected entry: {member.name!r}")


def unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Extract the archive into `into` and check it whole; return its manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                _safe_member(member)
            tar.extractall(into, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable backup archive: {error}") from error
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{archive} has no readable manifest.json") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is in backup format {manifest.get('format')!r}, not {FORMAT}")
    database = into / manifest["database"]["file"]
    if not database.is_file() or sha256(database) != manifest["database"]["sha256"]:
        raise BackupError("the database in the archive does not match its checksum: damaged")
    found = _files(into / UPLOADS)
    if set(found) != set(manifest["files"]):
        raise BackupError("the files in the archive are not the ones its manifest lists")
    for relative, path in found.items():
        if sha256(path) != manifest["files"][relative]["sha256"]:
            raise BackupError(f"the file {relative} does not match its checksum: damaged")
    revision = manifest["revision"]
    if not known_revision(revision):
        raise BackupError(
            f"the backup is at schema revision {revision}, which this release does not know: "
            "it was made by a newer release. Install that release (or a later one), then "
            "restore."
        )
    return manifest


# --- restoring --------------------------------------------------------------------------------


def holds_data(engine: Engine) -> bool:
    """True when the database has people or tickets (a restore would overwrite them)."""
    with engine.connect() as connection:
        schema = inspect(connection)
        for table in ("user", "ticket"):
            if schema.has_table(table) and connection.scalar(
                text(f'SELECT 1 FROM "{table}" LIMIT 1')
            ):
                return True
    return False


def restore(
    engine: Engine, upload_folder: Path, archive: Path, *, replace: bool = False
) -> dict[str, Any]:
    """Put the archive's database and files in place of this instance's; return the manifest.

    Everything is checked before anything changes. The database is replaced in one step (the
    SQLite backup API into the live file; pg_restore in a single transaction); the files are
    copied in after it, each under a temporary name renamed into place."""
    if holds_data(engine) and not replace:
        raise BackupError(
            "this instance already holds people or tickets: restore into an empty one, or "
            "add --replace to overwrite its database and its uploaded files"
        )
    upload_folder.mkdir(parents=True, exist_ok=True)
    # unpacked beside the archive (the backup folder has room for one), else in TMPDIR
    beside = archive.resolve().parent
    work_dir = beside if os.access(beside, os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=work_dir, prefix=".restore-") as work:
        manifest = unpack(archive, Path(work))
        kind = manifest["database"]["kind"]
        if kind != engine.dialect.name:
            raise BackupError(
                f"the archive holds a {kind} database; this instance uses {engine.dialect.name}"
            )
        engine.dispose()
        database = Path(work) / manifest["database"]["file"]
        if kind == "sqlite":
            _sqlite_restore(database, sqlite_path(engine))
        else:
            _pg_restore(engine, database)
        _put_files(Path(work) / UPLOADS, upload_folder, manifest["files"], replace=replace)
    return manifest


def _sqlite_restore(copy: Path, target: Path) -> None:
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)  # page by page, under the database's own lock
    finally:
        source.close()
        destination.close()


def _pg_restore(engine: Engine, dump: Path) -> None:
    """The dump as SQL (pg_restore), run by psql in one transaction after emptying the schema:
    it all happens or nothing does, and no table of the instance's newer schema is left."""
    restore_tool, psql = _need("pg_restore"), _need("psql")
    script = dump.with_suffix(".sql")
    with script.open("w") as handle:
        handle.write("DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        handle.flush()
        as_sql = subprocess.run(
            [restore_tool, "--no-owner", "--no-privileges", "--file=-", str(dump)],
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    if as_sql.returncode != 0:
        raise BackupError(f"pg_restore could not read the dump: {as_sql.stderr.strip()[:500]}")
    _run_tool(
        [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
         f"--file={script}", f"--dbname={pg_url(engine)}"],
        "the restore was undone",
        pg_env(engine),
    )  # fmt: skip


def _put_files(source: Path, folder: Path, listed: dict[str, Any], *, replace: bool) -> None:
    if replace:
        for relative, path in _files(folder).items():
            if relative not in listed:
                path.unlink()
    for relative in listed:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(source / relative, temporary)
        os.replace(temporary, target)
