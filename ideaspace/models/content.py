"""What people write: comments, notes, and reports of inappropriate content."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import HideableMixin, UTCDateTime, utcnow

ONE_TARGET = (
    "(CASE WHEN theme_id IS NULL THEN 0 ELSE 1 END + CASE WHEN measure_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN activity_id IS NULL THEN 0 ELSE 1 END + CASE WHEN idea_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Comment(HideableMixin, db.Model):
    """A comment on exactly one of: a theme, a measure, an activity, an idea. Replies are one deep."""

    __tablename__ = "comment"
    __table_args__ = (
        sa.CheckConstraint(ONE_TARGET, name="one_target"),
        # A workspace's comments by time; the trailing columns cover the statistics' counts
        # (visible comments per day, theme and activity) so those never read the rows.
        sa.Index(
            "ix_comment_workspace_created",
            "workspace_id",
            "created_at",
            "hidden_at",
            "withdrawn_at",
            "theme_id",
            "measure_id",
            "activity_id",
            "idea_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("measure.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    # Empty for an anonymous comment.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    on_behalf_of_unit: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)  # sanitized HTML, rendered once on write from:
    # the Markdown the author typed, which they edit. NULL here (or a language missing from a
    # localized source): HTML stored before sources were kept that did not convert back exactly
    # (migration 0008); editing it starts from markdown.source_of(body).
    body_source: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])  # noqa: F821
    unit: Mapped[Unit | None] = relationship()  # noqa: F821
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list[Comment]] = relationship(back_populates="parent", order_by="Comment.created_at")


class CommentLike(db.Model):
    __tablename__ = "comment_like"

    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoteGroup(db.Model):
    """A moderator's grouping of notes on a wall."""

    __tablename__ = "note_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)


class Note(HideableMixin, db.Model):
    """A short free-text note on a notes wall."""

    __tablename__ = "note"
    __table_args__ = (
        sa.Index("ix_note_activity_created", "activity_id", "created_at"),
        # A workspace's visible notes, covering the statistics' counts per activity and day.
        sa.Index("ix_note_workspace_visible", "workspace_id", "hidden_at", "activity_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("note_group.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.String(280))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])  # noqa: F821
    group: Mapped[NoteGroup | None] = relationship()


class Report(db.Model):
    """A participant's report that a comment, note or idea is inappropriate."""

    __tablename__ = "report"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END + CASE WHEN note_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN idea_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        sa.Index("ix_report_workspace_open", "workspace_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"))
    note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
