"""Read a theme, an activity or the whole workspace as clusters, and let moderators shape them.

What is clustered: the scope's comments, notes and ideas that a moderator may read and that are
still shown (nothing hidden or withdrawn, no comment under a hidden idea or comment, no idea merged
away), by the terms their search index rows hold. Anonymous items exist only once the ballot box
has published them, and nothing here shows an author, a unit or a date.

Computed on demand (the clusters page only) and cached per scope in `cluster_cache` while the
scope's content is unchanged: the fingerprint is the number, the sum and the largest of the scope's
search index row ids (an edit writes its item's row anew, hiding or publishing changes the number).

A moderator's names and moves are kept by item, not by cluster number, so they outlive a
recomputation: a name belongs to the cluster that holds its anchor item (the most central item
when it was named), a moved item goes to the cluster that holds the anchor of the one it was moved
into. Services flush; the request commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import audit
from ..extensions import db
from ..markdown import MarkdownError
from ..markdown import render as render_markdown
from ..models import Activity, Comment, Idea, Measure, Note, Theme, Workspace, utcnow
from ..sanitize import clean_text, html_to_text
from ..text.index import workspace_token
from ..text.models import SearchEntry
from ..workspaces.service import insert_if_new
from . import clustering
from .models import NAME_LENGTH, ClusterCache, ClusterMove, ClusterName, ThemeHeard

KINDS = ("comment", "note", "idea")
_MODEL = {"comment": Comment, "note": Note, "idea": Idea}
_KEY = re.compile(r"^(comment|note|idea):([1-9][0-9]{0,11})$")
SUMMARY_LENGTH = 5000
EXCERPT = 280
SHORT_EXCERPT = 160


class Refused(Exception):
    """A moderator's change that cannot be made; `str(error)` says why, `field` where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Scope:
    """What is clustered: the workspace, one theme or one activity."""

    workspace: Workspace
    theme: Theme | None = None
    activity: Activity | None = None

    @property
    def key(self) -> str:
        if self.activity is not None:
            return f"activity:{self.activity.id}"
        if self.theme is not None:
            return f"theme:{self.theme.id}"
        return "workspace"

    @property
    def heard_theme(self) -> Theme | None:
        """The theme whose "what we heard" a cluster's summary goes to (none for the workspace:
        the moderator chooses)."""
        return self.activity.theme if self.activity is not None else self.theme


@dataclass
class Item:
    key: str
    kind: str
    id: int
    text: str
    title: str | None = None  # an idea's
    # where it is read (ideaspace.insight.views.link builds the address)
    idea_id: int | None = None
    measure_id: int | None = None
    theme_id: int | None = None
    activity_id: int | None = None
    shown: bool = True  # not hidden or withdrawn


@dataclass
class ClusterView:
    anchor: str  # the cluster's key in forms: its anchor item in the computed clustering
    label: list[str]
    name: str | None
    central: list[Item] = field(default_factory=list)
    rest: list[Item] = field(default_factory=list)
    unsorted: bool = False  # the documents with no usable words

    @property
    def size(self) -> int:
        return len(self.central) + len(self.rest)

    @property
    def items(self) -> list[Item]:
        return [*self.central, *self.rest]


# --- scopes ----------------------------------------------------------------------------------


def theme_scope(workspace: Workspace, theme_id: int) -> Scope:
    theme = db.session.scalar(
        sa.select(Theme).where(Theme.id == theme_id, Theme.workspace_id == workspace.id)
    )
    if theme is None:
        abort(404)
    return Scope(workspace, theme=theme)


def activity_scope(workspace: Workspace, activity_id: int) -> Scope:
    activity = db.session.scalar(
        sa.select(Activity)
        .join(Theme, Theme.id == Activity.theme_id)
        .where(Activity.id == activity_id, Theme.workspace_id == workspace.id)
    )
    if activity is None:
        abort(404)
    return Scope(workspace, theme=activity.theme, activity=activity)


def parse_scope(workspace: Workspace, value: str | None) -> Scope:
    """A scope from a form's "workspace", "theme:<id>" or "activity:<id>"; 400 for anything else,
    404 for another workspace's id."""
    value = (value or "").strip()
    if value == "workspace":
        return Scope(workspace)
    kind, _sep, number = value.partition(":")
    if (
        kind not in ("theme", "activity")
        or not number.isdigit()
        or len(number) > 12
        or number.startswith("0")
    ):
        abort(400)
    if kind == "theme":
        return theme_scope(workspace, int(number))
    return activity_scope(workspace, int(number))


