"""The `ideaspace` command: set up, load the demo, manage people, move workspaces in and out as JSON."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask_migrate import upgrade
from sqlalchemy import func, select


def main() -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="IdeaSpace administration commands.")(prog_name="ideaspace")


def register_commands(app: Flask) -> None:
    """Register every command; features with commands of their own add one line each here."""
    from .stats.cli import stats_command

    app.cli.add_command(stats_command)
    from .demo.cli import demo_command
    from .transfer.cli import export_workspace_command, import_workspace_command

    app.cli.add_command(demo_command)
    app.cli.add_command(import_workspace_command)
    app.cli.add_command(export_workspace_command)
    from .exports.cli import export_command

    app.cli.add_command(export_command)
    app.cli.add_command(import_workspace_command, "import")  # `ideaspace import FILE.json`

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema through the migrations."""
        upgrade()
        click.echo("Database is up to date.")

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
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

    from .invitations.cli import register as register_invitations
    from .people.cli import register as register_people

    register_people(app)
    register_invitations(app)
