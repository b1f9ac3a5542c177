"""The invitation and reminder emails, each in its recipient's language, rendered by the outbox's
worker when it sends them (with a sign-in link issued then)."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from .. import mail, outbox
from ..extensions import db
from ..i18n import localize, localize_markup
from ..models import LANGUAGES, Membership, OutboxMessage, User, Workspace
from ..notifications import mailtexts
from ..sanitize import html_to_text

INVITATION = "invitation"
NOT_VISITED = "not_visited"
NOT_CONTRIBUTED = "not_contributed"


def language_for(user: User, workspace: Workspace) -> str:
    """The person's own language, else the workspace's primary one."""
    if user.locale in LANGUAGES:
        return user.locale
    return workspace.primary_language if workspace.primary_language in LANGUAGES else "fi"


def render(
    kind: str,
    *,
    name: str,
    workspace: Workspace,
    link: str,
    language: str,
    inviter: str | None = None,
    own_text: str | None = None,
) -> tuple[str, str, str]:
    """(subject, text, html) of one message in the given language; `own_text` previews a text not
    saved yet instead of the workspace's stored one."""
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
            "workspace_url": outbox.shared(
                ("workspace_url", workspace.slug),
                lambda: mail.public_url("workspaces.workspace", slug=workspace.slug),
            ),
            "login_url": outbox.shared(("login_url",), lambda: mail.public_url("auth.request_link")),
            "hours": current_app.config["SIGNIN_LINK_HOURS"],
            "closes_on": format_date(workspace.closes_on, "long") if workspace.closes_on else "",
            "inviter": inviter,
            "language": language,
        }
        # The workspace's own text for this mail and language, if its moderators wrote one.
        if own_text is None:
            key = ("mail_text", workspace.id, kind, language)
            own = outbox.shared(key, lambda: mailtexts.get(workspace.id, kind, language))
        else:
            own = own_text
        if own:
            own = mailtexts.fill(
                own, {"name": name, "workspace": title, "closes_on": context["closes_on"]}
            )
        context["own_text"] = own or ""
        context["own_paragraphs"] = mailtexts.paragraphs(own) if own else []
        context["introduction_text"], context["introduction"] = outbox.shared(
            ("introduction", workspace.id, language),
            lambda: (
                html_to_text(localize(workspace.introduction, workspace.primary_language, language)),
                localize_markup(workspace.introduction, workspace.primary_language, rich=True),
            ),
        )
        template = "invitation" if kind == INVITATION else "reminder"
        text = env.get_template(f"mail/{template}.txt").render(**context)
        html = env.get_template(f"mail/{template}.html").render(subject=subject, **context)
    return subject, text, html


@outbox.kind(INVITATION)
def render_invitation(message: OutboxMessage) -> outbox.Mail | None:
    return _render(INVITATION, message)


@outbox.kind("reminder")
def render_reminder(message: OutboxMessage) -> outbox.Mail | None:
    audience = (message.about or {}).get("audience")
    return _render(audience, message) if audience in (NOT_VISITED, NOT_CONTRIBUTED) else None


def _render(kind: str, message: OutboxMessage) -> outbox.Mail | None:
    """The message with a new sign-in link; None when the person is gone or no longer invited."""
    from .tokens import issue_token

    about = message.about or {}
    row = db.session.execute(
        select(User, Workspace, Membership)
        .join(Membership, Membership.user_id == User.id)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(User.id == message.user_id, Workspace.id == about.get("workspace_id"))
    ).first()
    if row is None:
        return None
    user, workspace, membership = row
    if not user.is_active or not user.email or membership.invited_at is None:
        return None
    inviter = db.session.get(User, about["inviter_id"]) if about.get("inviter_id") else None
    raw, _token = issue_token(user, workspace)
    link = mail.public_url("invitations.signin", token=raw)
    subject, text, html = render(
        kind,
        name=user.name,
        workspace=workspace,
        link=link,
        language=message.language,
        inviter=inviter.name if inviter is not None else None,
    )
    return outbox.Mail(to=user.email, subject=subject, text=text, html=html)
