"""Reports of inappropriate content, hiding and restoring it, and the moderation queue.

The queue is one list of what needs a moderator's eye in a workspace:

- *reported* content: comments, notes and ideas with open reports, grouped per item with the number
  of reports and their reasons (never the reporters' names);
- *new* content: comments, notes and ideas written since the workspace's moderators last marked the
  queue as reviewed. "Marking as reviewed" writes a `queue.cleared` entry to the audit log whose
  details hold the highest comment, note and idea ids the moderator had in front of them; anything
  with a higher id is new. No schema of its own: the audit log already says who cleared it and when,
  and ids (unlike the day-only dates of anonymous content) order every contribution exactly.

Hiding is soft: hidden_at / hidden_by / hidden_reason; the row stays, moderators still see it (with the
reason) and so does its author; everyone else no longer does. Hiding an item resolves its open reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, case, func, literal, or_, select, union_all, update
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..extensions import db
from ..models import (
    Activity,
    ActivityStatus,
    AuditLog,
    Comment,
    Idea,
    Measure,
    Note,
    Report,
    Theme,
    User,
    Workspace,
    utcnow,
)
from ..permissions import can_report
from ..sanitize import clean_text, html_to_text

KINDS = ("comment", "note", "idea")
MODELS = {"comment": Comment, "note": Note, "idea": Idea}
REPORT_COLUMN = {"comment": Report.comment_id, "note": Report.note_id, "idea": Report.idea_id}
REASON_MAX = 500
PER_PAGE = 20
EXCERPT = 300
CLEARED = "queue.cleared"
REVIEWED = "content.reviewed"
SHOWS = ("all", "reported", "new")


class ModerationError(ValueError):
    """A moderation rule was broken; `field` names the form field to show it on."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def kind_of(item) -> str:
    for kind, model in MODELS.items():
        if isinstance(item, model):
            return kind
    raise TypeError(f"not moderated content: {item!r}")


def clean_reason(reason: str | None, field: str = "reason") -> str:
    """The reason as plain text, 1–500 characters, or ModerationError."""
    text = clean_text(reason)
    if not text:
        raise ModerationError(_l("Give a reason."), field)
    if len(text) > REASON_MAX:
        raise ModerationError(
            gettext("The reason can be at most %(n)d characters long.", n=REASON_MAX), field
        )
    return text


# --- loading ---------------------------------------------------------------------------------


def get_item(workspace: Workspace, kind: str, item_id: int):
    """A comment, note or idea of this workspace (hidden ones included), else 404."""
    model = MODELS.get(kind)
    if model is None:
        abort(404)
    item = db.session.scalar(select(model).where(model.id == item_id, model.workspace_id == workspace.id))
    if item is None:
        abort(404)
    return item


def is_visible_to_participants(item) -> bool:
    """Whether the item is shown to participants at all (not hidden, withdrawn or in a draft)."""
    if item.hidden_at is not None:
        return False
    if isinstance(item, Comment):
        if item.withdrawn_at is not None:
            return False
        if item.idea_id is not None:
            idea = db.session.get(Idea, item.idea_id)
            return idea is not None and idea.hidden_at is None
        if item.activity_id is not None:
            activity = db.session.get(Activity, item.activity_id)
            return activity is not None and activity.status is not ActivityStatus.DRAFT
        return True
    if isinstance(item, Note):
        activity = db.session.get(Activity, item.activity_id)
        return activity is not None and activity.status is not ActivityStatus.DRAFT
    return True


def get_reportable(user, workspace: Workspace, kind: str, item_id: int):
    """The item a person may report: one they can see in this workspace and did not write, else 404."""
    item = get_item(workspace, kind, item_id)
    if not is_visible_to_participants(item) or (item.author_id is not None and item.author_id == user.id):
        abort(404)
    return item


# --- reports ---------------------------------------------------------------------------------


def open_report_of(user, item) -> Report | None:
    column = REPORT_COLUMN[kind_of(item)]
    return db.session.scalar(
        select(Report).where(column == item.id, Report.reporter_id == user.id, Report.resolved_at.is_(None))
    )


