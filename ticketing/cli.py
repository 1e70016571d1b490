"""Flask commands: migrate, demo data, create an administrator. Each commits once, through
the same write boundary as the pages."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ticketing import db, demo, writes
from ticketing.accounts.models import Role, User
from ticketing.accounts.services import create_account
from ticketing.audit import services as audit
from ticketing.backup import commands as backup_commands
from ticketing.config import asset_dir
from ticketing.errors import DomainError
from ticketing.health import deploy
from ticketing.imports import columns as import_columns
from ticketing.imports import exports as import_exports
from ticketing.imports import reader as import_reader
from ticketing.imports.checks import Report
from ticketing.imports.services import import_table
from ticketing.records import tallies as work_records
from ticketing.reports import tallies
from ticketing.routing import profiles
from ticketing.search import index as search_index

T = TypeVar("T")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(asset_dir("migrations")))
    config.set_main_option(
        "sqlalchemy.url", (url or current_app.config["DATABASE_URL"]).replace("%", "%%")
    )
    return config


def register(app: Flask) -> None:
    app.cli.add_command(migrate)
    app.cli.add_command(db_status)
    app.cli.add_command(check_deploy)
    app.cli.add_command(load_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(rebuild_tallies)
    app.cli.add_command(reindex_search)
    app.cli.add_command(rebuild_routing)
    app.cli.add_command(import_file)
    app.cli.add_command(export_file)
    app.cli.add_command(audit_group)
    app.cli.add_command(backup_commands.backup)
    app.cli.add_command(backup_commands.restore)


# revisions whose new figures are counted from the data already there: 0008 the fact, reach
# and work-record tallies, 0009 the medians' histogram and each university's returns
TALLY_REVISIONS = ("0008", "0009")


@click.command("migrate")
@with_appcontext
def migrate() -> None:
    """Bring the database schema up to date (alembic upgrade head) and say what was done."""
    config = alembic_config()
    before = current_revision()
    command.upgrade(config, "head")
    after = current_revision()
    click.echo(migrate_report(before, after))
    if (
        before is not None
        and after is not None
        and any(before < revision <= after for revision in TALLY_REVISIONS)
    ):
        # the figures that revision adds are counted from the tickets already there
        _run(tallies.rebuild)
        _run(work_records.rebuild)
        click.echo("The dashboard's tallies are recomputed for the new figures.")


@click.command("db-status")
@with_appcontext
def db_status() -> None:
    """Say which migration the database is at and which are still to run (exit 1 if any)."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    current = current_revision()
    click.echo(f"database: {current or 'empty'}; newest migration: {head}")
    if current == head:
        click.echo("Up to date.")
        return
    waiting = [
        rev for rev in script.iterate_revisions(head, current or "base") if rev.revision != current
    ]
    for rev in reversed(waiting):
        click.echo(f"  to run: {rev.revision}  {(rev.doc or '').splitlines()[0]}")
    click.echo("Run `flask migrate` to bring it up to date.")
    sys.exit(1)


@click.command("check-deploy")
@with_appcontext
def check_deploy() -> None:
    """Refuse settings a production site must not run with, and say how to fix each."""
    found = deploy.findings(current_app._get_current_object())  # type: ignore[attr-defined]
    if not found:
        click.echo("Ready for production: no problem found.")
        return
    for finding in found:
        click.echo(f"✗ {finding.problem}\n    fix: {finding.fix}")
    click.echo(f"{len(found)} problems to fix before production.")
    sys.exit(1)


def current_revision() -> str | None:
    """The revision the database is at; None for a database without the schema."""
    with db.state().engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate_report(before: str | None, after: str | None) -> str:
    if before == after:
        return f"The database is already up to date (revision {after})."
    if before is None:
        return f"Created the database at revision {after}."
    return f"Upgraded the database from revision {before} to {after}."


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Load even if the database already has users.")
@click.option(
    "--reset",
    is_flag=True,
    help="Empty the database first (every table, every ticket and account), then load.",
)
@click.option(
    "--url",
    default=demo.DEMO_URL,
    show_default=True,
    help="The address the logins are printed with (make run passes its PORT).",
)
@click.option(
    "--world",
    "world_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Load this world file (TOML, see docs/demo.md) instead of the built-in Changzhi one.",
)
def load_demo(force: bool, reset: bool, url: str, world_file: Path | None) -> None:
    """Load a demo world (default: the Changzhi zone) into an empty database and print the logins.

    The world file is checked whole before anything is written; what is wrong is listed.
    With --reset the database is emptied first (the schema is taken down and rebuilt)."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("Demo data is refused in production.")
    try:
        world = demo.read_world(world_file)
        if reset:
            db.session.rollback()
            db.session.close()
            config = alembic_config()
            command.downgrade(config, "base")
            command.upgrade(config, "head")
            current_app.extensions.pop("ticketing.zone_name", None)
            click.echo(f"The database is emptied and rebuilt at revision {current_revision()}.")
        has_users = db.session.scalar(select(func.count(User.id))) or 0
        if has_users and not force:
            click.echo("The database already has data; demo data not loaded.")
        else:
            click.echo(_run(lambda: demo.load(world)))
    except demo.WorldError as error:
        raise click.ClickException(str(error)) from None
    click.echo(demo.logins_text(world, url))


@click.command("create-admin")
@with_appcontext
@click.argument("login")
@click.option("--name", default=None, help="Display name (defaults to the login).")
def create_admin(login: str, name: str | None) -> None:
    """Create a zone administrator; asks for the password."""
    password = getpass.getpass("Password: ")
    _run(
        lambda: create_account(
            login=login, name=name or login, password=password, roles=[Role.ADMIN]
        )
    )
    click.echo(f"Administrator {login} created.")


@click.command("rebuild-tallies")
@with_appcontext
def rebuild_tallies() -> None:
    """Recompute the dashboard's tallies from the tickets and their history."""
    _run(tallies.rebuild)
    _run(work_records.rebuild)
    click.echo("The dashboard's tallies are recomputed.")


