"""Record, change and delete the yearly readings of indicators; list every indicator of the
programme with its follow-up status (the programme's own rule, programme.followup.follow_up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..models import Indicator, IndicatorReading, Measure, MeasureStatus, Theme, Workspace
from ..programme.followup import FollowUp, follow_up, latest_value
from .charts import Chart, chart

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass
class IndicatorRow:
    indicator: Indicator
    status: FollowUp
    latest: Decimal | None
    chart: Chart | None


@dataclass
class MeasureRow:
    measure: Measure
    indicators: list[IndicatorRow] = field(default_factory=list)


@dataclass
class ThemeRow:
    theme: Theme
    measures: list[MeasureRow] = field(default_factory=list)


def indicator_status(indicator: Indicator) -> FollowUp:
    return follow_up(
        indicator.comparator,
        indicator.baseline_value,
        indicator.target_value,
        latest_value(indicator.readings),
    )


def follow_up_table(workspace: Workspace) -> list[ThemeRow]:
    """Every indicator of the measures in the programme, theme by theme, with its readings and
    status; four queries whatever the size (themes, measures, indicators, readings)."""
    themes = db.session.scalars(
        select(Theme)
        .where(Theme.workspace_id == workspace.id)
        .order_by(Theme.position, Theme.id)
        .options(
            selectinload(Theme.measures).selectinload(Measure.indicators).selectinload(Indicator.readings)
        )
    )
    rows = []
    for theme in themes:
        measures = []
        for measure in theme.measures:
            if measure.status is not MeasureStatus.IN_PROGRAMME or not measure.indicators:
                continue
            measures.append(
                MeasureRow(
                    measure,
                    [
                        IndicatorRow(ind, indicator_status(ind), latest_value(ind.readings), chart(ind))
                        for ind in measure.indicators
                    ],
                )
            )
        if measures:
            rows.append(ThemeRow(theme, measures))
    return rows


def status_counts(rows: list[ThemeRow]) -> dict[FollowUp, int]:
    counts = dict.fromkeys(FollowUp, 0)
    for theme in rows:
        for measure in theme.measures:
            for ind in measure.indicators:
                counts[ind.status] += 1
    return counts


def get_indicator(workspace: Workspace, indicator_id: int) -> Indicator:
    """The indicator with its readings; 404 unless it belongs to this workspace."""
    indicator = db.session.scalar(
        select(Indicator)
        .join(Measure, Measure.id == Indicator.measure_id)
        .join(Theme, Theme.id == Measure.theme_id)
        .where(Indicator.id == indicator_id, Theme.workspace_id == workspace.id)
        .options(selectinload(Indicator.readings))
    )
    if indicator is None:
        abort(404)
    return indicator


def get_reading(workspace: Workspace, reading_id: int) -> IndicatorReading:
    reading = db.session.scalar(
        select(IndicatorReading)
        .join(Indicator, Indicator.id == IndicatorReading.indicator_id)
        .join(Measure, Measure.id == Indicator.measure_id)
        .join(Theme, Theme.id == Measure.theme_id)
        .where(IndicatorReading.id == reading_id, Theme.workspace_id == workspace.id)
    )
    if reading is None:
        abort(404)
    return reading


def _note(old: dict | None, text: str, language: str) -> dict:
    note = dict(old or {})
    if text:
        note[language] = text
    else:
        note.pop(language, None)
    return note


def record_reading(
    actor,
    indicator: Indicator,
    year: int,
    value: Decimal | None,
    note: str,
    *,
    language: str,
    workspace_id: int,
) -> IndicatorReading:
    """Set the indicator's reading for a year: a new one, or the year's existing one replaced.

    `note` is kept in `language` (the moderator's), beside any note in other languages.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")
    reading = _reading_of(indicator.id, year)
    replaced = reading is not None
    if reading is None:
        reading = IndicatorReading(
            indicator_id=indicator.id,
            year=year,
            value=value,
            note=_note(None, note, language),
            created_by_id=getattr(actor, "id", None),
        )
        try:
            with db.session.begin_nested():  # another moderator may save the same year at once
                db.session.add(reading)
        except IntegrityError:
            reading, replaced = _reading_of(indicator.id, year), True
    before = reading.value if replaced else None
    if replaced:
        reading.value = value
        reading.note = _note(reading.note, note, language)
    db.session.flush()
    audit.record(
        actor,
        "indicator.reading",
        reading,
        workspace_id=workspace_id,
        indicator_id=indicator.id,
        year=year,
        value=str(value) if value is not None else None,
        replaced=replaced,
        previous=str(before) if before is not None else None,
    )
    db.session.expire(indicator, ["readings"])
    return reading


def _reading_of(indicator_id: int, year: int) -> IndicatorReading | None:
    return db.session.scalar(
        select(IndicatorReading).where(
            IndicatorReading.indicator_id == indicator_id, IndicatorReading.year == year
        )
    )


def delete_reading(actor, reading: IndicatorReading, *, workspace_id: int) -> None:
    """Remove a reading entered by mistake; the audit log keeps what it said."""
    audit.record(
        actor,
        "indicator.reading.delete",
        reading,
        workspace_id=workspace_id,
        indicator_id=reading.indicator_id,
        year=reading.year,
        value=str(reading.value) if reading.value is not None else None,
        note=reading.note,
    )
    db.session.delete(reading)
    db.session.flush()