def report(user: User, workspace: Workspace, item, reason: str | None) -> Report:
    """Report an item as inappropriate; one open report per person per item."""
    if not can_report(user, workspace) or item.workspace_id != workspace.id:
        raise ModerationError(_l("You cannot report content in this workspace."))
    reason = clean_reason(reason)
    # Two reports from one person at once (a double click) must not both find none: the item's
    # row is locked first (FOR NO KEY UPDATE on PostgreSQL, which leaves likes and replies that
    # only reference it alone; on SQLite BEGIN IMMEDIATE already lets one writer in at a time),
    # so the second looks only after the first has committed.
    model = type(item)
    db.session.execute(select(model.id).where(model.id == item.id).with_for_update(key_share=True))
    if open_report_of(user, item) is not None:
        raise ModerationError(
            _l("You have already reported this. The moderators will look at it; thank you."), "duplicate"
        )
    entry = Report(workspace_id=workspace.id, reporter_id=user.id, reason=reason, created_at=utcnow())
    setattr(entry, REPORT_COLUMN[kind_of(item)].key, item.id)
    db.session.add(entry)
    db.session.flush()
    return entry


def _resolve_reports(actor: User, item) -> int:
    column = REPORT_COLUMN[kind_of(item)]
    result = db.session.execute(
        update(Report)
        .where(column == item.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- hiding, restoring, dismissing -----------------------------------------------------------


def hide(actor: User, item, reason: str | None) -> int:
    """Hide an item with a reason its author and the moderators see; resolves its open reports.

    Returns how many reports were resolved."""
    reason = clean_reason(reason)
    if item.hidden_at is not None:
        raise ModerationError(_l("This is already hidden."))
    item.hidden_at = utcnow()
    item.hidden_by_id = actor.id
    item.hidden_reason = reason
    resolved = _resolve_reports(actor, item)
    audit.record(
        actor,
        "content.hidden",
        item,
        workspace_id=item.workspace_id,
        reason=reason,
        reports_resolved=resolved,
    )
    db.session.flush()
    _announce_to_workshops(item)
    return resolved


def restore(actor: User, item, reason: str | None = None) -> None:
    """Show a hidden item again; the earlier reason stays in the audit log."""
    if item.hidden_at is None:
        raise ModerationError(_l("This is not hidden."))
    reason = clean_text(reason)[:REASON_MAX] or None
    audit.record(
        actor,
        "content.restored",
        item,
        workspace_id=item.workspace_id,
        reason=reason,
        hidden_reason=item.hidden_reason,
    )
    item.hidden_at = None
    item.hidden_by_id = None
    item.hidden_reason = None
    db.session.flush()
    _announce_to_workshops(item)


def _announce_to_workshops(item) -> None:
    """A live workshop's big screen showing the item's activity drops (or shows again) the note
    once this commits, without waiting for its backup poll."""
    from ..workshops import live

    live.announce_activities(db.session, [getattr(item, "activity_id", None)])


def dismiss_reports(actor: User, item, reason: str | None = None) -> int:
    """Resolve the item's open reports without hiding it; returns how many were resolved."""
    reason = clean_text(reason)[:REASON_MAX] or None
    resolved = _resolve_reports(actor, item)
    if not resolved:
        raise ModerationError(_l("There are no open reports on this."))
    audit.record(
        actor, "reports.dismissed", item, workspace_id=item.workspace_id, reason=reason, count=resolved
    )
    db.session.flush()
    return resolved


# --- the queue -------------------------------------------------------------------------------


@dataclass
class Watermark:
    """The highest ids the moderators had reviewed, and who marked them when (None: never)."""

    comment: int = 0
    note: int = 0
    idea: int = 0
    entry: AuditLog | None = None

    def of(self, kind: str) -> int:
        return getattr(self, kind)


def watermark(workspace: Workspace) -> Watermark:
    entry = db.session.scalar(
        select(AuditLog)
        .where(AuditLog.workspace_id == workspace.id, AuditLog.action == CLEARED)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .options(joinedload(AuditLog.actor))
        .limit(1)
    )
    if entry is None:
        return Watermark()
    details = entry.details or {}
    return Watermark(*(int(details.get(kind) or 0) for kind in KINDS), entry=entry)


def latest_ids(workspace: Workspace) -> dict[str, int]:
    """The highest comment, note and idea ids of the workspace now, in one query."""
    row = db.session.execute(
        select(
            *(
                select(func.coalesce(func.max(model.id), 0))
                .where(model.workspace_id == workspace.id)
                .scalar_subquery()
                for model in MODELS.values()
            )
        )
    ).one()
    return dict(zip(KINDS, (int(v) for v in row), strict=True))


def clear_queue(actor: User, workspace: Workspace, seen: dict[str, int | None]) -> AuditLog:
    """Mark everything the moderator saw (up to the given ids, never beyond today's) as reviewed."""
    now = latest_ids(workspace)
    before = watermark(workspace)
    marks = {kind: max(before.of(kind), min(max(int(seen.get(kind) or 0), 0), now[kind])) for kind in KINDS}
    entry = audit.record(actor, CLEARED, workspace, workspace_id=workspace.id, **marks)
    db.session.flush()
    return entry


@dataclass
class Place:
    """Where an item is: its theme, and the page that shows it (theme, measure, activity, idea)."""

    kind: str  # "theme" | "measure" | "activity" | "notes" | "idea"
    target: object
    theme: Theme | None


@dataclass
class QueueItem:
    kind: str
    item: object
    is_new: bool
    place: Place | None = None
    reports: list[Report] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.item.id}"

    @property
    def excerpt(self) -> str:
        return excerpt(self.item)

    @property
    def report_count(self) -> int:
        return len(self.reports)

    @property
    def reasons(self) -> list[str]:
        return [r.reason for r in self.reports]


@dataclass
class Queue:
    items: list[QueueItem]
    total: int
    page: int
    pages: int
    show: str
    watermark: Watermark
    latest: dict[str, int]
    open_reports: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def excerpt(item, length: int = EXCERPT) -> str:
    if isinstance(item, Comment):
        text = html_to_text(item.body)
    elif isinstance(item, Note):
        text = item.text
    else:
        text = f"{item.title}: {html_to_text(item.body)}"
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _keys(workspace: Workspace, mark: Watermark):
    """(kind, id, at, new, reported) for every new or reported item, one row per source."""
    parts = []
    for kind, model in MODELS.items():
        conditions = [model.workspace_id == workspace.id, model.id > mark.of(kind), model.hidden_at.is_(None)]
        if model is Comment:
            conditions.append(Comment.withdrawn_at.is_(None))
        # Marked reviewed one by one (bulk moderation): no longer new.
        reviewed = select(AuditLog.id).where(
            AuditLog.workspace_id == workspace.id,
            AuditLog.action == REVIEWED,
            AuditLog.object_type == kind,
            AuditLog.object_id == model.id,
        )
        conditions.append(~reviewed.exists())
        parts.append(
            select(
                literal(kind, String).label("kind"),
                model.id.label("id"),
                model.created_at.label("at"),
                literal(1).label("new"),
                literal(0).label("reported"),
            ).where(*conditions)
        )
    report_kind = case(
        (Report.comment_id.is_not(None), literal("comment", String)),
        (Report.note_id.is_not(None), literal("note", String)),
        else_=literal("idea", String),
    )
    parts.append(
        select(
            report_kind.label("kind"),
            func.coalesce(Report.comment_id, Report.note_id, Report.idea_id).label("id"),
            func.max(Report.created_at).label("at"),
            literal(0).label("new"),
            literal(1).label("reported"),
        )
        .where(Report.workspace_id == workspace.id, Report.resolved_at.is_(None))
        .group_by(Report.comment_id, Report.note_id, Report.idea_id)
    )
    rows = union_all(*parts).subquery()
    at = func.max(rows.c.at).label("at")
    new = func.max(rows.c.new).label("new")
    reported = func.max(rows.c.reported).label("reported")
    return select(rows.c.kind, rows.c.id, at, new, reported).group_by(rows.c.kind, rows.c.id), new, reported


def queue(workspace: Workspace, *, show: str = "all", page: int = 1, per_page: int = PER_PAGE) -> Queue:
    """One page of the queue, newest first (by creation, or by the latest open report): ~10 queries."""
    show = show if show in SHOWS else "all"
    mark = watermark(workspace)
    keys, new, reported = _keys(workspace, mark)
    if show == "reported":
        keys = keys.having(reported == 1)
    elif show == "new":
        keys = keys.having(new == 1)
    keys = keys.subquery()
    total = db.session.scalar(select(func.count()).select_from(keys)) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        select(keys.c.kind, keys.c.id, keys.c.new)
        .order_by(keys.c.at.desc(), keys.c.kind, keys.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = _load_items(workspace, [(kind, int(item_id), bool(is_new)) for kind, item_id, is_new in rows])
    open_reports = db.session.scalar(
        select(func.count(Report.id)).where(Report.workspace_id == workspace.id, Report.resolved_at.is_(None))
    )
    return Queue(items, total, page, pages, show, mark, latest_ids(workspace), open_reports or 0)


def _load_items(workspace: Workspace, keys: list[tuple[str, int, bool]]) -> list[QueueItem]:
    ids = {kind: [i for k, i, _ in keys if k == kind] for kind in KINDS}
    loaded: dict[tuple[str, int], object] = {}
    if ids["comment"]:
        for c in db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(ids["comment"]))
            .options(joinedload(Comment.author), joinedload(Comment.unit))
        ).unique():
            loaded["comment", c.id] = c
    if ids["note"]:
        for n in db.session.scalars(
            select(Note).where(Note.id.in_(ids["note"])).options(joinedload(Note.author))
        ).unique():
            loaded["note", n.id] = n
    if ids["idea"]:
        for i in db.session.scalars(
            select(Idea)
            .where(Idea.id.in_(ids["idea"]))
            .options(joinedload(Idea.author), joinedload(Idea.unit), joinedload(Idea.theme))
        ).unique():
            loaded["idea", i.id] = i
    items = [QueueItem(kind, loaded[kind, i], is_new) for kind, i, is_new in keys if (kind, i) in loaded]
    places = places_of([q.item for q in items])
    reports = open_reports_of([q.item for q in items])
    for q in items:
        q.place = places.get((q.kind, q.id))
        q.reports = reports.get((q.kind, q.id), [])
    return items


