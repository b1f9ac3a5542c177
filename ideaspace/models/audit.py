"""The audit log and sign-in links."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditLog(db.Model):
    """Every moderator and admin action: who, what, when, on what, why."""

    __tablename__ = "audit_log"
    # "Was this item marked reviewed?" for every row of the moderation queue (migration 0005).
    __table_args__ = (sa.Index("ix_audit_log_action_object", "action", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[int | None]
    workspace_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workspace.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()  # noqa: F821


class SigninToken(db.Model):
    """A single-use, expiring sign-in link; only its hash is stored."""

    __tablename__ = "signin_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
