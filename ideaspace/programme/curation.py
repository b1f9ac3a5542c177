"""Moderators choose what goes into the programme and in what order."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..models import Activity, Measure, MeasureStatus, Theme, Workspace
from ..quotes.service import QuoteRow, workspace_quotes
from .service import ANSWERED_KINDS


@dataclass
class ThemeChoices:
    theme: Theme
    measures: list[Measure]
    activities: list[Activity]  # every poll and scale of the theme
    chosen: list[Activity]  # those in the programme, in the programme's order
    quotes: list[QuoteRow] = field(default_factory=list)  # (quote, may name, why left out)


def programme_order(activity: Activity) -> tuple:
    return (activity.programme_position, activity.position, activity.id)


def choices(workspace: Workspace) -> list[ThemeChoices]:
    """Every theme with its measures, its answerable activities and its quotes, in four queries."""
    themes = list(
        db.session.scalars(
            select(Theme)
            .where(Theme.workspace_id == workspace.id)
            .order_by(Theme.position, Theme.id)
            .options(selectinload(Theme.measures), selectinload(Theme.activities))
        )
    )
    quotes: dict[int, list] = {}
    for row in workspace_quotes(workspace):
        quotes.setdefault(row.quote.theme_id, []).append(row)
    result = []
    for theme in themes:
        answered = [a for a in theme.activities if a.kind in ANSWERED_KINDS]
        chosen = sorted((a for a in answered if a.in_programme), key=programme_order)
        result.append(ThemeChoices(theme, list(theme.measures), answered, chosen, quotes.get(theme.id, [])))
    return result


def get_theme(workspace: Workspace, theme_id: int) -> Theme:
    from ..workspaces.service import get_theme as load

    return load(workspace, theme_id)


def get_activity(workspace: Workspace, activity_id: int) -> Activity:
    from flask import abort

    activity = db.session.scalar(
        select(Activity)
        .join(Theme, Theme.id == Activity.theme_id)
        .where(Activity.id == activity_id, Theme.workspace_id == workspace.id)
    )
    if activity is None:
        abort(404)
    return activity


def _chosen_in(theme_id: int) -> list[Activity]:
    items = db.session.scalars(
        select(Activity).where(Activity.theme_id == theme_id, Activity.in_programme.is_(True))
    )
    return sorted(items, key=programme_order)


def _renumber(items: list[Activity]) -> None:
    for position, item in enumerate(items):
        if item.programme_position != position:
            item.programme_position = position


def choose_results(actor, theme: Theme, activity_ids: set[int]) -> tuple[list[int], list[int]]:
    """Put exactly these poll and scale activities of the theme into the programme.

    Newly chosen ones go to the end, in the theme's order; returns (added ids, removed ids).
    """
    answered = [a for a in theme.activities if a.kind in ANSWERED_KINDS]
    added = [a for a in answered if a.id in activity_ids and not a.in_programme]
    removed = [a for a in answered if a.id not in activity_ids and a.in_programme]
    if not added and not removed:
        return [], []
    kept = sorted((a for a in answered if a.in_programme and a not in removed), key=programme_order)
    for activity in removed:
        activity.in_programme = False
        activity.programme_position = 0
    for activity in added:
        activity.in_programme = True
    _renumber(kept + added)
    db.session.flush()
    audit.record(
        actor,
        "programme.choose_results",
        theme,
        workspace_id=theme.workspace_id,
        added=[a.id for a in added],
        removed=[a.id for a in removed],
    )
    return [a.id for a in added], [a.id for a in removed]


def move_result(actor, activity: Activity, direction: str, *, workspace_id: int) -> bool:
    """Move a chosen activity's results one step up or down in its theme's programme section."""
    if direction not in ("up", "down"):
        raise ValueError(direction)
    if not activity.in_programme:
        return False
    items = _chosen_in(activity.theme_id)
    index = items.index(activity)
    target = index - 1 if direction == "up" else index + 1
    moved = 0 <= target < len(items)
    if moved:
        items[index], items[target] = items[target], items[index]
    _renumber(items)
    if moved:
        db.session.flush()
        audit.record(
            actor,
            "programme.move_result",
            activity,
            workspace_id=workspace_id,
            direction=direction,
            position=activity.programme_position,
        )
    return moved


def set_measure_status(actor, measure: Measure, status: str, *, workspace_id: int) -> bool:
    """In the programme, proposed, or dropped: only measures in the programme are printed."""
    status = MeasureStatus(status)
    if measure.status is status:
        return False
    previous = measure.status
    measure.status = status
    db.session.flush()
    audit.record(
        actor, "measure.status", measure, workspace_id=workspace_id, old=previous.value, new=status.value
    )
    return True
