"""Self-service sign-in: ask for a sign-in link or a password reset by email, set a password.

A request only writes an intent into the outbox, the same work whether or not the address belongs
to anyone (no enumeration, also in timing). The worker's renderers below look the person up at
send time, skip unknown, inactive and erased addresses, and only then issue the one-time link, so
no working link is ever stored in the database.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import mail, outbox
from ..extensions import db
from ..invitations.tokens import VALID, issue_token, redeem_token
from ..models import LANGUAGES, OutboxMessage, User, UserSession, Workspace
from ..permissions import is_password_sign_in_on
from . import sessions

SIGNIN_LINK = "signin_link"
PASSWORD_RESET = "password_reset"

# A link asked for on the sign-in page works this long from the moment it is sent (the
# invitation's own link keeps SIGNIN_LINK_HOURS: it may wait in an inbox for days).
LINK_MINUTES = 20

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 200


class PasswordError(ValueError):
    """A password the rules refuse; `message` says why, in the reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalized(email: str) -> str:
    return (email or "").strip().lower()


def link_lifetime() -> timedelta:
    return timedelta(minutes=link_minutes())


def link_minutes() -> int:
    """How long a link asked for on the sign-in pages works (SIGNIN_REQUEST_MINUTES, 20)."""
    return int(current_app.config.get("SIGNIN_REQUEST_MINUTES", LINK_MINUTES))


# --- asking (in the request) -----------------------------------------------------------------


def request_link(email: str, language: str, *, workspace_id: int | None = None) -> None:
    """Mail a sign-in link to this address if it is an active person's; the same work if not."""
    outbox.service.enqueue(
        SIGNIN_LINK, email=normalized(email), language=language, about=_about(workspace_id)
    )


def request_password_reset(email: str, language: str) -> None:
    """Mail a password reset link to this address if it is an active person's."""
    outbox.service.enqueue(PASSWORD_RESET, email=normalized(email), language=language)


def request_new_link(user: User, language: str, *, workspace_id: int | None = None) -> None:
    """A new sign-in link for the person of a used or expired link, to their own address."""
    outbox.service.enqueue(SIGNIN_LINK, user=user, language=language, about=_about(workspace_id))


def _about(workspace_id: int | None) -> dict:
    return {"workspace_id": workspace_id} if workspace_id else {}


# --- sending (in the worker) -----------------------------------------------------------------


def _recipient(message: OutboxMessage) -> User | None:
    """The active person the message is for, looked up now; None for anyone else."""
    if message.user_id is not None:
        user = db.session.get(User, message.user_id)
    else:
        address = normalized(message.email or "")
        user = db.session.scalar(select(User).where(func.lower(User.email) == address)) if address else None
    if user is None or not user.is_active or not user.email:
        return None
    return user


def recipient_language(user: User | None, fallback: str | None = None) -> str:
    """The person's own language, else the given one (the workspace's, the message's), else Finnish."""
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    return fallback if fallback in LANGUAGES else "fi"


def _mail(message: OutboxMessage, user: User, template: str, language: str, subject: str, **context):
    """The mail in the person's language; the row records that language (the worker labels the
    mail with it: an address alone did not know it when the message was queued)."""
    message.language = language
    env = current_app.jinja_env
    context = {"name": user.name, "minutes": link_minutes(), **context}
    text = env.get_template(f"mail/{template}.txt").render(language=language, **context)
    html = env.get_template(f"mail/{template}.html").render(subject=subject, language=language, **context)
    return outbox.Mail(to=user.email, subject=subject, text=text, html=html)


@outbox.kind(SIGNIN_LINK)
def render_signin_link(message: OutboxMessage) -> outbox.Mail | None:
    """A one-time sign-in link, issued now, in the recipient's language."""
    user = _recipient(message)
    if user is None:
        return None
    workspace_id = (message.about or {}).get("workspace_id")
    workspace = db.session.get(Workspace, workspace_id) if isinstance(workspace_id, int) else None
    language = recipient_language(user, message.language)
    raw, _token = issue_token(user, workspace, lifetime=link_lifetime())
    with force_locale(language):
        return _mail(
            message,
            user,
            "signin_link",
            language,
            _("Your sign-in link to IdeaSpace"),
            link=mail.public_url("invitations.signin", token=raw),
            request_url=mail.public_url("auth.request_link"),
        )


@outbox.kind(PASSWORD_RESET)
def render_password_reset(message: OutboxMessage) -> outbox.Mail | None:
    """A one-time link to choose a new password; nothing while password sign-in is off."""
    user = _recipient(message)
    if user is None or not is_password_sign_in_on():
        return None
    language = recipient_language(user, message.language)
    raw, _token = issue_token(user, None, lifetime=link_lifetime())
    with force_locale(language):
        return _mail(
            message,
            user,
            "password_reset",
            language,
            _("Choose a new password for IdeaSpace"),
            link=mail.public_url("auth.reset_password", token=raw),
            request_url=mail.public_url("auth.forgot_password"),
        )


# --- passwords -------------------------------------------------------------------------------


def check_password_rules(user: User, password: str) -> None:
    """Raise PasswordError unless the password is long enough and not the person's address."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise PasswordError(
            _("The password must be at least %(num)d characters long.", num=PASSWORD_MIN_LENGTH)
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise PasswordError(
            _("The password can be at most %(num)d characters long.", num=PASSWORD_MAX_LENGTH)
        )
    if not password.strip():
        raise PasswordError(_("The password cannot be only spaces."))
    if normalized(password) == normalized(user.email):
        raise PasswordError(_("The password cannot be your email address."))


def set_password(user: User, password: str, *, keep: UserSession | None = None) -> int:
    """Give the person a new password and end their other sessions; returns how many ended.

    Raises PasswordError (nothing changed) when the rules refuse it."""
    check_password_rules(user, password)
    user.set_password(password)
    ended = sessions.end_all(user, except_for=keep)
    db.session.flush()
    return ended


def reset_password(raw_token: str, password: str) -> tuple[str, User | None]:
    """Use up a reset link and set the new password; (status, person). The rules are checked
    first, so a refused password leaves the link working."""
    from ..invitations.tokens import find_token

    status, _token, user = find_token(raw_token)
    if status != VALID:
        return status, user
    check_password_rules(user, password)
    status, _token, user = redeem_token(raw_token)
    if status != VALID:
        return status, user
    set_password(user, password)
    return status, user
