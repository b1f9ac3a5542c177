"""`ideaspace publish`: publish every full pool of the ballot box (for cron; requests do it too)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import service


@click.command("publish")
@with_appcontext
def publish_command() -> None:
    """Publish the anonymous contributions of every pool that holds at least k people."""
    count = service.publish_all()
    click.echo(f"Published {count} anonymous contributions.")