def parse_key(value: str | None) -> tuple[str, int] | None:
    match = _KEY.match((value or "").strip())
    return (match.group(1), int(match.group(2))) if match else None


# --- what is clustered -----------------------------------------------------------------------


def _entries(scope: Scope) -> sa.Select:
    """(entry id, comment id, note id, idea id, terms) of the scope's shown comments, notes and
    ideas. Outer joins on primary keys, as the search's visibility filter."""
    comment, parent, c_activity, c_measure, c_idea = (
        aliased(Comment),
        aliased(Comment),
        aliased(Activity),
        aliased(Measure),
        aliased(Idea),
    )
    note, n_activity, idea = aliased(Note), aliased(Activity), aliased(Idea)
    comment_shown = sa.and_(
        SearchEntry.comment_id.is_not(None),
        comment.hidden_at.is_(None),
        comment.withdrawn_at.is_(None),
        sa.or_(
            comment.parent_id.is_(None), sa.and_(parent.hidden_at.is_(None), parent.withdrawn_at.is_(None))
        ),
        sa.or_(
            comment.idea_id.is_(None), sa.and_(c_idea.hidden_at.is_(None), c_idea.merged_into_id.is_(None))
        ),
    )
    note_shown = sa.and_(SearchEntry.note_id.is_not(None), note.hidden_at.is_(None))
    idea_shown = sa.and_(
        SearchEntry.idea_id.is_not(None), idea.hidden_at.is_(None), idea.merged_into_id.is_(None)
    )
    if scope.activity is not None:
        comment_shown = sa.and_(comment_shown, comment.activity_id == scope.activity.id)
        note_shown = sa.and_(note_shown, note.activity_id == scope.activity.id)
        idea_shown = sa.false()
    elif scope.theme is not None:
        theme_id = scope.theme.id
        comment_shown = sa.and_(
            comment_shown,
            sa.func.coalesce(comment.theme_id, c_activity.theme_id, c_measure.theme_id, c_idea.theme_id)
            == theme_id,
        )
        note_shown = sa.and_(note_shown, n_activity.theme_id == theme_id)
        idea_shown = sa.and_(idea_shown, idea.theme_id == theme_id)
    return (
        sa.select(
            SearchEntry.id,
            SearchEntry.comment_id,
            SearchEntry.note_id,
            SearchEntry.idea_id,
            SearchEntry.terms,
        )
        .outerjoin(comment, comment.id == SearchEntry.comment_id)
        .outerjoin(parent, parent.id == comment.parent_id)
        .outerjoin(c_activity, c_activity.id == comment.activity_id)
        .outerjoin(c_measure, c_measure.id == comment.measure_id)
        .outerjoin(c_idea, c_idea.id == comment.idea_id)
        .outerjoin(note, note.id == SearchEntry.note_id)
        .outerjoin(n_activity, n_activity.id == note.activity_id)
        .outerjoin(idea, idea.id == SearchEntry.idea_id)
        .where(SearchEntry.workspace_id == scope.workspace.id, sa.or_(comment_shown, note_shown, idea_shown))
    )


def _key_of(row) -> str:
    for kind in KINDS:
        source_id = getattr(row, f"{kind}_id")
        if source_id is not None:
            return f"{kind}:{source_id}"
    raise ValueError("an index row without a comment, note or idea")


def _sort_key(key: str) -> tuple[int, int]:
    kind, _sep, number = key.partition(":")
    return KINDS.index(kind), int(number)


def documents(scope: Scope) -> tuple[list[tuple[str, list[str]]], str]:
    """The scope's (item key, terms), in a fixed order, and their fingerprint."""
    rows = db.session.execute(_entries(scope)).all()
    token = workspace_token(scope.workspace.id)
    docs = sorted(
        ((_key_of(row), [t for t in row.terms.split() if t != token]) for row in rows),
        key=lambda doc: _sort_key(doc[0]),
    )
    ids = [row.id for row in rows]
    fingerprint = f"{len(ids)}:{sum(ids)}:{max(ids, default=0)}"
    return docs, fingerprint


# --- clustering, cached ----------------------------------------------------------------------


def base_clusters(scope: Scope) -> list[dict]:
    """The scope's computed clusters ({"anchor", "items", "label"}), from the cache while the
    content is unchanged, else computed now and cached."""
    return _base_clusters(scope)[0]


