"""The mail outbox: the intent to send a message, written in the transaction of what caused it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """One message to send: who, what kind, about what (ids only), in which language.

    Never a working link or token: the worker renders the message (and issues its sign-in token)
    when it sends it. Pending while sent_at, failed_at and skipped_at are all empty."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The worker's claim: pending rows that are due, oldest first.
        sa.Index("ix_outbox_message_due", "sent_at", "failed_at", "skipped_at", "not_before"),
        # The invitations page: what could not be delivered in this workspace.
        sa.Index("ix_outbox_message_workspace_failed", "workspace_id", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(5), default="fi")
    about: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    workspace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The renderer found nothing to send (the person has no access any more): not a failure.
    skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} user={self.user_id}>"
