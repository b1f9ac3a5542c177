"""Server-side sessions: start, find, keep alive, confirm (sudo), end.

The signed cookie carries only a random token (as Flask-Login's user id); the `user_session` row,
keyed by the token's SHA-256, says whose it is and how long it lives. Deleting the row signs that
browser out, also where a copy of its cookie went. Plain functions: no request objects.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import User, UserSession, utcnow
from ..sanitize import clean_text

# last_seen_at is written at most this often: a page view is not a write.
SEEN_EVERY = timedelta(minutes=1)
USER_AGENT_LENGTH = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def idle_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def absolute_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def sudo_window() -> timedelta:
    return timedelta(minutes=current_app.config["SUDO_MINUTES"])


def start(user: User, user_agent: str | None = None, *, reauthenticated: bool = False) -> str:
    """A new session for the person; returns the token for the cookie (also set on `user`).

    Expired rows of everyone go at the same time: sign-ins are rare enough to pay for it.
    """
    now = utcnow()
    purge_expired(now)
    token = secrets.token_urlsafe(32)
    row = UserSession(
        id=_hash(token),
        user=user,
        created_at=now,
        last_seen_at=now,
        sudo_at=now if reauthenticated else None,
        user_agent=clean_text(user_agent or "")[:USER_AGENT_LENGTH],
    )
    db.session.add(row)
    db.session.flush()
    user.session_token = token
    user.current_session = row
    return token


def _is_live(row: UserSession, now: datetime) -> bool:
    return row.last_seen_at > now - idle_lifetime() and row.created_at > now - absolute_lifetime()


def load(token: str | None) -> User | None:
    """The active person whose live session this token opens (session and person in one statement).

    Touches last_seen_at at most once a minute, so most requests write nothing.
    """
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    row = db.session.scalars(
        select(UserSession)
        .join(UserSession.user)
        .options(contains_eager(UserSession.user))
        .where(UserSession.id == _hash(token))
    ).first()
    if row is None or not row.user.is_active:
        return None
    now = utcnow()
    if not _is_live(row, now):
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    user = row.user
    user.session_token = token
    user.current_session = row
    return user


def mark_reauthenticated(row: UserSession) -> None:
    """The person just proved who they are: sudo mode for the next few minutes.

    The one place that opens sudo mode: the password confirmation calls it, and a fresh single
    sign-on (once it exists) should call it too.
    """
    row.sudo_at = utcnow()
    db.session.flush()


def in_sudo_mode(row: UserSession | None) -> bool:
    """Whether this session re-authenticated within the sudo window."""
    return row is not None and row.sudo_at is not None and row.sudo_at > utcnow() - sudo_window()


def sessions_of(user: User) -> list[UserSession]:
    """The person's live sessions, the most recently seen first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.last_seen_at > now - idle_lifetime(),
                UserSession.created_at > now - absolute_lifetime(),
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
        )
    )


def end(row: UserSession) -> None:
    """End one session (signing out)."""
    db.session.delete(row)
    db.session.flush()


def end_one_of(user: User, session_id: str) -> bool:
    """End one of the person's own sessions by its id; False when they have no such session."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    return bool(result.rowcount)


def end_all(user: User, *, except_for: UserSession | None = None) -> int:
    """End every session of the person (role change, deactivation, erasure, new password), or
    every other one; returns how many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if except_for is not None:
        statement = statement.where(UserSession.id != except_for.id)
    return db.session.execute(statement).rowcount or 0


def purge_expired(now: datetime | None = None) -> int:
    """Delete every session past its idle or absolute lifetime."""
    now = now or utcnow()
    statement = delete(UserSession).where(
        or_(
            UserSession.last_seen_at <= now - idle_lifetime(),
            UserSession.created_at <= now - absolute_lifetime(),
        )
    )
    return db.session.execute(statement).rowcount or 0
