"""Activities on a theme, their options, and answers kept apart from the people who gave them."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LocalizedText, UTCDateTime, enum_column, localized


class ActivityKind(enum.StrEnum):
    DISCUSSION = "discussion"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    NOTES = "notes"
    IDEAS = "ideas"

    @property
    def is_poll(self) -> bool:
        return self in (ActivityKind.SINGLE_CHOICE, ActivityKind.MULTIPLE_CHOICE)

    @property
    def is_answered(self) -> bool:
        """Answered once per person (polls and scales), as opposed to posting freely."""
        return self.is_poll or self is ActivityKind.SCALE


class ActivityStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ResultsVisibility(enum.StrEnum):
    ALWAYS = "always"
    AFTER_ANSWERING = "after_answering"
    AFTER_CLOSING = "after_closing"
    MODERATORS = "moderators"


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (sa.Index("ix_activity_theme_position", "theme_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    status: Mapped[ActivityStatus] = mapped_column(
        enum_column(ActivityStatus), default=ActivityStatus.OPEN
    )
    # When the status last became open (the digest's "newly open"); set by the activities service.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[LocalizedText] = localized()
    prompt: Mapped[LocalizedText] = localized()  # sanitized HTML, rendered from:
    prompt_source: Mapped[LocalizedText | None] = localized(nullable=True)  # Markdown (see Comment)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    results_visibility: Mapped[ResultsVisibility] = mapped_column(
        enum_column(ResultsVisibility), default=ResultsVisibility.ALWAYS
    )
    answers_changeable: Mapped[bool] = mapped_column(default=True)
    max_selections: Mapped[int | None]
    # Chosen by a moderator for the programme draft, in this order.
    in_programme: Mapped[bool] = mapped_column(default=False)
    programme_position: Mapped[int] = mapped_column(default=0)

    theme: Mapped[Theme] = relationship(back_populates="activities")  # noqa: F821
    options: Mapped[list[Option]] = relationship(
        back_populates="activity", order_by="Option.position", cascade="all, delete-orphan"
    )


class Option(db.Model):
    """A choice of a poll; pointing at a measure makes the poll a vote on measures."""

    __tablename__ = "option"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[LocalizedText] = localized()
    measure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("measure.id", ondelete="SET NULL"), index=True
    )

    activity: Mapped[Activity] = relationship(back_populates="options")
    measure: Mapped[Measure | None] = relationship()  # noqa: F821


def new_answer_key() -> str:
    return secrets.token_hex(16)


class Answer(db.Model):
    """One person's answer, with no user, no time of day and a random key.

    The key is random (not a sequence) so that the order of answers cannot be lined up with the
    order of `Respondent` rows.
    """

    __tablename__ = "answer"

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_answer_key)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    answered_on: Mapped[date] = mapped_column(sa.Date)
    # Kept only when the unit is at least the minimum group size.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    scale_value: Mapped[int | None] = mapped_column(sa.SmallInteger)

    choices: Mapped[list[AnswerChoice]] = relationship(
        back_populates="answer", cascade="all, delete-orphan"
    )


class AnswerChoice(db.Model):
    __tablename__ = "answer_choice"

    answer_key: Mapped[str] = mapped_column(
        sa.ForeignKey("answer.key", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("option.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    answer: Mapped[Answer] = relationship(back_populates="choices")


class Respondent(db.Model):
    """That a person has answered an activity: one per person, enforced by the primary key.

    `answer_key` is set only for non-anonymous activities whose answers can be changed; for an
    anonymous activity nothing here leads to the answer.
    """

    __tablename__ = "respondent"
    # The statistics' answers per day seek an activity's rows and read the day from the index
    # alone (the rows are not read). Nothing in it leads to an answer.
    __table_args__ = (sa.Index("ix_respondent_activity_answered", "activity_id", "answered_on"),)

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answered_on: Mapped[date] = mapped_column(sa.Date)
    answer_key: Mapped[str | None] = mapped_column(
        sa.ForeignKey("answer.key", ondelete="SET NULL"), unique=True
    )
