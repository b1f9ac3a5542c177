"""The idea barrel: ideas, who supports them, and their moderation history."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import HideableMixin, UTCDateTime, enum_column, utcnow


class IdeaStatus(enum.StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    MERGED = "merged"
    NOT_TAKEN = "not_taken"


class Idea(HideableMixin, db.Model):
    __tablename__ = "idea"
    __table_args__ = (sa.Index("ix_idea_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)  # sanitized HTML, rendered from:
    body_source: Mapped[str | None] = mapped_column(sa.Text)  # the Markdown typed (see Comment)
    # Empty for an anonymous idea.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus), default=IdeaStatus.NEW, index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])  # noqa: F821
    unit: Mapped[Unit | None] = relationship()  # noqa: F821
    theme: Mapped[Theme | None] = relationship()  # noqa: F821
    merged_into: Mapped[Idea | None] = relationship(remote_side=[id])
    history: Mapped[list[IdeaStatusChange]] = relationship(
        back_populates="idea", order_by="IdeaStatusChange.changed_at", cascade="all, delete-orphan"
    )


class IdeaStatusChange(db.Model):
    __tablename__ = "idea_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[IdeaStatus | None] = mapped_column(enum_column(IdeaStatus))
    to_status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    idea: Mapped[Idea] = relationship(back_populates="history")


class IdeaSupport(db.Model):
    """One person supports an idea once: the primary key enforces it."""

    __tablename__ = "idea_support"
    # The statistics' supports per day read the day from the index, not the rows.
    __table_args__ = (sa.Index("ix_idea_support_idea_created", "idea_id", "created_at"),)

    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
