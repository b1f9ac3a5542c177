"""The invitation and reminder emails, each in its recipient's language."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from .. import mail
from ..i18n import localize
from ..models import LANGUAGES, User, Workspace

INVITATION = "invitation"
NOT_VISITED = "not_visited"
NOT_CONTRIBUTED = "not_contributed"


def language_for(user: User, workspace: Workspace) -> str:
    """The person's own language, else the workspace's primary one."""
    if user.locale in LANGUAGES:
        return user.locale
    return workspace.primary_language if workspace.primary_language in LANGUAGES else "fi"


def render(
    kind: str, *, name: str, workspace: Workspace, link: str, language: str, inviter: str | None = None
) -> tuple[str, str, str]:
    """(subject, text, html) of one message in the given language."""
    env = current_app.jinja_env
    with force_locale(language):
        title = localize(workspace.title, workspace.primary_language, language)
        if kind == INVITATION:
            subject = _("Invitation: %(workspace)s", workspace=title)
        else:
            subject = _("Reminder: %(workspace)s", workspace=title)
        context = {
            "kind": kind,
            "name": name,
            "workspace_title": title,
            "link": link,
            "workspace_url": mail.public_url("workspaces.workspace", slug=workspace.slug),
            "login_url": mail.public_url("auth.login"),
            "hours": current_app.config["SIGNIN_LINK_HOURS"],
            "closes_on": format_date(workspace.closes_on, "long") if workspace.closes_on else "",
            "inviter": inviter,
            "language": language,
        }
        template = "invitation" if kind == INVITATION else "reminder"
        text = env.get_template(f"mail/{template}.txt").render(**context)
        html = env.get_template(f"mail/{template}.html").render(subject=subject, **context)
    return subject, text, html


def compose(
    kind: str, user: User, workspace: Workspace, link: str, inviter: str | None = None
) -> EmailMessage:
    language = language_for(user, workspace)
    subject, text, html = render(
        kind, name=user.name, workspace=workspace, link=link, language=language, inviter=inviter
    )
    return mail.build(user.email, subject, text, html, language)
