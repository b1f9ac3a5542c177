"""A participation process, its themes, and who was invited to it."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, LocalizedText, UTCDateTime, enum_column, localized, utcnow


class WorkspaceStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class WorkspaceAccess(enum.StrEnum):
    INVITED = "invited"
    ALL_USERS = "all_users"


class MemberRole(enum.StrEnum):
    PARTICIPANT = "participant"
    MODERATOR = "moderator"


class Workspace(CreatedMixin, db.Model):
    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[LocalizedText] = localized()
    introduction: Mapped[LocalizedText] = localized()  # sanitized HTML, rendered from:
    introduction_source: Mapped[LocalizedText | None] = localized(nullable=True)  # Markdown (see Comment)
    strategy: Mapped[LocalizedText] = localized()
    status: Mapped[WorkspaceStatus] = mapped_column(
        enum_column(WorkspaceStatus), default=WorkspaceStatus.DRAFT, index=True
    )
    access: Mapped[WorkspaceAccess] = mapped_column(
        enum_column(WorkspaceAccess), default=WorkspaceAccess.INVITED
    )
    primary_language: Mapped[str] = mapped_column(sa.String(5), default="fi")
    opens_on: Mapped[date | None] = mapped_column(sa.Date)
    closes_on: Mapped[date | None] = mapped_column(sa.Date)
    min_group_size: Mapped[int] = mapped_column(default=5)

    themes: Mapped[list[Theme]] = relationship(
        back_populates="workspace", order_by="Theme.position", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Workspace {self.slug}>"


class Membership(db.Model):
    """An invitation to a workspace, and the funnel: invited → visited → contributed."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole), default=MemberRole.PARTICIPANT)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    first_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_count: Mapped[int] = mapped_column(default=0)
    first_contribution_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id])  # noqa: F821


class Visit(db.Model):
    """One day on which a member visited: feeds the daily chart without keeping times of day."""

    __tablename__ = "visit"
    __table_args__ = (sa.UniqueConstraint("membership_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date, index=True)


class Theme(db.Model):
    """A page of a workspace, derived from one strategy goal."""

    __tablename__ = "theme"
    __table_args__ = (sa.Index("ix_theme_workspace_position", "workspace_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[LocalizedText] = localized()
    introduction: Mapped[LocalizedText] = localized()  # sanitized HTML, rendered from:
    introduction_source: Mapped[LocalizedText | None] = localized(nullable=True)  # Markdown (see Comment)
    # For the digest's "new themes"; NULL for themes older than migration 0011 (not new).
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    workspace: Mapped[Workspace] = relationship(back_populates="themes")
    measures: Mapped[list[Measure]] = relationship(  # noqa: F821
        back_populates="theme", order_by="Measure.position", cascade="all, delete-orphan"
    )
    activities: Mapped[list[Activity]] = relationship(  # noqa: F821
        back_populates="theme", order_by="Activity.position", cascade="all, delete-orphan"
    )
