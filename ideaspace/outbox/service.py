"""Writing mail into the outbox, and reading back what could not be delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import LANGUAGES, OutboxMessage, User, utcnow


def enqueue(
    kind: str,
    *,
    user: User | None = None,
    email: str | None = None,
    language: str | None = None,
    about: dict | None = None,
    workspace_id: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (flushed, never committed).

    `about` holds ids only: the worker renders the message, and makes any link, when it sends it."""
    from . import KINDS

    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if user is None and not email:
        raise ValueError("a message needs a person or an address")
    if language not in LANGUAGES:
        language = user.locale if user is not None and user.locale in LANGUAGES else "fi"
    now = utcnow()
    message = OutboxMessage(
        kind=kind,
        user_id=user.id if user is not None else None,
        email=email,
        language=language,
        about=dict(about or {}),
        workspace_id=workspace_id,
        created_at=now,
        not_before=not_before or now,
        attempts=0,
    )
    db.session.add(message)
    db.session.flush()
    return message


def enqueue_many(kind: str, rows: list[dict]) -> int:
    """Add many messages at once (one INSERT): each row has user_id or email, language, about and
    workspace_id. For inviting thousands of people within one request."""
    from . import KINDS

    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if not rows:
        return 0
    now = utcnow()
    values = [
        {
            "kind": kind,
            "user_id": row.get("user_id"),
            "email": row.get("email"),
            "language": row["language"] if row.get("language") in LANGUAGES else "fi",
            "about": dict(row.get("about") or {}),
            "workspace_id": row.get("workspace_id"),
            "created_at": now,
            "not_before": row.get("not_before") or now,
            "attempts": 0,
        }
        for row in rows
    ]
    db.session.execute(OutboxMessage.__table__.insert(), values)
    return len(values)


@dataclass
class Failure:
    address: str
    reason: str
    failed_at: datetime
    kind: str


def failures(workspace_id: int, since: datetime | None = None, limit: int = 50) -> list[Failure]:
    """Mail sent from this workspace that could not be delivered, newest first."""
    query = (
        select(
            OutboxMessage.kind,
            OutboxMessage.email,
            User.email,
            OutboxMessage.last_error,
            OutboxMessage.failed_at,
        )
        .outerjoin(User, User.id == OutboxMessage.user_id)
        .where(OutboxMessage.workspace_id == workspace_id, OutboxMessage.failed_at.is_not(None))
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(OutboxMessage.failed_at >= since)
    return [
        Failure(address=own or person or "", reason=error or "", failed_at=failed_at, kind=kind)
        for kind, own, person, error, failed_at in db.session.execute(query)
    ]


def pending_count(workspace_id: int) -> int:
    """Messages from this workspace still waiting to be sent."""
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.workspace_id == workspace_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.skipped_at.is_(None),
        )
    )
