"""Flask commands: migrate, demo data, create an administrator."""

from __future__ import annotations

import getpass

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from sqlalchemy import func, select

from ticketing import asset_dir, db


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(asset_dir("migrations")))
    config.set_main_option(
        "sqlalchemy.url", (url or current_app.config["DATABASE_URL"]).replace("%", "%%")
    )
    return config


def register(app: Flask) -> None:
    app.cli.add_command(migrate)
    app.cli.add_command(demo)
    app.cli.add_command(create_admin)


@click.command("migrate")
def migrate() -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    command.upgrade(alembic_config(), "head")
    click.echo("Database is up to date.")


@click.command("demo")
@click.option("--force", is_flag=True, help="Load even if the database already has users.")
def demo(force: bool) -> None:
    """Load the demo world (Changzhi zone) into an empty database and print the logins."""
    from ticketing import demo as demo_data
    from ticketing.accounts.models import User

    if current_app.config["ENV"] == "production":
        raise click.ClickException("Demo data is refused in production.")
    has_users = db.session.scalar(select(func.count(User.id))) or 0
    if has_users and not force:
        click.echo("The database already has data; demo data not loaded.")
    else:
        summary = demo_data.load()
        db.session.commit()
        click.echo(summary)
    click.echo(demo_data.logins_text())


@click.command("create-admin")
@click.argument("login")
@click.option("--name", default=None, help="Display name (defaults to the login).")
def create_admin(login: str, name: str | None) -> None:
    """Create a zone administrator; asks for the password."""
    from ticketing.accounts.models import RoleGrant, User
    from ticketing.accounts.services import check_password_rules, hash_password
    from ticketing.errors import RuleViolation

    password = getpass.getpass("Password: ")
    try:
        check_password_rules(password)
    except RuleViolation as violation:
        raise click.ClickException(str(violation.message)) from None
    if db.session.scalar(select(User.id).where(User.login == login)) is not None:
        raise click.ClickException(f"A user with login {login!r} exists already.")
    user = User(
        login=login,
        name=name or login,
        password_hash=hash_password(password),
        created_at=db.utcnow(),
    )
    user.grants = [RoleGrant(role="admin")]
    db.session.add(user)
    db.session.commit()
    click.echo(f"Administrator {login} created.")