def _base_clusters(scope: Scope) -> tuple[list[dict], list[tuple[str, list[str]]]]:
    docs, fingerprint = documents(scope)
    cache = db.session.scalar(
        sa.select(ClusterCache).where(
            ClusterCache.workspace_id == scope.workspace.id, ClusterCache.scope == scope.key
        )
    )
    if cache is not None and cache.fingerprint == fingerprint:
        return cache.clusters, docs
    computed = [{"anchor": c.anchor, "items": c.items, "label": c.label} for c in clustering.cluster(docs)]
    try:
        with db.session.begin_nested():  # two first readers at once: one of them keeps its result
            if cache is None:
                db.session.add(
                    ClusterCache(
                        workspace_id=scope.workspace.id,
                        scope=scope.key,
                        fingerprint=fingerprint,
                        clusters=computed,
                    )
                )
            else:
                cache.fingerprint, cache.clusters, cache.computed_at = fingerprint, computed, utcnow()
    except IntegrityError:
        pass
    return computed, docs


def clusters(scope: Scope) -> list[ClusterView]:
    """The scope's clusters with the moderators' names and moves, largest first (the unsorted
    last), their items loaded. A cluster that moderators' moves changed gets the label of its
    members now (a name the moderators gave it is shown instead, see insight/clusters.html)."""
    base, docs = _base_clusters(scope)
    home = {key: index for index, c in enumerate(base) for key in c["items"]}
    members: list[list[str]] = [list(c["items"]) for c in base]
    moves = db.session.scalars(
        sa.select(ClusterMove)
        .where(ClusterMove.workspace_id == scope.workspace.id, ClusterMove.scope == scope.key)
        .order_by(ClusterMove.id)
    ).all()
    moved_in: list[list[str]] = [[] for _ in base]
    changed: set[int] = set()
    for move in moves:
        source, target = home.get(move.item), home.get(move.anchor)
        if source is None or target is None or source == target:
            continue
        members[source].remove(move.item)
        moved_in[target].append(move.item)
        changed |= {source, target}
    relabel = sorted(i for i in changed if base[i]["label"])  # the unsorted stay unlabelled
    label = {i: c["label"] for i, c in enumerate(base)}
    if relabel:
        fresh = clustering.labels(docs, [members[i] + moved_in[i] for i in relabel])
        # With no term shared by two members, the computed label rather than none.
        label.update((i, terms or label[i]) for i, terms in zip(relabel, fresh, strict=True))
    names: dict[int, str] = {}
    for row in db.session.scalars(
        sa.select(ClusterName)
        .where(ClusterName.workspace_id == scope.workspace.id, ClusterName.scope == scope.key)
        .order_by(ClusterName.id.desc())
    ):
        index = home.get(row.anchor)
        if index is not None:
            names.setdefault(index, row.name)
    loaded = _load([key for c in base for key in c["items"]])
    views = []
    for index, c in enumerate(base):
        keys = [k for k in members[index] + moved_in[index] if k in loaded]
        if not keys:
            continue
        quoted = clustering.central_count(len(keys))
        views.append(
            ClusterView(
                anchor=c["anchor"],
                label=label[index],
                name=names.get(index),
                central=[_excerpted(loaded[k], EXCERPT) for k in keys[:quoted]],
                rest=[_excerpted(loaded[k], SHORT_EXCERPT) for k in keys[quoted:]],
                unsorted=not c["label"],
            )
        )
    labelled = [v for v in views if not v.unsorted]
    labelled.sort(key=lambda v: -v.size)  # stable: ties keep the computed order
    return labelled + [v for v in views if v.unsorted]


def _chunks(values: list[int], size: int = 900) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load(keys: list[str]) -> dict[str, Item]:
    """The items' texts and places, one query per kind (per 900 ids)."""
    wanted: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for key in keys:
        kind, _sep, number = key.partition(":")
        wanted[kind].append(int(number))
    items: dict[str, Item] = {}
    for chunk in _chunks(wanted["comment"]):
        for row in db.session.execute(
            sa.select(
                Comment.id,
                Comment.body,
                Comment.idea_id,
                Comment.measure_id,
                Comment.theme_id,
                Comment.activity_id,
                Comment.hidden_at,
                Comment.withdrawn_at,
            ).where(Comment.id.in_(chunk))
        ):
            items[f"comment:{row.id}"] = Item(
                f"comment:{row.id}",
                "comment",
                row.id,
                html_to_text(row.body or ""),
                idea_id=row.idea_id,
                measure_id=row.measure_id,
                theme_id=row.theme_id,
                activity_id=row.activity_id,
                shown=row.hidden_at is None and row.withdrawn_at is None,
            )
    for chunk in _chunks(wanted["note"]):
        for row in db.session.execute(
            sa.select(Note.id, Note.text, Note.activity_id, Note.hidden_at).where(Note.id.in_(chunk))
        ):
            items[f"note:{row.id}"] = Item(
                f"note:{row.id}",
                "note",
                row.id,
                row.text or "",
                activity_id=row.activity_id,
                shown=row.hidden_at is None,
            )
    for chunk in _chunks(wanted["idea"]):
        for row in db.session.execute(
            sa.select(Idea.id, Idea.title, Idea.body, Idea.hidden_at).where(Idea.id.in_(chunk))
        ):
            items[f"idea:{row.id}"] = Item(
                f"idea:{row.id}",
                "idea",
                row.id,
                html_to_text(row.body or ""),
                title=row.title,
                idea_id=row.id,
                shown=row.hidden_at is None,
            )
    return items


