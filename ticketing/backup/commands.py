"""`flask backup` and `flask restore` (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ticketing import db
from ticketing.backup import services
from ticketing.backup.services import BackupError


@click.command("backup")
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the archive (default: backups in the instance folder).",
)
@with_appcontext
def backup(folder: Path | None) -> None:
    """Write the database and every uploaded file into one checked archive."""
    target = folder or Path(current_app.instance_path) / "backups"
    try:
        made = services.make(db.state().engine, Path(current_app.config["UPLOAD_FOLDER"]), target)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Wrote {made.path} ({made.size:,} bytes): schema revision {made.revision}, "
        f"{made.rows:,} rows, {made.files:,} uploaded files."
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Overwrite this instance's database and uploaded files (they are lost).",
)
@with_appcontext
def restore(archive: Path, replace: bool) -> None:
    """Restore an archive of `flask backup` into this (empty) instance."""
    engine = db.state().engine
    try:
        manifest = services.restore(
            engine, Path(current_app.config["UPLOAD_FOLDER"]), archive, replace=replace
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(manifest["tables"].values())
    click.echo(
        f"Restored {archive.name}: made {manifest['created_at']}, schema revision "
        f"{manifest['revision']}, {rows:,} rows, {len(manifest['files']):,} uploaded files."
    )
    if manifest["revision"] != services.head():
        click.echo(
            "The backup comes from an older release: run `flask --app ticketing migrate` "
            "now to bring its schema up to this one."
        )
