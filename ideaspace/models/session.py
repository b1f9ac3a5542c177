"""Server-side sessions: a signed cookie carries a random token, the database its hash and its life."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class UserSession(db.Model):
    """One signed-in browser. Deleting the row signs that browser out, wherever its cookie was copied."""

    __tablename__ = "user_session"

    # SHA-256 of the cookie's random token: a database dump or backup holds no usable session.
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the person last proved who they are (their password now; a fresh single sign-on later).
    sudo_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user: Mapped[User] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<UserSession {self.id[:8]} user={self.user_id}>"
