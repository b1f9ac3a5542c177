"""Keep the search index current: on write, at publication, and rebuilt by `ideaspace reindex`.

A comment, note or idea written through the ORM (a named author's post, an edit, an import) gets
its row when the session flushes it (`_index_flushed`). Anonymous content is written only by the
ballot box's publication (ideaspace.ballot.service.publish), with Core inserts that no ORM event
sees: `index_published` gives it its rows in that same transaction, in the batch's (shuffled) id
order, so an index row is written with the published row and carries nothing that row does not:
never in the request that recorded who took part.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Comment, Idea, Note, Workspace
from ..sanitize import html_to_text
from . import analyse
from .models import SearchEntry

BATCH = 500
_COLUMN = {"comment": SearchEntry.comment_id, "note": SearchEntry.note_id, "idea": SearchEntry.idea_id}
_MODEL = {"comment": Comment, "note": Note, "idea": Idea}
# The source columns that make up the indexed text, per kind.
_TEXT = {"comment": ("body",), "note": ("text",), "idea": ("title", "body")}


def text_of(kind: str, values) -> str:
    """The plain text indexed for a row (an object or a row with the kind's text columns); an
    idea's title counts twice, so a match in the title ranks above one in the body."""
    if kind == "comment":
        return html_to_text(values.body or "")
    if kind == "note":
        return values.text or ""
    return f"{values.title}\n{values.title}\n{html_to_text(values.body or '')}"


def workspace_token(workspace_id: int) -> str:
    """The term every entry of a workspace starts with, so that SQLite's full-text match can keep
    to one workspace (a real term is letters only, so none is ever this)."""
    return f"w{workspace_id}"


def _entry(kind: str, source_id: int, workspace_id: int, text: str, fallback: str) -> dict:
    analysis = analyse(text, fallback)
    return {
        "workspace_id": workspace_id,
        "comment_id": source_id if kind == "comment" else None,
        "note_id": source_id if kind == "note" else None,
        "idea_id": source_id if kind == "idea" else None,
        "language": analysis.lang,
        "terms": " ".join((workspace_token(workspace_id), *analysis.terms)),
    }


def _languages(connection, workspace_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(workspace_ids))
    if not ids:
        return {}
    rows = connection.execute(
        sa.select(Workspace.id, Workspace.primary_language).where(Workspace.id.in_(ids))
    )
    return {workspace_id: lang or "fi" for workspace_id, lang in rows}


def _write(connection, kind: str, rows: list[tuple[int, int, str]]) -> None:
    """Replace the index rows of these (source id, workspace id, text), in the order given."""
    if not rows:
        return
    languages = _languages(connection, (w for _i, w, _t in rows))
    column = _COLUMN[kind]
    connection.execute(sa.delete(SearchEntry.__table__).where(column.in_([i for i, _w, _t in rows])))
    connection.execute(
        sa.insert(SearchEntry.__table__),
        [_entry(kind, i, w, t, languages.get(w, "fi")) for i, w, t in rows],
    )


# --- on write (the ORM) -----------------------------------------------------------------------


def _changed(obj, kind: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _TEXT[kind])


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, _context) -> None:
    """Index the comments, notes and ideas this flush wrote or whose text it changed."""
    pending: dict[str, list[tuple[int, int, str]]] = {}
    for obj in (*session.new, *session.dirty):
        kind = _KIND_OF.get(type(obj))
        if kind is None or obj.id is None:
            continue
        if obj in session.dirty and not _changed(obj, kind):
            continue
        pending.setdefault(kind, []).append((obj.id, obj.workspace_id, text_of(kind, obj)))
    if pending:
        connection = session.connection()
        for kind, rows in pending.items():
            _write(connection, kind, sorted(rows))


_KIND_OF = {Comment: "comment", Note: "note", Idea: "idea"}


# --- at publication (the ballot box) ------------------------------------------------------------


def index_published(workspace: Workspace, now: datetime) -> None:
    """Index the anonymous rows a publication has just written (their time is the batch's), in the
    publication's transaction and in their id order (the batch's shuffled order)."""
    connection = db.session.connection()
    for kind, model in _MODEL.items():
        columns = [model.id, model.workspace_id, *(getattr(model, c) for c in _TEXT[kind])]
        rows = connection.execute(
            sa.select(*columns)
            .where(
                model.workspace_id == workspace.id,
                model.created_at == now,
                model.author_id.is_(None),
                ~sa.exists().where(_COLUMN[kind] == model.id),
            )
            .order_by(model.id)
        ).all()
        _write(connection, kind, [(row.id, row.workspace_id, text_of(kind, row)) for row in rows])


# --- rebuilt (`ideaspace reindex`) -------------------------------------------------------------


def reindex(workspace: Workspace | None = None, missing: bool = False) -> dict[str, int]:
    """Rebuild the index of one workspace (or every one) from the content, or with `missing` only
    add the rows it lacks (after upgrading to migration 0006); returns rows written per kind.

    Runs in the caller's transaction (the command commits). The rows are written in each kind's
    id order, which for anonymous content is its batch's shuffled order."""
    connection = db.session.connection()
    if not missing:
        scope = [] if workspace is None else [SearchEntry.workspace_id == workspace.id]
        connection.execute(sa.delete(SearchEntry.__table__).where(*scope))
    counts = {}
    for kind, model in _MODEL.items():
        columns = [model.id, model.workspace_id, *(getattr(model, c) for c in _TEXT[kind])]
        where = [] if workspace is None else [model.workspace_id == workspace.id]
        if missing:
            where.append(~sa.exists().where(_COLUMN[kind] == model.id))
        last, count = 0, 0
        while True:
            rows = connection.execute(
                sa.select(*columns).where(*where, model.id > last).order_by(model.id).limit(BATCH)
            ).all()
            if not rows:
                break
            _write(connection, kind, [(r.id, r.workspace_id, text_of(kind, r)) for r in rows])
            last, count = rows[-1].id, count + len(rows)
        counts[kind] = count
    return counts


def coverage() -> tuple[str, int, int]:
    """The engine's search, how many comments, notes and ideas have an index row, and how many there are."""
    engine = db.session.get_bind().dialect.name
    described = "PostgreSQL full-text search" if engine == "postgresql" else "SQLite FTS5"
    indexed = db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry))
    total = sum(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in _MODEL.values())
    return described, indexed, total
