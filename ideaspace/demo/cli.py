"""`ideaspace demo`: load the Kokkola demo once; running it again changes nothing."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the Kokkola demo organisation, people and workspaces (idempotent)."""
    from ..extensions import db
    from .loader import PASSWORD, SIGN_INS, load_demo

    result = load_demo()
    db.session.commit()
    if result.changed:
        click.echo(f"Demo loaded: {', '.join(result.created)}.")
    else:
        click.echo("The demo is already loaded; nothing changed.")
    click.echo(
        f"\nOpen {current_app.config.get('PUBLIC_URL', 'http://127.0.0.1:5000')} and sign in with "
        f"password {PASSWORD!r} as:"
    )
    for email, who in SIGN_INS:
        click.echo(f"  {email:<34} {who}")
