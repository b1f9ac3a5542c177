"""Comments on a theme, a measure, a discussion activity or an idea: post, reply, edit, withdraw, like.

Showing a discussion on any page (the idea page does it like this)::

    # in the view
    from ..discussion.service import thread
    context["thread"] = thread(current_user, workspace, idea)   # 2 queries, however many comments

    {# in the template #}
    {% with thread=thread, target_kind="idea", target_id=idea.id %}
      {% include "discussion/_thread.html" %}
    {% endwith %}

`thread(user, workspace, target)` returns a `Thread`: a list of top-level `Entry`s (oldest first),
each with `.replies` (one level deep), `.likes`, `.liked` (by this user) and what this user may do
(`.can_edit`, `.can_withdraw`, `.can_like`); the list itself says whether the user may post
(`.can_post`), whether the target is anonymous (`.anonymous`) and whether the user may write on behalf
of their unit (`.can_post_for_unit`); `.count` and `.threads` count every page. The theme page shows
each thread as a preview (`thread(..., preview=True)`, `theme_discussion`): its PREVIEW_SIZE newest
top-level comments, `.more` when there are others, which the discussion's own page shows a page
(PAGE_SIZE) at a time. `discussion/_thread.html` expects the variables `workspace`,
`thread`, `target_kind` ('theme' | 'measure' | 'activity' | 'idea') and `target_id`; it posts to the
discussion blueprint and, without JavaScript, comes back to the page it was shown on.

Anonymity (an anonymous discussion activity): a comment goes into the ballot box and is published
with k people's others, with no author and a unit and time every group of which has k people
(ideaspace/ballot/service.py). Until then it cannot be replied to, liked or reported: it has no row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import markdown
from ..ballot import service as ballot
from ..extensions import db
from ..inputs import MAX_PAGE, parse_id
from ..models import (
    Activity,
    ActivityKind,
    Comment,
    CommentLike,
    Idea,
    Measure,
    Membership,
    Theme,
    User,
    Workspace,
    utcnow,
)
from ..notifications import service as notifications
from ..permissions import (
    can_comment_on,
    can_edit_comment,
    can_post_for_unit,
    can_view_hidden,
    can_withdraw_comment,
    is_likeable_by,
    viewer,
)
from ..sanitize import clean_text
from ..workspaces.service import record_contribution

MAX_LENGTH = 5000
# Top-level comments (with their replies) shown per page of a thread: the newest page first.
PAGE_SIZE = 20
# The theme page shows each discussion's newest top-level comments (with their replies) and links
# to the discussion's own page for the rest: a page's cost must not grow with its discussions.
PREVIEW_SIZE = 5
KINDS = ("theme", "measure", "activity", "idea")
_COLUMN = {
    "theme": Comment.theme_id,
    "measure": Comment.measure_id,
    "activity": Comment.activity_id,
    "idea": Comment.idea_id,
}


class CommentError(ValueError):
    """What a person wrote cannot be published as it is."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- targets -----------------------------------------------------------------------------------


def kind_of(target) -> str:
    for kind, model in (("theme", Theme), ("measure", Measure), ("activity", Activity), ("idea", Idea)):
        if isinstance(target, model):
            return kind
    raise TypeError(f"cannot comment on {target!r}")


def get_target(workspace: Workspace, kind: str, target_id: int):
    """The theme, measure, discussion activity or idea, only if it belongs to this workspace (else 404)."""
    if kind == "theme":
        query = select(Theme).where(Theme.id == target_id, Theme.workspace_id == workspace.id)
    elif kind == "measure":
        query = (
            select(Measure)
            .join(Theme, Measure.theme_id == Theme.id)
            .where(Measure.id == target_id, Theme.workspace_id == workspace.id)
            .options(joinedload(Measure.theme))
        )
    elif kind == "activity":
        query = (
            select(Activity)
            .join(Theme, Activity.theme_id == Theme.id)
            .where(
                Activity.id == target_id,
                Theme.workspace_id == workspace.id,
                Activity.kind == ActivityKind.DISCUSSION,
            )
            .options(joinedload(Activity.theme))
        )
    elif kind == "idea":
        query = select(Idea).where(Idea.id == target_id, Idea.workspace_id == workspace.id)
    else:
        abort(404)
    target = db.session.scalar(query)
    if target is None:
        abort(404)
    return target


