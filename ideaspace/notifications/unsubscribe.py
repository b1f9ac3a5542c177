"""One-click unsubscribe (RFC 8058): a signed token per person and scope, and the headers.

Scopes: "all" (every mail the person did not ask for), "notifications" (notifications and the
digest), "w<id>" (one workspace's mail: invitations, reminders, its notifications; the membership
stays). The token never expires: a mail read a year later still unsubscribes. It is bound to its
purpose by the salt, so no other signed value of the app passes for one."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .. import mail
from ..extensions import db
from ..models import MailOptOut, NotificationSetting, OutboxMessage, User, utcnow
from ..models.notification import OFF

SALT = "ideaspace.unsubscribe.v1"
ALL, NOTIFICATIONS = "all", "notifications"
# Mail the person asked for themselves: never suppressed, and its unsubscribe means "all".
REQUESTED = frozenset({"signin_link", "password_reset"})
WORKSPACE_KINDS = frozenset({"invitation", "reminder"})


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user_id: int, scope: str) -> str:
    return _serializer().dumps({"u": user_id, "s": scope})


def read_token(token: str) -> tuple[User, str] | None:
    """The person and scope of a token; None for a bad token or a person who is gone."""
    try:
        data = _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not valid_scope(data.get("s")):
        return None
    user = db.session.get(User, data["u"])
    if user is None or user.erased_at is not None:
        return None
    return user, data["s"]


def valid_scope(scope) -> bool:
    if scope in (ALL, NOTIFICATIONS):
        return True
    return isinstance(scope, str) and scope[:1] == "w" and scope[1:].isdigit() and len(scope) < 12


def scope_of(message: OutboxMessage) -> str:
    if message.kind in WORKSPACE_KINDS and message.workspace_id:
        return f"w{message.workspace_id}"
    if message.kind in ("notification", "digest"):
        return NOTIFICATIONS
    return ALL


def headers_for(message: OutboxMessage) -> dict[str, str]:
    """List-Unsubscribe (https) and List-Unsubscribe-Post for a message to a known person."""
    if message.user_id is None:
        return {}  # an address only (a sign-in link asked for by address): nobody to unsubscribe
    url = mail.public_url("notifications.unsubscribe", token=make_token(message.user_id, scope_of(message)))
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def suppressed(message: OutboxMessage) -> bool:
    """The person said no to this mail: the worker skips it."""
    if message.kind in REQUESTED or message.user_id is None:
        return False
    setting = db.session.get(NotificationSetting, message.user_id)
    if setting is not None and setting.mail_off_at is not None:
        return True
    if message.workspace_id is None:
        return False
    return (
        db.session.scalar(
            select(MailOptOut.user_id).where(
                MailOptOut.user_id == message.user_id, MailOptOut.workspace_id == message.workspace_id
            )
        )
        is not None
    )


def apply(user: User, scope: str) -> None:
    """Unsubscribe; doing it twice changes nothing."""
    if scope.startswith("w"):
        workspace_id = int(scope[1:])
        from ..models import Workspace

        if (
            db.session.get(Workspace, workspace_id) is not None
            and db.session.get(MailOptOut, (user.id, workspace_id)) is None
        ):
            db.session.add(MailOptOut(user_id=user.id, workspace_id=workspace_id, created_at=utcnow()))
        db.session.flush()
        return
    from .service import settings_of

    setting = settings_of(user)
    if setting not in db.session:
        db.session.add(setting)
    if scope == ALL:
        setting.mail_off_at = setting.mail_off_at or utcnow()
    else:
        setting.reply = setting.idea_comment = setting.idea_decision = OFF
        setting.digest = OFF
    db.session.flush()
