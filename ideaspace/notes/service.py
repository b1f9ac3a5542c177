"""Notes walls: post a short note, show the wall (grouped by moderators) and its word cloud.

An anonymous notes activity stores a note with no author, its unit only when the unit has at least
the workspace's minimum group size of people, and a date with no time of day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..discussion.service import record_anonymous_contribution, start_of_day, unit_shown_anonymously
from ..extensions import db
from ..models import (
    Activity,
    ActivityKind,
    Membership,
    Note,
    NoteGroup,
    Theme,
    Unit,
    User,
    Workspace,
    utcnow,
)
from ..permissions import can_moderate, can_post_in, can_view_hidden
from ..sanitize import clean_text
from ..workspaces.service import record_contribution
from . import wordcloud

MAX_LENGTH = 280
# Notes shown per page of a wall (newest first); the word cloud and the count cover every note.
PAGE_SIZE = 50
GROUP_LABEL_MAX = 120


class NoteError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def get_activity(workspace: Workspace, activity_id: int) -> Activity:
    """A notes activity of this workspace (any other kind, or another workspace's, is 404)."""
    activity = db.session.scalar(
        select(Activity)
        .join(Theme, Activity.theme_id == Theme.id)
        .where(
            Activity.id == activity_id,
            Theme.workspace_id == workspace.id,
            Activity.kind == ActivityKind.NOTES,
        )
        .options(joinedload(Activity.theme))
    )
    if activity is None:
        abort(404)
    return activity


def get_note(workspace: Workspace, note_id: int) -> Note:
    note = db.session.scalar(select(Note).where(Note.id == note_id, Note.workspace_id == workspace.id))
    if note is None:
        abort(404)
    return note


def get_group(activity: Activity, group_id: int) -> NoteGroup | None:
    return db.session.scalar(
        select(NoteGroup).where(NoteGroup.id == group_id, NoteGroup.activity_id == activity.id)
    )


def clean_note(text: str | None) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise NoteError(_l("Write a note before posting."))
    if len(cleaned) > MAX_LENGTH:
        raise NoteError(
            _l("A note can be at most %(max)d characters long (now %(n)d).", max=MAX_LENGTH, n=len(cleaned))
        )
    return cleaned


def post_note(
    user: User,
    workspace: Workspace,
    activity: Activity,
    text: str | None,
    *,
    membership: Membership | None = None,
    now: datetime | None = None,
) -> Note:
    """Put a note on the wall; anonymous (no author, coarse unit, a date only) when the activity is."""
    cleaned = clean_note(text)
    now = now or utcnow()
    note = Note(workspace_id=workspace.id, activity_id=activity.id, text=cleaned)
    if activity.is_anonymous:
        note.author_id = None
        note.unit_id = unit_shown_anonymously(user, workspace)
        note.created_at = start_of_day(now)
    else:
        note.author_id = user.id
        note.unit_id = user.unit_id
        note.created_at = now
    db.session.add(note)
    db.session.flush()
    if activity.is_anonymous:
        record_anonymous_contribution(user, workspace, membership)
    else:
        record_contribution(user, workspace, membership)
    return note


# --- moderators --------------------------------------------------------------------------------


def create_group(actor: User, workspace: Workspace, activity: Activity, label: str | None) -> NoteGroup:
    cleaned = clean_text(label)
    if not cleaned:
        raise NoteError(_l("Give the group a name."))
    if len(cleaned) > GROUP_LABEL_MAX:
        raise NoteError(_l("A group name can be at most %(max)d characters long.", max=GROUP_LABEL_MAX))
    position = db.session.scalar(
        select(func.coalesce(func.max(NoteGroup.position), 0)).where(NoteGroup.activity_id == activity.id)
    )
    group = NoteGroup(activity_id=activity.id, label=cleaned, position=position + 1)
    db.session.add(group)
    db.session.flush()
    audit.record(
        actor, "note_group.create", group, workspace_id=workspace.id, activity_id=activity.id, label=cleaned
    )
    return group


def assign_note(actor: User, workspace: Workspace, note: Note, group: NoteGroup | None) -> Note:
    """Put a note in a group of its own wall, or take it out of any group (group None)."""
    if group is not None and group.activity_id != note.activity_id:
        abort(404)
    previous = note.group_id
    note.group_id = group.id if group is not None else None
    db.session.flush()
    audit.record(
        actor,
        "note.group",
        note,
        workspace_id=workspace.id,
        group_id=note.group_id,
        previous_group_id=previous,
    )
    return note


# --- reading -----------------------------------------------------------------------------------


@dataclass
class Wall:
    """A notes wall as one reader sees it."""

    activity: Activity
    notes: list[Note] = field(default_factory=list)  # newest first
    groups: list[tuple[NoteGroup, list[Note]]] = field(default_factory=list)
    ungrouped: list[Note] = field(default_factory=list)
    all_groups: list[NoteGroup] = field(default_factory=list)
    cloud: list[wordcloud.Term] = field(default_factory=list)
    can_post: bool = False
    can_moderate: bool = False
    units: dict[int, Unit] = field(default_factory=dict)  # the notes' units (Note has no relationship)
    count: int = 0  # notes on every page
    group_counts: dict[int, int] = field(default_factory=dict)  # notes per group, on every page
    page: int = 1
    pages: int = 1

    @property
    def is_grouped(self) -> bool:
        return any(notes for _group, notes in self.groups)


def walls(user, workspace: Workspace, activities, page: int = 1) -> dict[int, Wall]:
    """Every notes wall among the activities at once: three queries, however many notes.

    Each wall holds one page of notes (`page`, newest first); its cloud and counts cover them all."""
    activities = [a for a in activities if a.kind is ActivityKind.NOTES]
    if not activities:
        return {}
    ids = [a.id for a in activities]
    query = (
        select(Note)
        .where(Note.activity_id.in_(ids), Note.workspace_id == workspace.id)
        .options(joinedload(Note.author))
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    if not can_view_hidden(user, workspace):
        # A hidden note stays visible to its author, who sees the moderator's reason (moderation).
        own = Note.author_id == user.id if getattr(user, "is_authenticated", False) else false()
        query = query.where(or_(Note.hidden_at.is_(None), own))
    notes = list(db.session.scalars(query))
    groups = list(
        db.session.scalars(
            select(NoteGroup).where(NoteGroup.activity_id.in_(ids)).order_by(NoteGroup.position, NoteGroup.id)
        )
    )
    unit_ids = {n.unit_id for n in notes if n.unit_id is not None}
    units = (
        {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))} if unit_ids else {}
    )
    moderator = can_moderate(user, workspace)
    by_activity: dict[int, list[Note]] = defaultdict(list)
    for note in notes:
        by_activity[note.activity_id].append(note)
    groups_of: dict[int, list[NoteGroup]] = defaultdict(list)
    for group in groups:
        groups_of[group.activity_id].append(group)
    result = {}
    for activity in activities:
        every_note = by_activity[activity.id]
        pages = max(1, -(-len(every_note) // PAGE_SIZE))
        wall_page = min(max(1, page), pages)
        wall_notes = every_note[(wall_page - 1) * PAGE_SIZE : wall_page * PAGE_SIZE]
        in_group: dict[int, list[Note]] = defaultdict(list)
        ungrouped = []
        for note in wall_notes:
            (in_group[note.group_id] if note.group_id else ungrouped).append(note)
        group_counts: dict[int, int] = defaultdict(int)
        for note in every_note:
            if note.group_id:
                group_counts[note.group_id] += 1
        result[activity.id] = Wall(
            activity=activity,
            notes=wall_notes,
            count=len(every_note),
            group_counts=dict(group_counts),
            page=wall_page,
            pages=pages,
            groups=[(g, in_group[g.id]) for g in groups_of[activity.id]],
            ungrouped=ungrouped,
            all_groups=groups_of[activity.id],
            cloud=wordcloud.cloud(n.text for n in every_note if n.hidden_at is None),
            can_post=can_post_in(user, activity, workspace),
            can_moderate=moderator,
            units=units,
        )
    return result


def wall(user, workspace: Workspace, activity: Activity, page: int = 1) -> Wall:
    return walls(user, workspace, [activity], page)[activity.id]


def theme_notes(user, workspace: Workspace, theme: Theme) -> dict[int, Wall]:
    """What the theme page's notes partials need: every wall of the theme, in bulk."""
    return walls(user, workspace, theme.activities)
