"""Participation statistics of a workspace, computed with a fixed number of aggregate queries.

Whatever the size of the workspace, `workspace_statistics` runs the same eight queries: the funnel
and the unit breakdown (one), unit names (one), themes (one), activities (one), comments (one),
answers, notes, ideas and supports per theme/activity (one, a UNION ALL), and the daily series
(one, a UNION ALL). Nothing is loaded row by row.

Counting rules:
- The funnel counts *participant* memberships with an invitation (`invited_at` set); moderators
  run the workspace and are not part of it. People who joined an open-to-all workspace without an
  invitation are counted apart (`Funnel.uninvited_*`), so the rates stay shares of the invited.
- Answers are counted through `Respondent` (one row per person and activity, anonymous or not)
  and `GuestResponse` (one row per guest device of a live workshop and activity: the answers a
  unit's work community gave in a session, ideaspace/workshops), never through `Answer`, which for
  anonymous activities has no link to anybody. A guest's answer counts on the day of its session.
- Hidden content is left out: hidden comments, notes and ideas, withdrawn comments, and the
  comments and supports of hidden ideas.
- Days are UTC calendar days, the same days `Visit.day` records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy import func, literal, select
from sqlalchemy.orm import aliased

from ..anonymity import group_size
from ..extensions import db
from ..models import (
    Activity,
    ActivityKind,
    Comment,
    Idea,
    IdeaSupport,
    LocalizedText,
    Measure,
    MemberRole,
    Membership,
    Note,
    Respondent,
    Theme,
    Unit,
    User,
    Visit,
    Workspace,
)
from ..workshops.models import Guest, GuestResponse, Workshop

ONE_DECIMAL = Decimal("0.1")
CONTRIBUTION_KINDS = ("comments", "answers", "notes", "ideas", "supports")


def rate(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole`, one decimal, rounded half up; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Funnel:
    invited: int = 0
    visited: int = 0
    contributed: int = 0
    # Participants who joined an open-to-all workspace without being invited.
    uninvited_visited: int = 0
    uninvited_contributed: int = 0

    @property
    def visited_rate(self) -> Decimal | None:
        return rate(self.visited, self.invited)

    @property
    def contributed_rate(self) -> Decimal | None:
        return rate(self.contributed, self.invited)


@dataclass
class Counts:
    comments: int = 0
    answers: int = 0
    notes: int = 0
    ideas: int = 0
    supports: int = 0

    @property
    def total(self) -> int:
        return self.comments + self.answers + self.notes + self.ideas + self.supports

    def add(self, other: Counts) -> None:
        for name in CONTRIBUTION_KINDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ActivityRow(Counts):
    id: int = 0
    theme_id: int = 0
    title: LocalizedText = field(default_factory=dict)
    kind: ActivityKind = ActivityKind.DISCUSSION
    is_anonymous: bool = False


@dataclass
class ThemeRow(Counts):
    """A theme's totals: everything on the theme, its measures, its activities and its ideas.

    `id` is None for the row of ideas that belong to no theme (and their comments and supports).
    """

    id: int | None = None
    title: LocalizedText = field(default_factory=dict)
    activities: list[ActivityRow] = field(default_factory=list)


@dataclass
class UnitRow:
    """Invited / visited / contributed of one unit, or of the units merged into "other units"."""

    unit_id: int | None
    name: LocalizedText | None
    parent_name: LocalizedText | None = None
    invited: int = 0
    visited: int = 0
    contributed: int = 0
    # For the merged row: how many units (a missing unit counts as one) it holds.
    merged_units: int = 0
    # The merged row also holds units of at least the minimum size (to hide a small remainder).
    merged_larger: bool = False

    @property
    def is_other(self) -> bool:
        return self.merged_units > 0

    @property
    def visited_rate(self) -> Decimal | None:
        return rate(self.visited, self.invited)

    @property
    def contributed_rate(self) -> Decimal | None:
        return rate(self.contributed, self.invited)


@dataclass
class DayRow:
    day: date
    visits: int = 0
    new_contributors: int = 0
    comments: int = 0
    answers: int = 0
    notes: int = 0
    ideas: int = 0
    supports: int = 0

    @property
    def contributions(self) -> int:
        return self.comments + self.answers + self.notes + self.ideas + self.supports


@dataclass
class WorkspaceStatistics:
    workspace_id: int
    slug: str
    min_group_size: int
    funnel: Funnel
    themes: list[ThemeRow]
    units: list[UnitRow]
    daily: list[DayRow]

    @property
    def activities(self) -> list[ActivityRow]:
        return [activity for theme in self.themes for activity in theme.activities]

    @property
    def theme_totals(self) -> Counts:
        total = Counts()
        for theme in self.themes:
            total.add(theme)
        return total

    @property
    def activity_totals(self) -> Counts:
        total = Counts()
        for activity in self.activities:
            total.add(activity)
        return total

    @property
    def unit_totals(self) -> UnitRow:
        total = UnitRow(unit_id=None, name=None)
        for row in self.units:
            total.invited += row.invited
            total.visited += row.visited
            total.contributed += row.contributed
        return total

    @property
    def daily_max(self) -> int:
        return max((max(d.visits, d.contributions) for d in self.daily), default=0)


def workspace_statistics(workspace: Workspace, today: date | None = None) -> WorkspaceStatistics:
    """Every figure of the statistics page, the CLI and the downloads, for one workspace."""
    funnel, unit_counts = _funnel_and_units(workspace)
    k = group_size(workspace)  # never below the floor, whatever an old row says
    return WorkspaceStatistics(
        workspace_id=workspace.id,
        slug=workspace.slug,
        min_group_size=k,
        funnel=funnel,
        themes=_themes(workspace),
        units=_unit_rows(unit_counts, k),
        daily=_daily(workspace, today or date.today()),
    )


# --- the funnel and the unit breakdown ------------------------------------------------------


def workspace_funnel(workspace: Workspace) -> Funnel:
    """Only the invited / visited / contributed funnel (one query), for the programme."""
    return _funnel_and_units(workspace)[0]


def _funnel_and_units(workspace: Workspace) -> tuple[Funnel, dict[int | None, tuple[int, int, int]]]:
    invited = (Membership.invited_at.is_not(None)).label("invited")
    rows = db.session.execute(
        select(
            User.unit_id,
            invited,
            func.count(),
            func.count(Membership.first_visit_at),
            func.count(Membership.first_contribution_at),
        )
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace.id, Membership.role == MemberRole.PARTICIPANT)
        .group_by(User.unit_id, invited)
    ).all()
    funnel = Funnel()
    units: dict[int | None, tuple[int, int, int]] = {}
    for unit_id, was_invited, members, visited, contributed in rows:
        if was_invited:
            funnel.invited += members
            funnel.visited += visited
            funnel.contributed += contributed
            units[unit_id] = (members, visited, contributed)
        else:
            funnel.uninvited_visited += visited
            funnel.uninvited_contributed += contributed
    return funnel, units


def _unit_rows(counts: dict[int | None, tuple[int, int, int]], min_size: int) -> list[UnitRow]:
    """One row per unit of at least `min_size` invited people; the rest merged into one row.

    When the merged row would itself be smaller than `min_size`, the next smallest units join it
    too, so that no row (and no difference of a row from the total) shows fewer people.
    """
    if not counts:
        return []
    names = _unit_names([unit_id for unit_id in counts if unit_id is not None])
    # Smallest first, ties in a stable order, so the choice of what to merge is deterministic.
    ordered = sorted(counts.items(), key=lambda item: (item[1][0], item[0] is not None, item[0] or 0))
    small = [item for item in ordered if item[1][0] < min_size]
    large = [item for item in ordered if item[1][0] >= min_size]
    merged_larger = False
    while small and sum(c[0] for _, c in small) < min_size and large:
        small.append(large.pop(0))
        merged_larger = True
    rows = []
    for unit_id, (invited, visited, contributed) in large:
        name, parent = names.get(unit_id, (None, None))
        rows.append(UnitRow(unit_id, name, parent, invited, visited, contributed))
    rows.sort(key=lambda r: (_sort_name(r.parent_name), _sort_name(r.name), r.unit_id or 0))
    if small:
        other = UnitRow(unit_id=None, name=None, merged_units=len(small), merged_larger=merged_larger)
        for _, (invited, visited, contributed) in small:
            other.invited += invited
            other.visited += visited
            other.contributed += contributed
        rows.append(other)
    return rows


def unit_groups(units: list[UnitRow]) -> list[tuple[LocalizedText | None, list[UnitRow]]]:
    """The unit rows by department: (the department's name, its rows), departments by name.

    A department with people of its own is the first row of its group. The unit-less row and the
    merged "other units" row come last, in a group of None. Nothing is added up per department:
    a department's total less its shown units would single out its small ones.
    """
    groups: dict[str | None, tuple[LocalizedText | None, list[UnitRow]]] = {}
    for row in units:
        department = None if row.is_other or row.unit_id is None else (row.parent_name or row.name)
        key = None if department is None else repr(sorted(department.items()))
        groups.setdefault(key, (department, []))[1].append(row)
    for _, rows in groups.values():
        rows.sort(key=lambda row: row.parent_name is not None)  # stable: the department first
    ordered = sorted((g for k, g in groups.items() if k is not None), key=lambda g: _sort_name(g[0]))
    return ordered + ([groups[None]] if None in groups else [])


def _sort_name(name: LocalizedText | None) -> str:
    return next(iter(name.values()), "").casefold() if name else "\uffff"


def _unit_names(ids: list[int]) -> dict[int, tuple[LocalizedText, LocalizedText | None]]:
    if not ids:
        return {}
    parent = aliased(Unit)
    rows = db.session.execute(
        select(Unit.id, Unit.name, parent.name)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(Unit.id.in_(ids))
    ).all()
    return {unit_id: (name, parent_name) for unit_id, name, parent_name in rows}


# --- activity per theme and per activity ----------------------------------------------------


def _themes(workspace: Workspace) -> list[ThemeRow]:
    themes = [
        ThemeRow(id=theme_id, title=title)
        for theme_id, title in db.session.execute(
            select(Theme.id, Theme.title)
            .where(Theme.workspace_id == workspace.id)
            .order_by(Theme.position, Theme.id)
        )
    ]
    by_theme: dict[int | None, ThemeRow] = {row.id: row for row in themes}
    activities: dict[int, ActivityRow] = {}
    for activity_id, theme_id, title, kind, anonymous in db.session.execute(
        select(Activity.id, Activity.theme_id, Activity.title, Activity.kind, Activity.is_anonymous)
        .join(Theme, Theme.id == Activity.theme_id)
        .where(Theme.workspace_id == workspace.id)
        .order_by(Theme.position, Theme.id, Activity.position, Activity.id)
    ):
        row = ActivityRow(id=activity_id, theme_id=theme_id, title=title, kind=kind, is_anonymous=anonymous)
        activities[activity_id] = row
        by_theme[theme_id].activities.append(row)

    no_theme = ThemeRow(id=None)
    for kind, theme_id, activity_id, count in _content_counts(workspace):
        theme_row = by_theme.get(theme_id, no_theme)
        setattr(theme_row, kind, getattr(theme_row, kind) + count)
        if activity_id is not None and activity_id in activities:
            activity = activities[activity_id]
            setattr(activity, kind, getattr(activity, kind) + count)
    if no_theme.total:
        themes.append(no_theme)
    return themes


def _content_counts(workspace: Workspace) -> list[tuple[str, int | None, int | None, int]]:
    """(kind, theme id, activity id, count) of visible comments, answers, notes, ideas, supports."""
    comments, rest = _content_count_statements()
    params = {"ws": workspace.id}
    return [tuple(row) for statement in (comments, rest) for row in db.session.execute(statement, params)]


@cache
def _content_count_statements():
    """The two statements of `_content_counts`, built once (building them cost more than running
    them): the workspace is the bound parameter `ws`."""
    ws = sa.bindparam("ws", type_=sa.Integer)
    measure, activity, idea = aliased(Measure), aliased(Activity), aliased(Idea)
    comment_theme = func.coalesce(Comment.theme_id, measure.theme_id, activity.theme_id, idea.theme_id)
    comments = (
        select(literal("comments"), comment_theme, Comment.activity_id, func.count())
        .select_from(Comment)
        .outerjoin(measure, measure.id == Comment.measure_id)
        .outerjoin(activity, activity.id == Comment.activity_id)
        # the workspace's ideas only (a comment's idea is always of its workspace): PostgreSQL then
        # hashes the workspace's ideas (ix_idea_workspace_created) instead of scanning all of them
        .outerjoin(idea, (idea.id == Comment.idea_id) & (idea.workspace_id == ws))
        .where(
            Comment.workspace_id == ws,
            Comment.hidden_at.is_(None),
            Comment.withdrawn_at.is_(None),
            idea.hidden_at.is_(None),  # also true when the comment is not on an idea
        )
        .group_by(comment_theme, Comment.activity_id)
    )
    # counted per activity of the workspace (an index-only count each, 0 when nobody answered):
    # on PostgreSQL ~2 -> ~1 ms against hashing all the workspace's respondents by two keys
    answered = select(func.count()).where(Respondent.activity_id == Activity.id).scalar_subquery()
    guests_answered = select(func.count()).where(GuestResponse.activity_id == Activity.id).scalar_subquery()
    answers = (
        select(literal("answers"), Activity.theme_id, Activity.id, answered + guests_answered)
        .join(Theme, Theme.id == Activity.theme_id)
        .where(Theme.workspace_id == ws)
    )
    notes = (
        select(literal("notes"), Activity.theme_id, Note.activity_id, func.count())
        .join(Activity, Activity.id == Note.activity_id)
        .where(Note.workspace_id == ws, Note.hidden_at.is_(None))
        .group_by(Activity.theme_id, Note.activity_id)
    )
    no_activity = sa.null().cast(sa.Integer)
    ideas = (
        select(literal("ideas"), Idea.theme_id, no_activity, func.count())
        .where(Idea.workspace_id == ws, Idea.hidden_at.is_(None))
        .group_by(Idea.theme_id)
    )
    supports = (
        select(literal("supports"), Idea.theme_id, no_activity, func.count())
        .select_from(IdeaSupport)
        .join(Idea, Idea.id == IdeaSupport.idea_id)
        .where(Idea.workspace_id == ws, Idea.hidden_at.is_(None))
        .group_by(Idea.theme_id)
    )
    return comments, sa.union_all(answers, notes, ideas, supports)


# --- the daily series -----------------------------------------------------------------------


def _utc_day(column, dialect: str):
    """The UTC calendar day of a timestamp, in SQL, on either engine."""
    if dialect == "postgresql":
        return sa.cast(func.timezone(sa.literal_column("'UTC'"), column), sa.Date)
    return func.date(column)  # SQLite stores UTCDateTime already converted to UTC


def _daily(workspace: Workspace, today: date) -> list[DayRow]:
    statement = _daily_statement(db.session.get_bind().dialect.name)
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for kind, day, n in db.session.execute(statement, {"ws": workspace.id}):
        if day is None:
            continue
        if isinstance(day, str):  # SQLite's date() returns text
            day = date.fromisoformat(day[:10])
        counts[day][kind] = counts[day].get(kind, 0) + n

    start, end = _period(workspace, sorted(counts), today)
    if start is None:
        return []
    days = []
    current = start
    while current <= end:
        days.append(DayRow(current, **counts.get(current, {})))
        current += timedelta(days=1)
    return days


@cache
def _daily_statement(dialect: str):
    """Contributions and visits per kind and day (a UNION ALL), built once per engine; the
    workspace is the bound parameter `ws`."""
    ws = sa.bindparam("ws", type_=sa.Integer)
    participant = (Membership.workspace_id == ws) & (Membership.role == MemberRole.PARTICIPANT)

    def per_day(kind: str, day, query):
        return query.add_columns(literal(kind), day, func.count()).group_by(day)

    # The workspace's ideas, read once for the ideas and the supports (a CTE used twice, so
    # materialised): reading them once per kind made PostgreSQL plan a parallel append whose two
    # workers cost more than the statement (~18 ms against ~7 ms serial). The comments keep their
    # own join: SQLite would scan the materialised ideas once per comment instead of a key lookup.
    comment_idea = aliased(Idea)
    idea = (
        select(Idea.id, Idea.created_at, Idea.hidden_at).where(Idea.workspace_id == ws).cte("workspace_idea")
    )
    parts = [
        per_day(
            "visits",
            Visit.day,
            select()
            .select_from(Visit)
            .join(Membership, Membership.id == Visit.membership_id)
            .where(participant),
        ),
        per_day(
            "new_contributors",
            _utc_day(Membership.first_contribution_at, dialect),
            select()
            .select_from(Membership)
            .where(participant, Membership.first_contribution_at.is_not(None)),
        ),
        per_day(
            "comments",
            _utc_day(Comment.created_at, dialect),
            select()
            .select_from(Comment)
            .outerjoin(comment_idea, (comment_idea.id == Comment.idea_id) & (comment_idea.workspace_id == ws))
            .where(
                Comment.workspace_id == ws,
                Comment.hidden_at.is_(None),
                Comment.withdrawn_at.is_(None),
                comment_idea.hidden_at.is_(None),
            ),
        ),
        per_day(
            "answers",
            Respondent.answered_on,
            select()
            .select_from(Respondent)
            .join(Activity, Activity.id == Respondent.activity_id)
            .join(Theme, Theme.id == Activity.theme_id)
            .where(Theme.workspace_id == ws),
        ),
        per_day(
            "answers",
            _utc_day(Workshop.created_at, dialect),
            select()
            .select_from(GuestResponse)
            .join(Guest, Guest.id == GuestResponse.guest_id)
            .join(Workshop, Workshop.id == Guest.workshop_id)
            .where(Workshop.workspace_id == ws),
        ),
        per_day(
            "notes",
            _utc_day(Note.created_at, dialect),
            select().select_from(Note).where(Note.workspace_id == ws, Note.hidden_at.is_(None)),
        ),
        per_day(
            "ideas",
            _utc_day(idea.c.created_at, dialect),
            select().select_from(idea).where(idea.c.hidden_at.is_(None)),
        ),
        per_day(
            "supports",
            _utc_day(IdeaSupport.created_at, dialect),
            select()
            .select_from(IdeaSupport)
            .join(idea, idea.c.id == IdeaSupport.idea_id)
            .where(idea.c.hidden_at.is_(None)),
        ),
    ]
    return sa.union_all(*parts)


def _period(workspace: Workspace, data_days: list[date], today: date) -> tuple[date | None, date | None]:
    """The open period, cut at today while it lasts, widened to every day that has data."""
    start, end = workspace.opens_on, workspace.closes_on
    if start and (end is None or end > today):
        end = max(start, today)
    if data_days:
        start = min(start or data_days[0], data_days[0])
        end = max(end or data_days[-1], data_days[-1])
    if start is None or end is None:
        return None, None
    return start, end
