"""Notes walls: post a short note, show the wall (grouped by moderators) and its word cloud.

A note on an anonymous wall goes into the ballot box and appears when k people have taken part
(ideaspace/ballot/service.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..ballot import service as ballot
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
from ..permissions import can_moderate, can_post_in, can_view_hidden, viewer
from ..sanitize import clean_line, clean_text
from ..workspaces.service import record_contribution
from . import wordcloud

MAX_LENGTH = 280
# Notes shown per page of a wall (newest first); the word cloud and the count cover every note.
PAGE_SIZE = 50
# The theme page shows each wall's newest notes and links to the wall's page for the rest.
PREVIEW_SIZE = 12
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
            gettext(
                "A note can be at most %(max)d characters long (now %(n)d).", max=MAX_LENGTH, n=len(cleaned)
            )
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
) -> Note | ballot.Pending:
    """Put a note on the wall; on an anonymous wall, into the ballot box (a Pending comes back)."""
    cleaned = clean_note(text)
    record_contribution(user, workspace, membership)
    if activity.is_anonymous:
        return ballot.seal(user, workspace, activity.id, ballot.BallotKind.NOTE, {"text": cleaned})
    note = Note(
        workspace_id=workspace.id,
        activity_id=activity.id,
        text=cleaned,
        author_id=user.id,
        unit_id=user.unit_id,
        created_at=now or utcnow(),
    )
    db.session.add(note)
    db.session.flush()
    return note


# --- moderators --------------------------------------------------------------------------------


def create_group(actor: User, workspace: Workspace, activity: Activity, label: str | None) -> NoteGroup:
    cleaned = clean_line(label)
    if not cleaned:
        raise NoteError(_l("Give the group a name."))
    if len(cleaned) > GROUP_LABEL_MAX:
        raise NoteError(gettext("A group name can be at most %(max)d characters long.", max=GROUP_LABEL_MAX))
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
    clouds: list[wordcloud.Cloud] = field(default_factory=list)  # one a language the notes use
    can_post: bool = False
    can_moderate: bool = False
    units: dict[int, Unit] = field(default_factory=dict)  # the notes' units (Note has no relationship)
    count: int = 0  # notes on every page
    group_counts: dict[int, int] = field(default_factory=dict)  # notes per group, on every page
    page: int = 1
    pages: int = 1
    preview: bool = False  # the newest notes only (the theme page); the rest on the wall's page

    @property
    def is_grouped(self) -> bool:
        return any(notes for _group, notes in self.groups)

    @property
    def more(self) -> bool:
        """A preview that leaves notes out: the page links to the whole wall."""
        return self.preview and self.count > len(self.notes)


def walls(user, workspace: Workspace, activities, page: int = 1, preview: bool = False) -> dict[int, Wall]:
    """Every notes wall among the activities at once: three queries, however many notes.

    Each wall holds one page of notes (`page`, newest first), or with `preview` its PREVIEW_SIZE
    newest notes; its cloud and counts cover them all."""
    activities = [a for a in activities if a.kind is ActivityKind.NOTES]
    if not activities:
        return {}
    user = viewer(user)
    ids = [a.id for a in activities]
    # The activities are the workspace's (loaded through it), so no `workspace_id` term: SQLite, which
    # keeps no statistics, would walk the workspace's index through every note of the workspace.
    scope = [Note.activity_id.in_(ids)]
    if not can_view_hidden(user, workspace):
        # A hidden note stays visible to its author, who sees the moderator's reason (moderation).
        own = Note.author_id == user.id if getattr(user, "is_authenticated", False) else false()
        scope.append(or_(Note.hidden_at.is_(None), own))
    # Every note as plain values, newest first: the counts, the word cloud, and which notes to show
    # (no objects: a wall can be long).
    every = db.session.execute(
        select(Note.id, Note.activity_id, Note.group_id, Note.text, Note.hidden_at.is_(None))
        .where(*scope)
        .order_by(Note.created_at.desc(), Note.id.desc())
    ).all()
    size = PREVIEW_SIZE if preview else PAGE_SIZE
    on_wall: dict[int, list[int]] = defaultdict(list)
    group_counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    cloud_texts: dict[int, list[str]] = defaultdict(list)
    for note_id, activity_id, group_id, text, shown in every:
        on_wall[activity_id].append(note_id)
        if group_id:
            group_counts[activity_id][group_id] += 1
        if shown:
            cloud_texts[activity_id].append(text)
    pages = {a: max(1, -(-len(on_wall[a]) // size)) for a in ids}
    page_of = {a: min(max(1, page), pages[a]) for a in ids}
    shown_ids = [i for a in ids for i in on_wall[a][(page_of[a] - 1) * size : page_of[a] * size]]
    # The notes shown, with their authors and units: one page (or the preview) of each wall.
    notes: list[Note] = []
    units: dict[int, Unit] = {}
    if shown_ids:
        rows = db.session.execute(
            select(Note, Unit)
            .outerjoin(Unit, Unit.id == Note.unit_id)
            .where(Note.id.in_(shown_ids))
            .options(joinedload(Note.author))
            .order_by(Note.created_at.desc(), Note.id.desc())
        )
        for note, unit in rows:
            notes.append(note)
            if unit is not None:
                units[unit.id] = unit
    groups = list(
        db.session.scalars(
            select(NoteGroup).where(NoteGroup.activity_id.in_(ids)).order_by(NoteGroup.position, NoteGroup.id)
        )
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
        wall_notes = by_activity[activity.id]
        in_group: dict[int, list[Note]] = defaultdict(list)
        ungrouped = []
        for note in wall_notes:
            (in_group[note.group_id] if note.group_id else ungrouped).append(note)
        result[activity.id] = Wall(
            activity=activity,
            notes=wall_notes,
            count=len(on_wall[activity.id]),
            group_counts=dict(group_counts[activity.id]),
            page=1 if preview else page_of[activity.id],
            pages=1 if preview else pages[activity.id],
            preview=preview,
            groups=[(g, in_group[g.id]) for g in groups_of[activity.id]],
            ungrouped=ungrouped,
            all_groups=groups_of[activity.id],
            clouds=wordcloud.clouds(cloud_texts[activity.id], workspace.primary_language),
            can_post=can_post_in(user, activity, workspace),
            can_moderate=moderator,
            units=units,
        )
    return result


def wall(user, workspace: Workspace, activity: Activity, page: int = 1, preview: bool = False) -> Wall:
    return walls(user, workspace, [activity], page, preview)[activity.id]


def theme_notes(user, workspace: Workspace, theme: Theme) -> dict[int, Wall]:
    """What the theme page's notes partials need: every wall of the theme, each a preview, in bulk."""
    return walls(user, workspace, theme.activities, preview=True)