def _excerpted(item: Item, size: int) -> Item:
    text = " ".join(item.text.split())
    if len(text) > size:
        text = text[: size - 1].rsplit(" ", 1)[0] + " …"
    return Item(**{**item.__dict__, "text": text})


def link_target(workspace: Workspace, item: Item) -> tuple[str, dict]:
    """The endpoint and values of where an item is read: an idea's page, a note on its wall, a
    comment in its thread (for url_for, or mail.public_url outside a request)."""
    slug = workspace.slug
    if item.kind == "idea":
        return "ideas.idea", {"slug": slug, "idea_id": item.id}
    if item.kind == "note":
        return "notes.wall", {"slug": slug, "activity_id": item.activity_id, "_anchor": f"note-{item.id}"}
    anchor = f"comment-{item.id}"
    if item.idea_id:
        return "ideas.idea", {"slug": slug, "idea_id": item.idea_id, "_anchor": anchor}
    if item.measure_id:
        return "discussion.measure", {"slug": slug, "measure_id": item.measure_id, "_anchor": anchor}
    kind, target = ("theme", item.theme_id) if item.theme_id else ("activity", item.activity_id)
    return "discussion.show", {"slug": slug, "kind": kind, "target_id": target, "_anchor": anchor}


def find(views: list[ClusterView], anchor: str | None) -> ClusterView | None:
    return next((v for v in views if v.anchor == (anchor or "").strip()), None)


# --- a moderator's changes -------------------------------------------------------------------


def checked_name(name: str | None) -> str:
    name = " ".join(clean_text(name or "").split())
    if not name:
        raise Refused(_("Give the cluster a name."), "name")
    if len(name) > NAME_LENGTH:
        raise Refused(_("A name can be at most %(max)d characters.", max=NAME_LENGTH), "name")
    return name


def rename(actor, scope: Scope, anchor: str | None, name: str | None) -> ClusterView:
    """Name the cluster; the name stays with it when the clusters are computed again."""
    name = checked_name(name)
    base = base_clusters(scope)
    cluster = next((c for c in base if c["anchor"] == (anchor or "").strip()), None)
    if cluster is None:
        raise Refused(_("That cluster is not among these clusters. Reload the page and try again."))
    db.session.execute(
        sa.delete(ClusterName).where(
            ClusterName.workspace_id == scope.workspace.id,
            ClusterName.scope == scope.key,
            ClusterName.anchor.in_(cluster["items"]),
        )
    )
    # An upsert: renames of the same cluster at once never collide; the last one written stays.
    db.session.execute(
        insert_if_new(ClusterName.__table__)
        .values(workspace_id=scope.workspace.id, scope=scope.key, anchor=cluster["anchor"], name=name)
        .on_conflict_do_update(index_elements=["workspace_id", "scope", "anchor"], set_={"name": name})
    )
    audit.record(
        actor,
        "cluster.rename",
        workspace_id=scope.workspace.id,
        scope=scope.key,
        anchor=cluster["anchor"],
        name=name,
    )
    return find(clusters(scope), cluster["anchor"])


