"""Live workshop sessions: the session and its steps, its guests, what guests did, held posts.

A guest is a device, not a person: a signed cookie names the guest row, and the guest row only
says that this device joined this session (and whether it has contributed). What a guest answered
anonymously goes through the ballot box like a member's answer (ideaspace/ballot): the
`workshop_response` row is the guest's participation record and carries no answer.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models.base import UTCDateTime, enum_column, utcnow


class WorkshopStatus(enum.StrEnum):
    LIVE = "live"
    ENDED = "ended"


class PostStatus(enum.StrEnum):
    HELD = "held"
    APPROVED = "approved"
    REJECTED = "rejected"


class Workshop(db.Model):
    """A live session run by a facilitator for one unit, from one theme, step by step."""

    __tablename__ = "workshop"
    __table_args__ = (sa.Index("ix_workshop_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    # The unit whose work community takes part (the facilitator's, or chosen by a moderator).
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    facilitator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    language: Mapped[str] = mapped_column(sa.String(5), default="fi")
    status: Mapped[WorkshopStatus] = mapped_column(enum_column(WorkshopStatus), default=WorkshopStatus.LIVE)
    position: Mapped[int] = mapped_column(default=0)  # the current step
    answering_open: Mapped[bool] = mapped_column(default=True)
    results_revealed: Mapped[bool] = mapped_column(default=False)
    premoderate: Mapped[bool] = mapped_column(default=False)
    # Bumped on every change a phone or the big screen shows: their polls compare it.
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    steps: Mapped[list[WorkshopStep]] = relationship(
        order_by="WorkshopStep.position", cascade="all, delete-orphan", lazy="selectin"
    )

    def is_live(self, now: datetime | None = None) -> bool:
        return self.status is WorkshopStatus.LIVE and (now or utcnow()) < self.expires_at


class WorkshopStep(db.Model):
    """One activity of the session, in the order the facilitator runs them."""

    __tablename__ = "workshop_step"

    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True)


class Guest(db.Model):
    """A device that joined a session with its code: no account, no email, no password."""

    __tablename__ = "workshop_guest"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    # Shown only with the guest's notes on named (not anonymous) activities.
    name: Mapped[str | None] = mapped_column(sa.String(60))
    # Set in the same transaction as the first answer or note (as a member's contribution mark).
    contributed: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuestResponse(db.Model):
    """That a guest device has answered an activity: once, enforced by the primary key.

    No answer key, no time: nothing here leads to the answer."""

    __tablename__ = "workshop_response"

    guest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop_guest.id", ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class WorkshopPost(db.Model):
    """A guest's note on a named (not anonymous) wall: held for approval when the session says so,
    and the note it became. Anonymous notes never come here: they go into the ballot box."""

    __tablename__ = "workshop_post"
    __table_args__ = (sa.Index("ix_workshop_post_workshop_status", "workshop_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    guest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop_guest.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str | None] = mapped_column(sa.String(60))
    text: Mapped[str] = mapped_column(sa.String(280))
    status: Mapped[PostStatus] = mapped_column(enum_column(PostStatus), default=PostStatus.HELD)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("note.id", ondelete="SET NULL"), unique=True)
