"""The `ideaspace` command: set up, load the demo, manage people, move workspaces in and out as JSON."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select


def main() -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="IdeaSpace administration commands.")(prog_name="ideaspace")


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema through the migrations."""
    upgrade()
    click.echo("Database is up to date.")


def _email(_ctx, _param, value: str) -> str:
    from .people.service import EMAIL_RE

    value = (value or "").strip().lower()
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise click.BadParameter(f"{value[:80]!r} is not an email address.")
    return value


def _name(_ctx, _param, value: str) -> str:
    from .sanitize import clean_line

    value = clean_line(value)
    if not value or len(value) > 200:
        raise click.BadParameter("give a name of 1 to 200 characters.")
    return value


def _password(_ctx, _param, value: str) -> str:
    from .admin.forms import PASSWORD_MIN

    if len(value or "") < PASSWORD_MIN:
        raise click.BadParameter(f"use at least {PASSWORD_MIN} characters.")
    return value


@click.command("create-admin")
@click.option("--email", prompt=True, callback=_email)
@click.option("--name", prompt=True, callback=_name)
@click.password_option(callback=_password)
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator, or make an existing user one and set their password."""
    from .extensions import db
    from .models import Role, User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        user = User(email=email.lower(), name=name)
        db.session.add(user)
    user.role = Role.ADMIN
    user.set_password(password)
    db.session.commit()
    click.echo(f"Administrator {email} is ready.")


def register_commands(app: Flask) -> None:
    """Register every command; a feature with commands keeps them in its own `cli.py`."""
    from .ballot.cli import publish_command
    from .demo.cli import demo_command
    from .exports.cli import export_command
    from .invitations.cli import invite_command
    from .notifications.cli import digest_command
    from .outbox.cli import worker_command
    from .people.cli import import_users_command
    from .stats.cli import stats_command
    from .text.cli import doctor_command, reindex_command
    from .transfer.cli import export_workspace_command, import_workspace_command

    for command in (
        init_db_command,
        create_admin_command,
        demo_command,
        import_workspace_command,
        export_workspace_command,
        export_command,
        import_users_command,
        invite_command,
        stats_command,
        publish_command,
        worker_command,
        digest_command,
        doctor_command,
        reindex_command,
    ):
        app.cli.add_command(command)
    app.cli.add_command(import_workspace_command, "import")  # `ideaspace import FILE.json`
    for command in (app.cli, *app.cli.commands.values()):
        _refuse_nul(command)


def _refuse_nul(command: click.Command) -> None:
    """A NUL in an argument is a usage error (exit 2), before click opens a file with it (ValueError:
    embedded null byte) or a query sends it to PostgreSQL, which refuses NUL in text."""
    if getattr(command, "_refuses_nul", False):
        return
    parse_args = command.parse_args

    def checked(ctx: click.Context, args: list[str]) -> list[str]:
        if any("\x00" in arg for arg in args):
            raise click.UsageError("An argument contains a NUL character.", ctx)
        return parse_args(ctx, args)

    command.parse_args = checked
    command._refuses_nul = True