def move(actor, scope: Scope, item: str | None, anchor: str | None) -> ClusterView:
    """Move an item of the scope into another of its clusters."""
    views = clusters(scope)
    target = find(views, anchor)
    if target is None:
        raise Refused(_("That cluster is not among these clusters. Reload the page and try again."), "to")
    key = (item or "").strip()
    current = next((v for v in views if any(i.key == key for i in v.items)), None)
    if parse_key(key) is None or current is None:
        raise Refused(_("That comment, note or idea is not among these clusters."), "item")
    if current is target:
        return target
    base_home = {k: c["anchor"] for c in base_clusters(scope) for k in c["items"]}
    existing = db.session.scalar(
        sa.select(ClusterMove).where(
            ClusterMove.workspace_id == scope.workspace.id,
            ClusterMove.scope == scope.key,
            ClusterMove.item == key,
        )
    )
    if base_home.get(key) == target.anchor:  # back where it was computed: no move to keep
        if existing is not None:
            db.session.delete(existing)
    elif existing is not None:
        existing.anchor = target.anchor
    else:
        db.session.add(
            ClusterMove(workspace_id=scope.workspace.id, scope=scope.key, item=key, anchor=target.anchor)
        )
    db.session.flush()
    audit.record(
        actor, "cluster.move", workspace_id=scope.workspace.id, scope=scope.key, item=key, to=target.anchor
    )
    return find(clusters(scope), target.anchor)


def send_heard(actor, scope: Scope, anchor: str | None, theme_id, summary: str | None) -> ThemeHeard:
    """Make the moderator's summary of a cluster the theme's "what we heard" in the programme
    draft, with the cluster's quoted items as its sources (it replaces what was there)."""
    theme = scope.heard_theme
    if theme is None:
        theme = db.session.scalar(
            sa.select(Theme).where(Theme.id == _int(theme_id), Theme.workspace_id == scope.workspace.id)
        )
        if theme is None:
            raise Refused(_("Choose the theme the summary belongs to."), "theme_id")
    source = clean_text(summary or "").strip()
    if len(source) > SUMMARY_LENGTH:
        raise Refused(_("The summary can be at most %(max)d characters.", max=SUMMARY_LENGTH), "summary")
    try:
        html = render_markdown(source)
    except MarkdownError as error:
        raise Refused(str(error), "summary") from error
    if not html:
        raise Refused(_("Write what you heard in your own words."), "summary")
    cluster = find(clusters(scope), anchor)
    if cluster is None:
        raise Refused(_("That cluster is not among these clusters. Reload the page and try again."))
    values = {
        "summary_source": source,
        "summary_html": html,
        "sources": [item.key for item in cluster.central],
        "updated_by_id": getattr(actor, "id", None),
        "updated_at": utcnow(),
    }
    # One statement, so that two moderators' (or one double click's) sends never collide: the
    # last one written is the theme's.
    db.session.execute(
        insert_if_new(ThemeHeard.__table__)
        .values(theme_id=theme.id, **values)
        .on_conflict_do_update(index_elements=["theme_id"], set_=values)
    )
    heard = db.session.get(ThemeHeard, theme.id, populate_existing=True)
    audit.record(actor, "theme.heard", theme, workspace_id=scope.workspace.id, sources=heard.sources)
    return heard


def remove_heard(actor, workspace: Workspace, theme_id) -> bool:
    """Take a theme's "what we heard" out of the programme draft; False if it had none."""
    heard = db.session.scalar(
        sa.select(ThemeHeard)
        .join(Theme, Theme.id == ThemeHeard.theme_id)
        .where(ThemeHeard.theme_id == _int(theme_id), Theme.workspace_id == workspace.id)
    )
    if heard is None:
        return False
    db.session.delete(heard)
    db.session.flush()
    audit.record(actor, "theme.heard_removed", workspace_id=workspace.id, theme_id=heard.theme_id)
    return True


def _int(value) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 12 else 0


# --- the programme ---------------------------------------------------------------------------


def heard_for(theme: Theme | None) -> ThemeHeard | None:
    return db.session.get(ThemeHeard, theme.id) if theme is not None else None


def heard_of(workspace: Workspace) -> dict[int, tuple[ThemeHeard, list[Item]]]:
    """Each theme's "what we heard" and its sources that are still shown (one query, and one per
    kind of source)."""
    rows = db.session.scalars(
        sa.select(ThemeHeard)
        .join(Theme, Theme.id == ThemeHeard.theme_id)
        .where(Theme.workspace_id == workspace.id)
    ).all()
    if not rows:
        return {}
    keys = [key for row in rows for key in (row.sources or []) if parse_key(key)]
    shown = _shown(keys)
    return {row.theme_id: (row, [shown[k] for k in row.sources or [] if k in shown]) for row in rows}


def _shown(keys: list[str]) -> dict[str, Item]:
    """Of these items, the ones still shown (a hidden or withdrawn source drops out of the references)."""
    return {key: _excerpted(item, SHORT_EXCERPT) for key, item in _load(keys).items() if item.shown}
