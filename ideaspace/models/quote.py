"""Quotes a moderator picked for the programme."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, enum_column, utcnow


class Attribution(enum.StrEnum):
    ROLE = "role"  # "a supervisor"
    ROLE_AND_UNIT = "role_and_unit"  # "a supervisor, <unit>"
    NAME = "name"  # only if the author agreed


class Quote(db.Model):
    __tablename__ = "quote"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END + CASE WHEN note_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN idea_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="at_most_one_source",
        ),
        sa.Index("ix_quote_theme_position", "theme_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="SET NULL"))
    note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("note.id", ondelete="SET NULL"))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="SET NULL"))
    excerpt: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(5), default="fi")
    attribution: Mapped[Attribution] = mapped_column(enum_column(Attribution), default=Attribution.ROLE)
    # Kept as text so the programme reads the same after the source is erased or hidden.
    attributed_unit: Mapped[str | None] = mapped_column(sa.String(200))
    attributed_name: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
