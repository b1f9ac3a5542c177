"""`ideaspace digest`: put the due digests into the outbox (run it from cron; the worker sends)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import digest


@click.command("digest")
@with_appcontext
@click.option(
    "--frequency",
    type=click.Choice(sorted(digest.PERIODS)),
    required=True,
    help="Whose digest: those who chose daily, or weekly.",
)
def digest_command(frequency: str) -> None:
    """Queue the digest of everyone whose daily or weekly digest is due."""
    queued = digest.enqueue_digests(frequency)
    db.session.commit()
    click.echo(f"Queued {queued} digests.")
