"""Moderators write the programme rows of a theme: measures and the indicators that evaluate them."""

from __future__ import annotations

from decimal import Decimal

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import (
    Comment,
    Comparator,
    Indicator,
    IndicatorReading,
    Measure,
    MeasureStatus,
    Option,
    Theme,
    Workspace,
)
from .manage import Refused, _count, assign, describe_counts, next_position, renumber, text

MEASURE_TEXTS = ("goal", "text", "schedule", "responsible")
INDICATOR_TEXTS = ("description", "unit_of_measure", "baseline_source", "target_text")


def get_measure(workspace: Workspace, measure_id: int) -> Measure:
    """The measure, or 404 unless it belongs to a theme of this workspace."""
    measure = db.session.scalar(
        select(Measure)
        .join(Theme, Theme.id == Measure.theme_id)
        .where(Measure.id == measure_id, Theme.workspace_id == workspace.id)
    )
    if measure is None:
        abort(404)
    return measure


def get_indicator(workspace: Workspace, indicator_id: int) -> Indicator:
    """The indicator, or 404 unless its measure belongs to this workspace."""
    indicator = db.session.scalar(
        select(Indicator)
        .join(Measure, Measure.id == Indicator.measure_id)
        .join(Theme, Theme.id == Measure.theme_id)
        .where(Indicator.id == indicator_id, Theme.workspace_id == workspace.id)
    )
    if indicator is None:
        abort(404)
    return indicator


def workspace_measures(workspace: Workspace) -> list[Measure]:
    """Every measure of the workspace, theme by theme, for choosing what a poll option votes on."""
    return list(
        db.session.scalars(
            select(Measure)
            .join(Theme, Theme.id == Measure.theme_id)
            .where(Theme.workspace_id == workspace.id)
            .order_by(Theme.position, Theme.id, Measure.position, Measure.id)
        )
    )


# --- measures ----------------------------------------------------------------------------------


def _measure_values(values: dict) -> dict:
    values = dict(values)
    for name in MEASURE_TEXTS:
        values[name] = text(values.get(name))
    if not values["text"]:
        raise Refused(_("Write the measure."))
    values["status"] = MeasureStatus(values.get("status", MeasureStatus.IN_PROGRAMME))
    return values


def create_measure(actor, theme: Theme, **values) -> Measure:
    measure = Measure(theme_id=theme.id, position=next_position(Measure, theme.id), **_measure_values(values))
    db.session.add(measure)
    db.session.flush()
    audit.record(actor, "measure.create", measure, workspace_id=theme.workspace_id)
    return measure


def update_measure(actor, measure: Measure, *, workspace_id: int, **values) -> list[str]:
    changed = assign(measure, _measure_values(values))
    if changed:
        db.session.flush()
        audit.record(actor, "measure.update", measure, workspace_id=workspace_id, changed=changed)
    return changed


def measure_contents(measure: Measure) -> dict[str, int]:
    """What hangs on a measure and would be lost with it, counted in one query."""
    indicators = select(Indicator.id).where(Indicator.measure_id == measure.id)
    row = db.session.execute(
        select(
            _count(Comment, Comment.measure_id == measure.id).label("comments"),
            _count(Option, Option.measure_id == measure.id).label("options"),
            _count(IndicatorReading, IndicatorReading.indicator_id.in_(indicators)).label("readings"),
        )
    ).one()
    counts = dict(row._mapping)
    counts["origin"] = 1 if measure.origin_idea_id else 0
    return counts


def delete_measure(actor, measure: Measure, *, workspace_id: int) -> None:
    """Delete a measure nothing points at; otherwise refuse and suggest dropping it."""
    counts = measure_contents(measure)
    if any(counts.values()):
        raise Refused(
            _(
                "This measure cannot be deleted: it has %(what)s. Nothing was deleted. "
                "To take it out of the programme, set its status to “Dropped”.",
                what=describe_counts(counts),
            )
        )
    theme_id = measure.theme_id
    audit.record(actor, "measure.delete", measure, workspace_id=workspace_id, text=measure.text)
    db.session.delete(measure)
    db.session.flush()
    renumber(
        list(
            db.session.scalars(
                select(Measure).where(Measure.theme_id == theme_id).order_by(Measure.position, Measure.id)
            )
        )
    )
    db.session.flush()


# --- indicators --------------------------------------------------------------------------------


def _indicator_values(values: dict) -> dict:
    values = dict(values)
    for name in INDICATOR_TEXTS:
        values[name] = text(values.get(name))
    if not values["description"]:
        raise Refused(_("Write the description."))
    values["comparator"] = Comparator(values.get("comparator", Comparator.QUALITATIVE))
    year = values.get("baseline_year")
    if year is not None and not 1900 <= year <= 2100:
        raise Refused(_("Use a year from 1900 to 2100."))
    for name in ("baseline_value", "target_value"):
        if values.get(name) is not None:
            values[name] = Decimal(values[name]).quantize(Decimal("0.01"))
    if values["comparator"] is Comparator.QUALITATIVE:
        values["target_value"] = None
    elif values.get("target_value") is None:
        raise Refused(_("Write the target value, or choose a qualitative target."))
    return values


def create_indicator(actor, measure: Measure, *, workspace_id: int, **values) -> Indicator:
    indicator = Indicator(
        measure_id=measure.id, position=next_position(Indicator, measure.id), **_indicator_values(values)
    )
    db.session.add(indicator)
    db.session.flush()
    audit.record(actor, "indicator.create", indicator, workspace_id=workspace_id, measure_id=measure.id)
    return indicator


def update_indicator(actor, indicator: Indicator, *, workspace_id: int, **values) -> list[str]:
    changed = assign(indicator, _indicator_values(values))
    if changed:
        db.session.flush()
        audit.record(actor, "indicator.update", indicator, workspace_id=workspace_id, changed=changed)
    return changed


def delete_indicator(actor, indicator: Indicator, *, workspace_id: int) -> None:
    """Delete an indicator that has no yearly readings yet (readings are follow-up data)."""
    readings = db.session.scalar(
        select(_count(IndicatorReading, IndicatorReading.indicator_id == indicator.id))
    )
    if readings:
        raise Refused(
            _(
                "This indicator cannot be deleted: it has %(what)s. Nothing was deleted.",
                what=describe_counts({"readings": readings}),
            )
        )
    measure_id = indicator.measure_id
    audit.record(
        actor, "indicator.delete", indicator, workspace_id=workspace_id, description=indicator.description
    )
    db.session.delete(indicator)
    db.session.flush()
    renumber(siblings_of_measure(measure_id))
    db.session.flush()


def siblings_of_measure(measure_id: int) -> list[Indicator]:
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.measure_id == measure_id)
            .order_by(Indicator.position, Indicator.id)
        )
    )