def open_reports_of(items) -> dict[tuple[str, int], list[Report]]:
    """The open reports of these items, newest first, in one query."""
    ids = {kind: [i.id for i in items if kind_of(i) == kind] for kind in KINDS}
    conditions = [REPORT_COLUMN[kind].in_(ids[kind]) for kind in KINDS if ids[kind]]
    result: dict[tuple[str, int], list[Report]] = {}
    if not conditions:
        return result
    for r in db.session.scalars(
        select(Report)
        .where(Report.resolved_at.is_(None), or_(*conditions))
        .order_by(Report.created_at.desc())
    ):
        kind = "comment" if r.comment_id else "note" if r.note_id else "idea"
        result.setdefault((kind, r.comment_id or r.note_id or r.idea_id), []).append(r)
    return result


def places_of(items) -> dict[tuple[str, int], Place]:
    """Where each comment, note and idea is shown, in a few queries for the whole list."""
    comments = [i for i in items if isinstance(i, Comment)]
    notes = [i for i in items if isinstance(i, Note)]
    theme_ids = {c.theme_id for c in comments if c.theme_id}
    measure_ids = {c.measure_id for c in comments if c.measure_id}
    activity_ids = {c.activity_id for c in comments if c.activity_id} | {n.activity_id for n in notes}
    idea_ids = {c.idea_id for c in comments if c.idea_id}
    themes = (
        {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids)))}
        if theme_ids
        else {}
    )
    measures = (
        {
            m.id: m
            for m in db.session.scalars(
                select(Measure).where(Measure.id.in_(measure_ids)).options(joinedload(Measure.theme))
            ).unique()
        }
        if measure_ids
        else {}
    )
    activities = (
        {
            a.id: a
            for a in db.session.scalars(
                select(Activity).where(Activity.id.in_(activity_ids)).options(joinedload(Activity.theme))
            ).unique()
        }
        if activity_ids
        else {}
    )
    ideas = (
        {
            i.id: i
            for i in db.session.scalars(
                select(Idea).where(Idea.id.in_(idea_ids)).options(selectinload(Idea.theme))
            )
        }
        if idea_ids
        else {}
    )
    result: dict[tuple[str, int], Place] = {}
    for c in comments:
        if c.theme_id in themes:
            place = Place("theme", themes[c.theme_id], themes[c.theme_id])
        elif c.measure_id in measures:
            place = Place("measure", measures[c.measure_id], measures[c.measure_id].theme)
        elif c.activity_id in activities:
            place = Place("activity", activities[c.activity_id], activities[c.activity_id].theme)
        elif c.idea_id in ideas:
            place = Place("idea", ideas[c.idea_id], ideas[c.idea_id].theme)
        else:
            continue
        result["comment", c.id] = place
    for n in notes:
        if n.activity_id in activities:
            result["note", n.id] = Place("notes", activities[n.activity_id], activities[n.activity_id].theme)
    for i in items:
        if isinstance(i, Idea):
            result["idea", i.id] = Place("idea", i, i.theme)
    return result
