"""The notification mail, rendered by the outbox worker when it sends it, in the recipient's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from .. import mail, outbox
from ..extensions import db
from ..i18n import localize
from ..models import Activity, Comment, Idea, OutboxMessage, User, Workspace
from ..permissions import can_view_workspace
from ..sanitize import clean_line, html_to_text
from .service import NOTIFICATION

EXCERPT = 300


def comment_url(workspace: Workspace, comment: Comment) -> str:
    """Where the comment is shown, with its anchor (absolute, for mail)."""
    slug = workspace.slug
    if comment.idea_id:
        url = mail.public_url("ideas.idea", slug=slug, idea_id=comment.idea_id)
    elif comment.measure_id:
        url = mail.public_url("discussion.measure", slug=slug, measure_id=comment.measure_id)
    elif comment.theme_id:
        url = mail.public_url("workspaces.theme", slug=slug, theme_id=comment.theme_id)
    else:
        activity = db.session.get(Activity, comment.activity_id)
        url = mail.public_url("workspaces.theme", slug=slug, theme_id=activity.theme_id)
    return f"{url}#comment-{comment.id}"


def excerpt(comment: Comment) -> str:
    text = html_to_text(comment.body)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


@outbox.kind(NOTIFICATION)
def render_notification(message: OutboxMessage) -> outbox.Mail | None:
    """A reply to the person's comment, or a comment on their idea; nothing when it is gone (hidden,
    withdrawn) or the person may no longer see the workspace. It names nobody."""
    about = message.about or {}
    user = db.session.get(User, message.user_id or 0)
    comment = db.session.get(Comment, about.get("comment_id") or 0)
    if user is None or comment is None or comment.hidden_at or comment.withdrawn_at:
        return None
    if not user.is_active_account or user.erased_at is not None or not user.email:
        return None
    workspace = db.session.get(Workspace, comment.workspace_id)
    if not can_view_workspace(user, workspace):
        return None
    title = localize(workspace.title, workspace.primary_language, message.language)
    if about.get("kind") == "reply":
        subject = _("A new reply to your comment in “%(workspace)s”", workspace=title)
        lead = _("Someone replied to your comment in “%(workspace)s”:", workspace=title)
    elif about.get("kind") == "idea_comment" and comment.idea_id:
        idea_title = clean_line(db.session.get(Idea, comment.idea_id).title)
        subject = _("A new comment on your idea “%(title)s”", title=idea_title)
        lead = _(
            "Someone commented on your idea “%(title)s” in “%(workspace)s”:",
            title=idea_title,
            workspace=title,
        )
    else:
        return None
    context = {
        "language": message.language,
        "subject": subject,
        "name": user.name,
        "lead": lead,
        "excerpt": excerpt(comment),
        "url": comment_url(workspace, comment),
        "settings_url": mail.public_url("account.settings") + "#notifications",
    }
    env = current_app.jinja_env
    text = env.get_template("mail/notification.txt").render(**context)
    html = env.get_template("mail/notification.html").render(**context)
    return outbox.Mail(to=user.email, subject=subject, text=text, html=html)
