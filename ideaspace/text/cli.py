"""`ideaspace doctor` (which language analysers are active, how complete the search index is) and
`ideaspace reindex [--workspace SLUG] [--missing]` (rebuild the search index from the content:
comments, notes, ideas, themes, measures and quotes)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Say which language analysers are active and whether the search index is complete."""
    from . import analysers
    from .index import coverage

    click.echo("Language analysis (ideaspace/text):")
    for lang, description in analysers.status().items():
        click.echo(f"  {lang}: {description}")
    if not analysers.voikko_available():
        click.echo(
            "  NOTE: without Voikko, Finnish search finds no base forms or compound parts."
            " Install it: `make voikko` as root (apt-get install libvoikko1 voikko-fi)."
        )
    engine, indexed, total = coverage()
    click.echo(
        f"Search index ({engine}): {indexed} of {total} comments, notes, ideas, themes, measures"
        " and quotes indexed."
    )
    if indexed != total:
        click.echo("  NOTE: the index is incomplete: run `ideaspace reindex`.")


@click.command("reindex")
@click.option("--workspace", "slug", default=None, help="Only this workspace (its address).")
@click.option("--missing", is_flag=True, help="Only add what the index lacks (fast when it is complete).")
@with_appcontext
def reindex_command(slug: str | None, missing: bool) -> None:
    """Rebuild the search index from the comments, notes, ideas, themes, measures and quotes."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Workspace
    from . import analysers
    from .index import reindex

    workspace = None
    if slug is not None:
        workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
        if workspace is None:
            raise click.ClickException(f"No workspace with the address {slug!r}.")
    started = time.perf_counter()
    counts = reindex(workspace, missing=missing)
    db.session.commit()
    click.echo(
        f"Indexed {counts['comment']} comments, {counts['note']} notes, {counts['idea']} ideas,"
        f" {counts['theme']} themes, {counts['measure']} measures and {counts['quote']} quotes"
        f" in {time.perf_counter() - started:.1f} s (Finnish: {analysers.finnish_analyser()})."
    )