@click.command("reindex-search")
@with_appcontext
def reindex_search() -> None:
    """Index every ticket's words again (after a bulk import or a restore)."""
    count = _run(search_index.rebuild)
    click.echo(f"{count} tickets indexed for search.")


@click.command("rebuild-routing")
@with_appcontext
def rebuild_routing() -> None:
    """Recompute the experts' profiles for routing suggestions from the solved tickets."""
    count = _run(profiles.rebuild)
    click.echo(f"Routing profiles recomputed for {count} experts.")


ENTITY = click.Choice(list(import_columns.ENTITIES))


@click.command("import")
@with_appcontext
@click.argument("entity", type=ENTITY)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@click.option("--only-good", is_flag=True, help="Import the good rows even if some are bad.")
@click.option("--admin", "admin_login", help="The administrator named as the importer.")
def import_file(
    entity: str, file: Path, dry_run: bool, only_good: bool, admin_login: str | None
) -> None:
    """Import enterprises, universities, users or tickets from an .xlsx or .csv FILE.

    Every row is checked first; the bad ones are listed with their row and column. Nothing is
    written unless every row is good or --only-good is given. People get one-time passwords,
    printed once here, which they must change at their first sign-in."""
    admin = _importer(admin_login)
    try:
        table = import_reader.read(entity, file.name, file.read_bytes())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    steps = len(table.rows) * (1 if dry_run else 2)
    with click.progressbar(length=steps, label="Checking and importing", file=sys.stderr) as bar:
        report = _run(
            lambda: import_table(
                table, admin, dry_run=dry_run, only_good=only_good, progress=bar.update
            )
        )
    _print_report(report, dry_run)
    if report.problems and (dry_run or not only_good):
        raise SystemExit(1)


def _importer(login: str | None) -> User:
    query = select(User).where(User.active.is_(True)).order_by(User.id)
    if login:
        query = query.where(func.lower(User.login) == login.lower())
    admin = next((u for u in db.session.scalars(query) if u.has_role(Role.ADMIN)), None)
    if admin is None:
        raise click.ClickException(
            "No active administrator found: create one or name one with --admin."
        )
    return admin


def _print_report(report: Report, dry_run: bool) -> None:
    for problem in report.problems:
        click.echo(f"row {problem.row}, {problem.column or '-'}: {problem.message}")
    bad = len({p.row for p in report.problems})
    click.echo(f"{report.rows} rows: {len(report.good)} good, {bad} bad.")
    if dry_run:
        click.echo("Dry run: nothing written.")
    elif report.written:
        click.echo(f"{report.written} rows imported.")
    else:
        click.echo("Nothing imported: correct the bad rows, or use --only-good.")
    if report.passwords:
        click.echo("One-time passwords (shown once; each person must change it at first sign-in):")
        for login, name, password in report.passwords:
            click.echo(f"{login}\t{name}\t{password}")


@click.command("export")
@with_appcontext
@click.argument("entity", type=ENTITY)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "gb18030"]),
    default="utf-8",
    show_default=True,
    help="For a .csv FILE: UTF-8 with a byte-order mark, or GB18030.",
)
def export_file(entity: str, file: Path, encoding: str) -> None:
    """Export every enterprise, university, user or ticket to FILE (.xlsx or .csv), in the
    columns the import reads."""
    suffix = file.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise click.ClickException("Name an .xlsx or .csv file.")
    form = "xlsx" if suffix == ".xlsx" else ("csv-gb18030" if encoding == "gb18030" else "csv")
    _name, data = import_exports.export(entity, form, None)
    file.write_bytes(data)
    db.session.rollback()
    click.echo(f"Exported {entity} to {file}.")


@click.group("audit")
def audit_group() -> None:
    """The security log."""


@audit_group.command("prune")
@with_appcontext
@click.option(
    "--days",
    type=int,
    default=None,
    help="Keep the events of this many days (at least 180; default: AUDIT_KEEP_DAYS).",
)
def prune_audit(days: int | None) -> None:
    """Delete the security events older than the days kept, and say how many."""
    keep = current_app.config["AUDIT_KEEP_DAYS"] if days is None else days
    count = _run(lambda: audit.prune(keep))
    click.echo(f"{count} security events older than {keep} days deleted.")


def _run(work: Callable[[], T]) -> T:
    """The write boundary for a command: commit once, or say what is wrong and exit 1."""
    try:
        return writes.run(work)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
