"""Shared column types and mixins for every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

LANGUAGES = ("fi", "sv", "en")

# A text written in several languages: {"fi": "...", "sv": "...", "en": "..."}.
LocalizedText = dict[str, str]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every engine (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> sa.Enum:
    """Store an enum by its value as a short string, portable across engines."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


def localized(nullable: bool = False) -> Mapped[LocalizedText]:
    return mapped_column(sa.JSON, nullable=nullable, default=dict)


class CreatedMixin:
    """Who made a row and when."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True)


class HideableMixin:
    """Moderators hide, never destroy: a hidden row stays, with who hid it and why."""

    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)

    @declared_attr
    def hidden_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
