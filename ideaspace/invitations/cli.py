"""`ideaspace invite SLUG (--unit PATH | --email E ...)`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..extensions import db
from ..models import User, Workspace
from . import service


@click.command("invite")
@with_appcontext
@click.argument("slug")
@click.option(
    "--unit", "units", multiple=True, help='A unit path, e.g. "Sivistyspalvelut / Varhaiskasvatus".'
)
@click.option("--email", "emails", multiple=True, help="A person's email address.")
@click.option("--no-subunits", is_flag=True, help="Only the units named, not their sub-units.")
@click.option("--by", "by_email", help="The moderator named as the inviter.")
def invite_command(
    slug: str, units: tuple[str, ...], emails: tuple[str, ...], no_subunits: bool, by_email: str | None
) -> None:
    """Invite people, or whole units, to a workspace and email them their sign-in links."""
    if not units and not emails:
        raise click.UsageError("Give at least one --unit or --email.")
    workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise click.ClickException(f"No workspace {slug!r}.")
    actor = None
    if by_email:
        actor = db.session.scalar(select(User).where(func.lower(User.email) == by_email.lower()))
        if actor is None:
            raise click.ClickException(f"No person with the email {by_email}.")
    unit_ids = []
    for path in units:
        unit = service.find_unit(path)
        if unit is None:
            raise click.ClickException(f"No unit {path!r}.")
        unit_ids.append(unit.id)
    users, unknown = service.people_to_invite(unit_ids, not no_subunits, list(emails))
    if unknown:
        raise click.ClickException("Nobody has these addresses: " + ", ".join(unknown))
    outcome = service.invite(actor, workspace, users)
    db.session.commit()
    click.echo(
        f"Invited {len(outcome.sent)}; already invited {len(outcome.already)}. "
        "The mail is sent by `ideaspace worker`."
    )
