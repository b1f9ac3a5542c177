"""What mail a person wants (issue 16): notification preferences, digest items, unsubscribes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

# How a kind of notification reaches a person.
NOW, DIGEST, OFF = "now", "digest", "off"
MODES = (NOW, DIGEST, OFF)
# How often the digest comes.
DAILY, WEEKLY = "daily", "weekly"
FREQUENCIES = (DAILY, WEEKLY, OFF)


class NotificationSetting(db.Model):
    """One person's choices; no row means the defaults (each kind immediately, a weekly digest)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    reply: Mapped[str] = mapped_column(sa.String(10), default=NOW)
    idea_comment: Mapped[str] = mapped_column(sa.String(10), default=NOW)
    idea_decision: Mapped[str] = mapped_column(sa.String(10), default=NOW)
    digest: Mapped[str] = mapped_column(sa.String(10), default=WEEKLY)
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One-click "no more mail" (RFC 8058): nothing but what the person asks for (sign-in links).
    mail_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    """Something for a person's digest (a notification they chose to get there), until it is sent."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_pending", "user_id", "digested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    about: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailOptOut(db.Model):
    """A person wants no more mail about one workspace (their membership stays)."""

    __tablename__ = "mail_opt_out"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailText(db.Model):
    """A workspace's own text for its invitation or reminder mail in one language (plain text with
    a fixed set of {placeholders}), written by its moderators; absent: the built-in text."""

    __tablename__ = "mail_text"

    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
