"""The workspace front page: each theme as a card with its open activities, the person's own
progress and what is new since their previous visit; and a theme page's "what to do".

Everything is computed from the themes with their activities (two statements) and one UNION and
one GROUP BY statement, whatever the number of themes, activities or contributions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Comment,
    Idea,
    Measure,
    Note,
    Respondent,
    Theme,
    User,
    Workspace,
    WorkspaceStatus,
)
from ..permissions import activity_is_open, can_moderate, can_participate

# A rough time per kind, for "about 5 min": a poll is a click, a comment or an idea takes thought.
MINUTES = {
    ActivityKind.SINGLE_CHOICE: 1,
    ActivityKind.MULTIPLE_CHOICE: 1,
    ActivityKind.SCALE: 1,
    ActivityKind.NOTES: 2,
    ActivityKind.DISCUSSION: 3,
    ActivityKind.IDEAS: 3,
}


@dataclass
class Summary:
    """What a theme asks of a person: its open activities counted by kind, and the minutes."""

    questions: int = 0  # polls and scales
    discussions: int = 0
    walls: int = 0
    collections: int = 0
    minutes: int = 0

    @property
    def total(self) -> int:
        return self.questions + self.discussions + self.walls + self.collections


@dataclass
class ThemeCard:
    theme: Theme
    open_activities: list[Activity] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    # The person's progress: activities done of those they can be counted in; None when they cannot
    # take part (an observer, or the workspace is not open: progress is there to invite action) or
    # moderate the workspace.
    done: int | None = None
    countable: int = 0
    done_ids: set[int] = field(default_factory=set)
    is_new: bool = False
    new_activities: int = 0
    new_comments: int = 0

    @property
    def has_news(self) -> bool:
        return self.is_new or self.new_activities > 0 or self.new_comments > 0


@dataclass
class FrontPage:
    cards: list[ThemeCard]
    since: datetime | None  # the previous visit ("new since"), None on a first visit
    deadline: date | None  # when the open activities close (activities close with the workspace)
    done: int | None
    countable: int

    @property
    def news(self) -> int:
        return sum(1 for card in self.cards if card.has_news)


def summarise(activities) -> Summary:
    """Count open activities by kind, and the minutes they take roughly."""
    summary = Summary()
    for activity in activities:
        kind = activity.kind
        if kind.is_answered:
            summary.questions += 1
        elif kind is ActivityKind.DISCUSSION:
            summary.discussions += 1
        elif kind is ActivityKind.NOTES:
            summary.walls += 1
        else:
            summary.collections += 1
        summary.minutes += MINUTES.get(kind, 2)
    return summary


def _countable(activity: Activity) -> bool:
    """Whether the app may know that a person took part: a poll or scale always (the respondent
    row), a free-posting activity only when it is not anonymous (an anonymous note or comment
    keeps no link to its author, by design)."""
    return activity.kind.is_answered or not activity.is_anonymous


def _cards(user: User, workspace: Workspace, themes: list[Theme], since: datetime | None) -> list[ThemeCard]:
    """A card per theme (activities loaded): two statements in all, none per theme."""
    moderator = can_moderate(user, workspace)
    participant = can_participate(user, workspace) and getattr(user, "is_authenticated", False)
    # Progress is for those who take part; a workspace's moderators run it (they still see what to do).
    counted = participant and not moderator
    visible = {
        theme.id: [a for a in theme.activities if moderator or a.status is not ActivityStatus.DRAFT]
        for theme in themes
    }
    done_ids = _done(user, workspace, visible) if counted else set()
    new_comments = _new_comments(user, workspace, since) if since is not None else Counter()
    cards = []
    for theme in themes:
        open_ = [a for a in visible[theme.id] if activity_is_open(a, workspace)] if participant else []
        card = ThemeCard(theme=theme, open_activities=open_, summary=summarise(open_))
        if counted:
            countable = [
                a for a in visible[theme.id] if a.status is not ActivityStatus.DRAFT and _countable(a)
            ]
            card.countable = len(countable)
            card.done_ids = {a.id for a in countable if a.id in done_ids}
            card.done = len(card.done_ids)
        if since is not None:
            card.is_new = theme.created_at is not None and theme.created_at > since
            card.new_activities = sum(
                1 for a in visible[theme.id] if a.opened_at is not None and a.opened_at > since
            )
            card.new_comments = new_comments.get(theme.id, 0)
        cards.append(card)
    return cards


def theme_card(user: User, workspace: Workspace, theme: Theme) -> ThemeCard:
    """A theme page's "what to do": its open activities for this person, and what they have done."""
    return _cards(user, workspace, [theme], None)[0]


