"""`ideaspace stats SLUG --format json|csv`: the statistics page's numbers on the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from ..models import LANGUAGES


@click.command("stats")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of names and titles (default: the workspace's primary language).",
)
@with_appcontext
def stats_command(slug: str, fmt: str, language: str | None) -> None:
    """Print a workspace's participation statistics: funnel, themes, units and days."""
    from ..extensions import db
    from ..models import Workspace
    from . import exports
    from .service import workspace_statistics

    workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise click.ClickException(f"No workspace with the address {slug!r}.")
    language = language or workspace.primary_language
    stats = workspace_statistics(workspace)
    from ..workshops.screens import work_communities

    communities = work_communities(workspace)
    with force_locale(language):
        if fmt == "json":
            data = exports.to_json(stats, language, workspace.primary_language, communities)
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            text = exports.to_csv(stats, language, workspace.primary_language, communities=communities)
            click.echo(text, nl=False)
