"""Who is told what: preferences, and notifications written in the transaction of what caused them.

A notification names no actor, ever: nobody learns who replied or commented from a mail, so an
anonymous contribution (which has no author to begin with) and a named one read alike. Anonymous
comments are sealed into the ballot box and notify nobody, neither when accepted (that moment is
the author's) nor when published (decided: a published batch carries no author to leave out, but
mailing its parents' authors at publication would still say when a batch landed; the thread shows
the reply)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Comment, Idea, MailOptOut, Notification, NotificationSetting, User, Workspace, utcnow
from ..models.notification import DIGEST, FREQUENCIES, MODES, NOW, OFF, WEEKLY  # noqa: F401
from ..outbox import service as outbox

KINDS = ("reply", "idea_comment", "idea_decision")
NOTIFICATION = "notification"  # the outbox kind of an immediate notification


def settings_of(user: User) -> NotificationSetting:
    """The person's settings, the defaults when they never chose (not added to the session)."""
    found = db.session.get(NotificationSetting, user.id)
    if found is not None:
        return found
    return NotificationSetting(user_id=user.id, reply=NOW, idea_comment=NOW, idea_decision=NOW, digest=WEEKLY)


def save_settings(user: User, *, digest: str, **modes: str) -> NotificationSetting:
    """Store the person's choices; choosing again also undoes a one-click "no more mail"."""
    if digest not in FREQUENCIES or set(modes) != set(KINDS) or not set(modes.values()) <= set(MODES):
        raise ValueError("bad notification settings")
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    for name, mode in modes.items():
        setattr(setting, name, mode)
    setting.digest = digest
    setting.mail_off_at = None
    db.session.flush()
    return setting


def mode_for(user: User, kind: str) -> str:
    return getattr(settings_of(user), kind)


def wants_mail(user_id: int, workspace_id: int | None) -> bool:
    """False when the person turned all mail off, or this workspace's mail."""
    setting = db.session.get(NotificationSetting, user_id)
    if setting is not None and setting.mail_off_at is not None:
        return False
    if workspace_id is None:
        return True
    return db.session.get(MailOptOut, (user_id, workspace_id)) is None


def notify(recipient: User | None, actor: User | None, workspace: Workspace, kind: str, about: dict) -> str:
    """Tell the recipient now (the outbox) or in the digest, as they chose; what was done."""
    if recipient is None or (actor is not None and recipient.id == actor.id):
        return OFF
    if recipient.erased_at is not None or not recipient.is_active_account or not recipient.email:
        return OFF
    mode = mode_for(recipient, kind)
    if mode == NOW:
        outbox.enqueue(
            NOTIFICATION,
            user=recipient,
            about={"kind": kind, **about},
            workspace_id=workspace.id,
        )
    elif mode == DIGEST:
        add_to_digest(recipient, workspace, kind, about)
    return mode


def add_to_digest(recipient: User, workspace: Workspace, kind: str, about: dict) -> None:
    db.session.add(
        Notification(
            user_id=recipient.id, workspace_id=workspace.id, kind=kind, about=about, created_at=utcnow()
        )
    )
    db.session.flush()


def comment_posted(
    actor: User, workspace: Workspace, comment: Comment, parent: Comment | None, target
) -> None:
    """A named comment was published: tell the parent's author, and the idea's author."""
    about = {"comment_id": comment.id}
    told: set[int] = set()
    if parent is not None and parent.author_id is not None:
        author = db.session.get(User, parent.author_id)
        notify(author, actor, workspace, "reply", about)
        told.add(parent.author_id)
    if isinstance(target, Idea) and target.author_id is not None and target.author_id not in told:
        notify(db.session.get(User, target.author_id), actor, workspace, "idea_comment", about)


def pending_for(user_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.digested_at.is_(None))
            .order_by(Notification.id)
        )
    )
