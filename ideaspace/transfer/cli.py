"""`ideaspace import-workspace FILE.json` and `ideaspace export-workspace SLUG [-o FILE]`."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select


@click.command("import-workspace")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def import_workspace_command(file) -> None:
    """Create a workspace (and any missing units and people) from a workspace JSON file."""
    from ..extensions import db
    from . import TransferError, import_workspace

    warnings: list[str] = []
    try:
        # No name kept for the parsed file: import_workspace lets it go once it is validated.
        workspace = import_workspace(_read_json(file), warnings=warnings)
    except TransferError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Imported workspace {workspace.slug!r} with {len(workspace.themes)} themes.")


def _read_json(file):
    try:
        return json.loads(file.read().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file.name} is not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise click.ClickException(
            f"{file.name} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:  # the parser recurses once per level: 200,000 "[" exhaust it
        raise click.ClickException(
            f"{file.name} nests too deeply to be read; a workspace document nests about 11 levels"
        ) from None


@click.command("export-workspace")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write to this file instead of standard output.",
)
@click.option(
    "--backup",
    is_flag=True,
    help="The admin's backup: everything the database holds, the pending pool included "
    "(as safe as the database itself; without it, the moderator's export).",
)
@with_appcontext
def export_workspace_command(slug: str, output, backup: bool) -> None:
    """Print a workspace as workspace JSON: the moderator's export, or with --backup the admin's backup."""
    from ..extensions import db
    from ..models import Workspace
    from . import stream_workspace

    workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise click.ClickException(f"No workspace with the address {slug!r}.")
    for chunk in stream_workspace(workspace, backup=backup):  # never the whole document in memory
        output.write(chunk)
    if output.name != "<stdout>":
        click.echo(f"Wrote {slug!r} to {output.name}.", err=True)
