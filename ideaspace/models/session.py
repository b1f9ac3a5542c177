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
    # The identity provider's ID token of a single sign-on, for its logout (`id_token_hint`):
    # kept here, never in the cookie, and gone with the session.
    id_token: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<UserSession {self.id[:8]} user={self.user_id}>"


class UserIdentity(db.Model):
    """A person's account at an OpenID Connect provider (its issuer and `sub`), linked on their
    first single sign-on; later sign-ins find the person by it, whatever their email becomes."""

    __tablename__ = "user_identity"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<UserIdentity {self.id} user={self.user_id}>"
