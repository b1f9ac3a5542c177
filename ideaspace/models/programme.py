"""The programme rows: measures, their indicators and yearly readings, and published versions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, LocalizedText, UTCDateTime, enum_column, localized, utcnow


class MeasureStatus(enum.StrEnum):
    PROPOSED = "proposed"
    IN_PROGRAMME = "in_programme"
    DROPPED = "dropped"


class Comparator(enum.StrEnum):
    GT = ">"
    GE = "≥"
    EQ = "="
    LE = "≤"
    LT = "<"
    QUALITATIVE = "qualitative"


class Measure(db.Model):
    """A programme row: goal, measure, schedule, responsible party, evaluation."""

    __tablename__ = "measure"
    __table_args__ = (sa.Index("ix_measure_theme_position", "theme_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    goal: Mapped[LocalizedText] = localized()
    text: Mapped[LocalizedText] = localized()
    schedule: Mapped[LocalizedText] = localized()
    responsible: Mapped[LocalizedText] = localized()
    status: Mapped[MeasureStatus] = mapped_column(
        enum_column(MeasureStatus), default=MeasureStatus.IN_PROGRAMME
    )
    # Set when the measure was promoted from an idea of the barrel; empty for pre-existing measures.
    origin_idea_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("idea.id", ondelete="SET NULL"), index=True
    )

    theme: Mapped[Theme] = relationship(back_populates="measures")  # noqa: F821
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="measure", order_by="Indicator.position", cascade="all, delete-orphan"
    )
    # Joined: the programme table names the idea a measure came from without a query per row.
    origin_idea: Mapped[Idea | None] = relationship(lazy="joined")  # noqa: F821


class Indicator(db.Model):
    """How a measure is evaluated: a baseline, a target with a comparator, and yearly readings."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("measure.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[LocalizedText] = localized()
    unit_of_measure: Mapped[LocalizedText] = localized()
    baseline_year: Mapped[int | None]
    baseline_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    baseline_source: Mapped[LocalizedText] = localized()
    comparator: Mapped[Comparator] = mapped_column(
        enum_column(Comparator), default=Comparator.QUALITATIVE
    )
    target_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    # The target in words, for qualitative indicators ("study completed").
    target_text: Mapped[LocalizedText] = localized()

    measure: Mapped[Measure] = relationship(back_populates="indicators")
    readings: Mapped[list[IndicatorReading]] = relationship(
        back_populates="indicator", order_by="IndicatorReading.year", cascade="all, delete-orphan"
    )


class IndicatorReading(CreatedMixin, db.Model):
    """A yearly follow-up value of an indicator."""

    __tablename__ = "indicator_reading"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id", ondelete="CASCADE"))
    year: Mapped[int]
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    note: Mapped[LocalizedText] = localized()

    indicator: Mapped[Indicator] = relationship(back_populates="readings")


class ProgrammeSnapshot(db.Model):
    """A published, frozen version of the programme draft."""

    __tablename__ = "programme_snapshot"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    content: Mapped[dict] = mapped_column(sa.JSON)
