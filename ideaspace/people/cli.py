"""`ideaspace import-users FILE.csv [--dry-run]`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import service


@click.command("import-users")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_users_command(file, dry_run: bool) -> None:
    """Import people and units from a CSV file (name, email, unit, role, language)."""
    rows, errors = service.parse_csv(file.read())
    with click.progressbar(length=len(rows), label="Checking", file=sys.stderr) as bar:
        plan = service.plan_import(rows, progress=bar.update)
    errors = sorted(errors + plan.errors, key=lambda e: e.row or 0)
    if errors:
        for error in errors:
            click.echo(
                f"row {error.row}: {error.message}" if error.row else f"file: {error.message}", err=True
            )
        raise click.ClickException(f"{len(errors)} errors; nothing was imported.")
    for path in plan.new_units:
        click.echo(f"new unit: {' / '.join(path)}")
    for change in plan.changes:
        if change.action == "unchanged":
            continue
        details = "; ".join(
            f"{key}: {old} → {new}" if change.action == "update" else f"{key}: {new}"
            for key, (old, new) in change.fields.items()
            if old or new
        )
        click.echo(f"row {change.row}: {change.action} {change.email} ({details})")
    summary = (
        f"{plan.created} to create, {plan.updated} to update, {plan.unchanged} unchanged, "
        f"{len(plan.new_units)} new units"
    )
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {summary}. Nothing was written.")
        return
    with click.progressbar(length=len(plan.changes), label="Importing", file=sys.stderr) as bar:
        service.apply_import(plan, None, progress=bar.update)
    db.session.commit()
    click.echo(f"Imported: {summary}.")
