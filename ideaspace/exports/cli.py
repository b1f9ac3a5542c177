"""`ideaspace export SLUG --format docx|xlsx|csv|md|html|json -o FILE [--lang fi] [--version N]`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..inputs import MAX_ID
from ..models import LANGUAGES
from . import FORMATS


@click.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True, help="The file format.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="Write to this file (default: standard output).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="The document's language (default: the workspace's primary language).",
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1, max=MAX_ID),
    default=None,
    help="A published version (default: the live draft).",
)
@with_appcontext
def export_command(slug: str, fmt: str, output: str, lang: str | None, version: int | None) -> None:
    """Export a workspace's programme as DOCX, XLSX, CSV, Markdown or printable HTML, or the whole
    workspace as JSON (the same document as export-workspace, for `ideaspace import`)."""
    from ..extensions import db
    from ..models import Workspace
    from .service import ExportError, export

    workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise click.ClickException(f"No workspace with the address {slug!r}.")
    try:
        result = export(None, workspace, fmt, lang or workspace.primary_language, version)
    except ExportError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()  # the audit entry
    with click.open_file(output, "wb") as stream:
        for chunk in [result.data] if isinstance(result.data, bytes) else result.data:
            stream.write(chunk)
    if output != "-":
        click.echo(f"Wrote {fmt} of {slug!r} to {output}.", err=True)
