"""Flask commands: migrate, demo data, create an administrator. Each commits once, through
the same write boundary as the pages."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ticketing import db, demo, writes
from ticketing.accounts.models import Role, User
from ticketing.accounts.services import create_account
from ticketing.config import asset_dir
from ticketing.errors import DomainError
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
    app.cli.add_command(load_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(rebuild_tallies)
    app.cli.add_command(reindex_search)
    app.cli.add_command(rebuild_routing)


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


def _run(work: Callable[[], T]) -> T:
    """The write boundary for a command: commit once, or say what is wrong and exit 1."""
    try:
        return writes.run(work)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
