"""Copy a workspace as a template: its structure into a new draft workspace, no content, no people.

What is copied (everything a moderator built, so the next round starts where this one was set up):

- the workspace's introduction, strategy, primary language, who may take part and minimum group
  size; the new title and address are the moderator's; it starts as a **draft** with no dates;
- its themes in order, with their titles and introductions;
- each theme's measures in order (goal, text, schedule, responsible), as *proposed* rows with no
  originating idea, and their indicators (description, unit, baseline, target) without the yearly
  readings, which are follow-up data of this programme;
- each theme's activities in order with every setting (kind, title, prompt, anonymity, results
  visibility, changeable answers, selection limit) as **drafts**, not chosen for the programme
  document; a poll's options in order, those that vote on a measure pointing at the copied measure.

What is not: comments, notes, ideas, answers and who answered, supports, likes, quotes, reports,
programme versions, workshops, covers and pictures, invitation texts, visits, and every person:
no memberships or invitations; the moderator who copies becomes the new workspace's moderator
(as when creating one), and the audit log names the source.

Columns are copied by default (a new column of structure comes along by itself); the lists below
name the ones that belong to this round rather than to its structure.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..anonymity import k_floor
from ..extensions import db
from ..models import (
    Activity,
    ActivityStatus,
    Indicator,
    Measure,
    MeasureStatus,
    Option,
    Theme,
    Workspace,
    WorkspaceStatus,
    utcnow,
)
from . import manage

# Per model: the columns not copied (ids, the parent's key, and what belongs to this round).
_SKIP = {
    Theme: {"id", "workspace_id", "created_at"},
    Measure: {"id", "theme_id", "origin_idea_id", "status"},
    Indicator: {"id", "measure_id"},
    Activity: {"id", "theme_id", "status", "opened_at", "in_programme", "programme_position"},
    Option: {"id", "activity_id", "measure_id"},
}


@dataclass
class Copied:
    workspace: Workspace
    themes: int = 0
    measures: int = 0
    indicators: int = 0
    activities: int = 0
    options: int = 0


def _columns(obj, **overrides) -> dict:
    """The copied columns of `obj` (texts per language deep-copied), with `overrides` set."""
    skip = _SKIP[type(obj)]
    values = {
        attr.key: copy.deepcopy(getattr(obj, attr.key))
        for attr in sa.inspect(type(obj)).column_attrs
        if attr.key not in skip
    }
    return {**values, **overrides}


def _structure(source: Workspace) -> list[Theme]:
    """The source's themes with their measures, indicators, activities and options (five queries)."""
    return list(
        db.session.scalars(
            select(Theme)
            .where(Theme.workspace_id == source.id)
            .order_by(Theme.position, Theme.id)
            .options(
                selectinload(Theme.measures).selectinload(Measure.indicators),
                selectinload(Theme.activities).selectinload(Activity.options),
            )
        )
    )


def _ordered(items) -> list:
    return sorted(items, key=lambda item: (item.position, item.id))


def copy_workspace(actor, source: Workspace, *, slug: str, title: dict) -> Copied:
    """Create a draft workspace with `source`'s structure (see the module's docstring)."""
    workspace = manage.create_workspace(
        actor,
        slug=slug,
        title=title,
        introduction=copy.deepcopy(source.introduction),
        introduction_source=copy.deepcopy(source.introduction_source),
        strategy=copy.deepcopy(source.strategy),
        primary_language=source.primary_language,
        status=WorkspaceStatus.DRAFT,
        access=source.access,
        opens_on=None,
        closes_on=None,
        min_group_size=max(source.min_group_size, k_floor()),  # the floor may have risen since
    )
    result = Copied(workspace)
    themes = _structure(source)
    now = utcnow()
    copied_themes: list[Theme] = []
    copied_measures: dict[int, Measure] = {}  # the source's measure id → its copy
    for theme_position, theme in enumerate(themes):
        new_theme = Theme(**_columns(theme, position=theme_position, created_at=now))
        new_theme.workspace_id = workspace.id
        for position, measure in enumerate(_ordered(theme.measures)):
            new_measure = Measure(**_columns(measure, position=position, status=MeasureStatus.PROPOSED))
            new_measure.indicators = [
                Indicator(**_columns(indicator, position=i))
                for i, indicator in enumerate(_ordered(measure.indicators))
            ]
            copied_measures[measure.id] = new_measure
            new_theme.measures.append(new_measure)
            result.measures += 1
            result.indicators += len(new_measure.indicators)
        copied_themes.append(new_theme)
    # Activities after every measure: an option may vote on a measure of another theme.
    for theme, new_theme in zip(themes, copied_themes, strict=True):
        for position, activity in enumerate(_ordered(theme.activities)):
            new_activity = Activity(**_columns(activity, position=position, status=ActivityStatus.DRAFT))
            for i, option in enumerate(_ordered(activity.options)):
                new_option = Option(**_columns(option, position=i))
                new_option.measure = copied_measures.get(option.measure_id)
                new_activity.options.append(new_option)
                result.options += 1
            new_theme.activities.append(new_activity)
            result.activities += 1
    db.session.add_all(copied_themes)
    result.themes = len(copied_themes)
    db.session.flush()
    audit.record(
        actor,
        "workspace.copy",
        workspace,
        workspace_id=workspace.id,
        source=source.id,
        source_slug=source.slug,
        themes=result.themes,
        measures=result.measures,
        activities=result.activities,
    )
    return result