def target_of(workspace: Workspace, comment: Comment):
    kind, target_id = target_key(comment)
    return get_target(workspace, kind, target_id)


def target_key(comment: Comment) -> tuple[str, int]:
    for kind, column in _COLUMN.items():
        value = getattr(comment, column.key)
        if value is not None:
            return kind, value
    raise ValueError("a comment without a target")


def is_anonymous(target) -> bool:
    return isinstance(target, Activity) and target.is_anonymous


def get_comment(user, workspace: Workspace, comment_id: int) -> Comment:
    """A comment of this workspace that the user may see (hidden ones only for moderators), else 404."""
    comment = db.session.scalar(
        _visible(select(Comment), user, workspace).where(
            Comment.id == comment_id, Comment.workspace_id == workspace.id
        )
    )
    if comment is None:
        abort(404)
    return comment


def get_parent(user, workspace: Workspace, target, parent_id: int) -> Comment:
    """The comment replied to: on the same target, in this workspace, visible to the user (else 404)."""
    column = _COLUMN[kind_of(target)]
    parent = db.session.scalar(
        _visible(select(Comment), user, workspace).where(
            Comment.id == parent_id, Comment.workspace_id == workspace.id, column == target.id
        )
    )
    if parent is None:
        abort(404)
    return parent


# --- writing -----------------------------------------------------------------------------------


def render_body(source: str | None) -> str:
    """Check the length and turn the typed text into sanitized HTML; raise CommentError if unusable."""
    text = (source or "").strip()
    if len(text) > MAX_LENGTH:
        raise CommentError(
            gettext(
                "A comment can be at most %(max)d characters long (now %(n)d).", max=MAX_LENGTH, n=len(text)
            )
        )
    try:
        body = markdown.render(text)
    except markdown.MarkdownError as error:
        raise CommentError(str(error)) from None
    if not body:
        raise CommentError(_l("Write a comment before publishing."))
    return body


def post_comment(
    user: User,
    workspace: Workspace,
    target,
    body: str | None,
    *,
    membership: Membership | None = None,
    parent: Comment | None = None,
    on_behalf_of_unit: bool = False,
    now: datetime | None = None,
) -> Comment | ballot.Pending:
    """Publish a comment (or a reply) on the target; a reply to a reply attaches to its parent.

    On an anonymous discussion the comment goes into the ballot box (a Pending comes back)."""
    html = render_body(body)
    kind = kind_of(target)
    if parent is not None:
        if parent.workspace_id != workspace.id or getattr(parent, _COLUMN[kind].key) != target.id:
            abort(404)
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)
    on_behalf = bool(on_behalf_of_unit and can_post_for_unit(user, workspace))
    if is_anonymous(target):
        record_contribution(user, workspace, membership)
        payload = {
            "target": kind,
            "target_id": target.id,
            "parent": parent.id if parent is not None else None,
            "body": html,
            "body_source": clean_text(body),
            "on_behalf": on_behalf,
        }
        return ballot.seal(user, workspace, target.id, ballot.BallotKind.COMMENT, payload)
    comment = Comment(
        workspace_id=workspace.id,
        parent_id=parent.id if parent is not None else None,
        body=html,
        body_source=clean_text(body),
        on_behalf_of_unit=on_behalf,
        author_id=user.id,
        unit_id=user.unit_id,
        created_at=now or utcnow(),
    )
    setattr(comment, _COLUMN[kind].key, target.id)
    db.session.add(comment)
    db.session.flush()
    record_contribution(user, workspace, membership)
    notifications.comment_posted(user, workspace, comment, parent, target)
    return comment


def edit_comment(user: User, comment: Comment, body: str | None, now: datetime | None = None) -> Comment:
    """Change an own comment's text within the edit window (the view checks can_edit_comment)."""
    comment.body = render_body(body)
    comment.body_source = clean_text(body)
    comment.edited_at = now or utcnow()
    db.session.flush()
    return comment