def front_page(user: User, workspace: Workspace, since: datetime | None) -> FrontPage:
    """The cards of the workspace's themes for this person, in theme order."""
    themes = list(
        db.session.scalars(
            select(Theme)
            .where(Theme.workspace_id == workspace.id)
            .order_by(Theme.position, Theme.id)
            .options(selectinload(Theme.activities))
        )
    )
    cards = _cards(user, workspace, themes, since)
    participant = any(card.done is not None for card in cards)
    return FrontPage(
        cards=cards,
        since=since,
        deadline=workspace.closes_on if workspace.status is WorkspaceStatus.OPEN else None,
        done=sum(c.done for c in cards) if participant else None,
        countable=sum(c.countable for c in cards),
    )


def _done(user: User, workspace: Workspace, visible: dict[int, list[Activity]]) -> set[int]:
    """The activities this person has taken part in, in one statement: answered (respondent row),
    commented or posted a note under their name, or dropped an idea on the activity's theme."""
    activity_ids = [a.id for activities in visible.values() for a in activities]
    if not activity_ids:
        return set()
    statement = union_all(
        select(Respondent.activity_id.label("id"), literal("a").label("k")).where(
            Respondent.user_id == user.id, Respondent.activity_id.in_(activity_ids)
        ),
        select(Comment.activity_id, literal("a")).where(
            Comment.author_id == user.id, Comment.activity_id.in_(activity_ids)
        ),
        select(Note.activity_id, literal("a")).where(
            Note.author_id == user.id, Note.activity_id.in_(activity_ids)
        ),
        select(Idea.theme_id, literal("t")).where(
            Idea.author_id == user.id, Idea.workspace_id == workspace.id, Idea.theme_id.is_not(None)
        ),
    )
    rows = db.session.execute(statement).all()
    done = {row_id for row_id, kind in rows if kind == "a"}
    idea_themes = {row_id for row_id, kind in rows if kind == "t"}
    for theme_id, activities in visible.items():
        if theme_id in idea_themes:
            done.update(a.id for a in activities if a.kind is ActivityKind.IDEAS)
    return done


def _new_comments(user: User, workspace: Workspace, since: datetime) -> Counter:
    """Visible comments by others since `since`, per theme (on the theme, its activities or its
    measures), in one GROUP BY. Only comments under a name: anonymous ones are published in
    batches, and counting them over a person's own time window could single a batch out."""
    theme_of = func.coalesce(Comment.theme_id, Activity.theme_id, Measure.theme_id)
    rows = db.session.execute(
        select(theme_of, func.count())
        .select_from(Comment)
        .outerjoin(Activity, Activity.id == Comment.activity_id)
        .outerjoin(Measure, Measure.id == Comment.measure_id)
        .where(
            Comment.workspace_id == workspace.id,
            Comment.created_at > since,
            Comment.hidden_at.is_(None),
            Comment.withdrawn_at.is_(None),
            Comment.author_id.is_not(None),
            Comment.author_id != user.id,
            Comment.idea_id.is_(None),
        )
        .group_by(theme_of)
    ).all()
    counts: Counter = Counter()
    for theme_id, count in rows:
        if theme_id is not None:
            counts[theme_id] += count
    return counts


__all__ = ["FrontPage", "Summary", "ThemeCard", "front_page", "summarise", "theme_card"]