def withdraw_comment(user: User, comment: Comment, now: datetime | None = None) -> Comment:
    """Soft-delete an own comment: it shows as withdrawn, its replies stay."""
    comment.withdrawn_at = comment.withdrawn_at or now or utcnow()
    db.session.flush()
    return comment


def set_like(user: User, comment: Comment, liked: bool) -> bool:
    """Like or unlike once; a second like (also two at the same moment) counts once. Returns liked."""
    if not liked:
        # One DELETE: of two unlikes at once the second deletes nothing, where deleting the
        # loaded row warned that it was gone.
        db.session.execute(
            delete(CommentLike).where(CommentLike.comment_id == comment.id, CommentLike.user_id == user.id)
        )
        return False
    if db.session.get(CommentLike, (comment.id, user.id)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(CommentLike(comment_id=comment.id, user_id=user.id))
        except IntegrityError:
            pass  # another request of the same person liked it first: it still counts once
    return True


def like_count(comment: Comment) -> int:
    return db.session.scalar(select(func.count()).where(CommentLike.comment_id == comment.id)) or 0


# --- reading -----------------------------------------------------------------------------------


@dataclass
class Entry:
    """One comment as a reader sees it."""

    comment: Comment
    likes: int = 0
    liked: bool = False
    can_edit: bool = False
    can_withdraw: bool = False
    can_like: bool = False
    replies: list[Entry] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def body(self) -> Markup:
        return Markup(self.comment.body)  # sanitized when written

    @property
    def is_withdrawn(self) -> bool:
        return self.comment.withdrawn_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.comment.hidden_at is not None

    @property
    def is_anonymous(self) -> bool:
        return self.comment.author_id is None


class Thread(list):
    """The top-level entries of one target, plus what the reader may do there."""

    def __init__(
        self,
        entries=(),
        *,
        target_kind: str,
        target_id: int,
        can_post: bool = False,
        anonymous: bool = False,
        can_post_for_unit: bool = False,
        page: int = 1,
        pages: int = 1,
        count: int | None = None,
        threads: int | None = None,
        preview: bool = False,
    ):
        super().__init__(entries)
        self.target_kind = target_kind
        self.target_id = target_id
        self.can_post = can_post
        self.anonymous = anonymous
        self.can_post_for_unit = can_post_for_unit
        self.page = page  # 1 is the newest page; higher pages hold earlier comments
        self.pages = pages
        self._count = count
        self.threads = len(self) if threads is None else threads  # top-level comments on every page
        self.preview = preview  # the newest threads only (the theme page); the rest on the thread's page

    @property
    def count(self) -> int:
        """Comments a reader sees on every page (withdrawn ones not counted)."""
        if self._count is not None:
            return self._count
        return _count(self)

    @property
    def more(self) -> bool:
        """A preview that leaves threads out: the page links to the whole discussion."""
        return self.preview and self.threads > len(self)


def _count(entries) -> int:
    return sum((not e.is_withdrawn) + sum(not r.is_withdrawn for r in e.replies) for e in entries)


def requested_page(args) -> tuple[str, int, int] | None:
    """The thread page asked for in a query string (`?thread=theme-5&page=2`), else None."""
    kind, _sep, target_id = (args.get("thread") or "").partition("-")
    target, page = parse_id(target_id), parse_id(args.get("page", ""))
    if kind not in KINDS or target is None or page is None:
        return None
    return kind, target, min(page, MAX_PAGE)


def page_for(page: tuple[str, int, int] | None, kind: str, target_id: int) -> int:
    return page[2] if page and page[0] == kind and page[1] == target_id else 1


def _seen(comment, user, workspace: Workspace, *, own: bool = False):
    """Which rows of `comment` (the model or an alias) the reader sees, as SQL; None: all of them.

    Hidden comments only for moderators, and (with `own`) for their author, who sees the reason."""
    if can_view_hidden(user, workspace):
        return None
    if own and getattr(user, "is_authenticated", False):
        return or_(comment.hidden_at.is_(None), comment.author_id == user.id)
    return comment.hidden_at.is_(None)


def _visible(query, user, workspace: Workspace, *, own: bool = False):
    seen = _seen(Comment, user, workspace, own=own)
    return query if seen is None else query.where(seen)


_TARGET_COLUMNS = (Comment.theme_id, Comment.measure_id, Comment.activity_id, Comment.idea_id)


def _load(user, workspace: Workspace, condition) -> tuple[list[Comment], dict[int, tuple[int, bool]]]:
    """The comments matching `condition` with authors and units, and their likes: two queries.

    `condition` names targets (or comments) that were loaded through this workspace, so it needs no
    `workspace_id` term: SQLite, which keeps no statistics, would walk the workspace's index through
    every comment of the workspace instead of the few on these targets."""
    comments = list(
        db.session.scalars(
            _visible(select(Comment), user, workspace, own=True)
            .where(condition)
            .options(joinedload(Comment.author), joinedload(Comment.unit))
            .order_by(Comment.created_at, Comment.id)
        ).unique()
    )
    likes: dict[int, tuple[int, bool]] = {}
    if comments:
        user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
        mine = func.sum(case((CommentLike.user_id == user_id, 1), else_=0)) if user_id else func.sum(0)
        rows = db.session.execute(
            select(CommentLike.comment_id, func.count(), mine)
            .join(Comment, Comment.id == CommentLike.comment_id)
            .where(condition)
            .group_by(CommentLike.comment_id)
        )
        likes = {comment_id: (count, bool(own)) for comment_id, count, own in rows}
    return comments, likes


def _previews(user, workspace: Workspace, condition, size: int = PREVIEW_SIZE):
    """The newest `size` threads of each target matching `condition`, and every thread's counts.

    Returns (comments, likes, totals): the shown top-level comments with their replies and likes (as
    `_load`), and per (kind, target id) the top-level comments and the comments a reader sees on every
    page, counted as a whole thread counts them. Three queries: every comment's few plain values (to
    count and to choose), then only the comments shown, with their authors, units and likes."""
    rows = db.session.execute(
        _visible(
            select(Comment.id, Comment.parent_id, Comment.withdrawn_at.is_(None), *_TARGET_COLUMNS),
            user,
            workspace,
            own=True,
        )
        .where(condition)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    seen = {row[0] for row in rows}
    tops: dict[tuple[str, int], list[int]] = defaultdict(list)
    totals: dict[tuple[str, int], tuple[int, int]] = {}
    for comment_id, parent_id, present, *targets in rows:
        key = next((kind, t) for kind, t in zip(KINDS, targets, strict=True) if t is not None)
        threads, count = totals.get(key, (0, 0))
        if parent_id is None:
            tops[key].append(comment_id)
            totals[key] = (threads + 1, count + bool(present))
        elif parent_id in seen:  # a reply under a comment the reader may not see is left out with it
            totals[key] = (threads, count + bool(present))
    shown = [comment_id for ids in tops.values() for comment_id in ids[-size:]]
    if not shown:
        return [], {}, totals
    comments, likes = _load(user, workspace, or_(Comment.id.in_(shown), Comment.parent_id.in_(shown)))
    return comments, likes, totals


def _build(
    user, workspace: Workspace, target, comments, likes, now=None, page: int = 1, totals=None
) -> Thread:
    """The thread as the reader sees it: one page of it, or (with `totals`) a preview of it."""
    kind = kind_of(target)
    # What the reader may do on this target is the same for every comment: asked once.
    may_post = can_comment_on(user, target, workspace)
    now = now or utcnow()
    entries: dict[int, Entry] = {}
    for comment in comments:
        count, own = likes.get(comment.id, (0, False))
        entries[comment.id] = Entry(
            comment,
            likes=count,
            liked=own,
            can_edit=may_post and can_edit_comment(user, comment, now),
            can_withdraw=can_withdraw_comment(user, comment),
            can_like=may_post and is_likeable_by(user, comment),
        )
    top: list[Entry] = []
    for entry in entries.values():
        parent_id = entry.comment.parent_id
        if parent_id is None:
            top.append(entry)
        elif parent_id in entries:
            entries[parent_id].replies.append(entry)
        # A reply whose parent the reader may not see (hidden) is left out with it.
    common = {
        "target_kind": kind,
        "target_id": target.id,
        "can_post": may_post,
        "anonymous": is_anonymous(target),
        "can_post_for_unit": may_post and can_post_for_unit(user, workspace),
    }
    if totals is not None:
        threads, count = totals
        return Thread(top, count=count, threads=threads, preview=True, **common)
    # Only one page of threads is rendered (rendering, not loading, is what grows with a thread).
    pages = max(1, -(-len(top) // PAGE_SIZE))
    page = min(max(1, page), pages)
    end = len(top) - (page - 1) * PAGE_SIZE
    return Thread(
        top[max(0, end - PAGE_SIZE) : end],
        page=page,
        pages=pages,
        count=_count(top),
        threads=len(top),
        **common,
    )


def thread(
    user, workspace: Workspace, target, now: datetime | None = None, page: int = 1, preview: bool = False
) -> Thread:
    """One page of the target's comments with replies, like counts and the user's likes, in two queries.

    With `preview`, the newest PREVIEW_SIZE threads and the counts of all (as on the theme page)."""
    user = viewer(user)
    kind = kind_of(target)
    condition = _COLUMN[kind] == target.id
    if preview:
        comments, likes, totals = _previews(user, workspace, condition)
        return _build(
            user, workspace, target, comments, likes, now, totals=totals.get((kind, target.id), (0, 0))
        )
    comments, likes = _load(user, workspace, condition)
    return _build(user, workspace, target, comments, likes, now, page=page)


@dataclass
class ThemeDiscussion:
    """What a theme page shows: its own thread, each discussion activity's, and measures' counts."""

    theme: Thread
    activities: dict[int, Thread]
    measure_counts: dict[int, int]


def theme_discussion(user, workspace: Workspace, theme: Theme) -> ThemeDiscussion:
    """Every discussion on a theme page at once, each a preview of its newest threads: four queries
    for the whole page (three for the previews, one for the measures' counts), however long the
    discussions; the rest is on each discussion's page."""
    user = viewer(user)
    activities = [a for a in theme.activities if a.kind is ActivityKind.DISCUSSION]
    condition = Comment.theme_id == theme.id
    if activities:
        condition = or_(condition, Comment.activity_id.in_([a.id for a in activities]))
    comments, likes, totals = _previews(user, workspace, condition)
    by_theme: list[Comment] = []
    by_activity: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments:
        if comment.theme_id is not None:
            by_theme.append(comment)
        else:
            by_activity[comment.activity_id].append(comment)
    return ThemeDiscussion(
        theme=_build(user, workspace, theme, by_theme, likes, totals=totals.get(("theme", theme.id), (0, 0))),
        activities={
            a.id: _build(
                user, workspace, a, by_activity[a.id], likes, totals=totals.get(("activity", a.id), (0, 0))
            )
            for a in activities
        },
        measure_counts=measure_counts(workspace, [m.id for m in theme.measures]),
    )


def measure_counts(workspace: Workspace, measure_ids: list[int]) -> dict[int, int]:
    """Visible, not withdrawn comments per measure, in one GROUP BY (the measures are the
    workspace's: no `workspace_id` term, which SQLite would walk instead, as in `_load`)."""
    if not measure_ids:
        return {}
    rows = db.session.execute(
        select(Comment.measure_id, func.count())
        .where(
            Comment.measure_id.in_(measure_ids),
            Comment.hidden_at.is_(None),
            Comment.withdrawn_at.is_(None),
        )
        .group_by(Comment.measure_id)
    )
    return dict(rows.all())


def get_measure(workspace: Workspace, measure_id: int) -> Measure:
    """The measure with its theme and indicators, only if it belongs to this workspace."""
    measure = db.session.scalar(
        select(Measure)
        .join(Theme, Measure.theme_id == Theme.id)
        .where(Measure.id == measure_id, Theme.workspace_id == workspace.id)
        .options(joinedload(Measure.theme), selectinload(Measure.indicators))
    )
    if measure is None:
        abort(404)
    return measure
