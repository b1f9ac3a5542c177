"""Keep the search index current: on write, at publication, and rebuilt by `ideaspace reindex`.

A comment, note, idea, theme, measure or quote written through the ORM (a named author's post, an
edit, a moderator's theme or quote, an import) gets its row when the session flushes it
(`_index_flushed`); a deleted one loses it with the source (ON DELETE CASCADE; on SQLite the FTS5
triggers follow). Anonymous content is written only by the ballot box's publication
(ideaspace.ballot.service.publish), with Core inserts that no ORM event sees: `index_published`
gives it its rows in that same transaction, in the batch's (shuffled) id order, so an index row is
written with the published row and carries nothing that row does not: never in the request that
recorded who took part.

A theme's and a measure's texts are kept per language ({"fi": ..., "sv": ...}): each version is
analysed in its own language and one row holds the terms of them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Comment, Idea, Measure, Note, Quote, Theme, Workspace
from ..sanitize import html_to_text
from . import analyse, language, word_terms
from .models import SearchEntry

BATCH = 500
_MODEL = {"comment": Comment, "note": Note, "idea": Idea, "theme": Theme, "measure": Measure, "quote": Quote}
_COLUMN = {kind: getattr(SearchEntry, f"{kind}_id") for kind in _MODEL}
# Only these are ever anonymous (written by the ballot box's publication).
_ANONYMOUS_KINDS = ("comment", "note", "idea")
# The source columns that make up the indexed text, per kind.
_TEXT = {
    "comment": ("body",),
    "note": ("text",),
    "idea": ("title", "body"),
    "theme": ("title", "introduction"),
    "measure": ("goal", "text"),
    "quote": ("excerpt", "language"),
}
_LOCALIZED = ("theme", "measure")
_KIND_OF = {model: kind for kind, model in _MODEL.items()}


def text_of(kind: str, values) -> str:
    """The plain text indexed for a comment, note, idea or quote (an object or a row with the
    kind's text columns); an idea's title counts twice, so a match in the title ranks above one in
    the body. (A theme's and a measure's are per language: `versions_of`.)"""
    if kind == "comment":
        return html_to_text(values.body or "")
    if kind == "note":
        return values.text or ""
    if kind == "quote":
        return values.excerpt or ""
    return f"{values.title}\n{values.title}\n{html_to_text(values.body or '')}"


def versions_of(kind: str, values) -> dict[str, str]:
    """A theme's or a measure's plain text per language; a theme's title counts twice (as an idea's)."""
    versions: dict[str, list[str]] = {}
    if kind == "theme":
        for lang, title in (values.title or {}).items():
            versions.setdefault(lang, []).extend([title or "", title or ""])
        for lang, intro in (values.introduction or {}).items():
            versions.setdefault(lang, []).append(html_to_text(intro or ""))
    else:
        for column in ("goal", "text"):
            for lang, text in (getattr(values, column) or {}).items():
                versions.setdefault(lang, []).append(text or "")
    return {lang: "\n".join(parts) for lang, parts in versions.items() if "".join(parts).strip()}


def workspace_token(workspace_id: int) -> str:
    """The term every entry of a workspace starts with, so that SQLite's full-text match can keep
    to one workspace (a real term is letters only, so none is ever this)."""
    return f"w{workspace_id}"


def analyse_versions(versions: dict[str, str], fallback: str) -> tuple[str, list[str]]:
    """The terms of texts whose language is known (a theme's "fi", "sv" ... versions), each
    analysed in its own language (an unknown code is detected); the row's language is the
    workspace's where it has a version."""
    terms: list[str] = []
    for lang, text in versions.items():
        if lang in language.LANGUAGES:
            for word in language.words(text):
                terms.extend(word_terms(word, lang))
        else:
            terms.extend(analyse(text, fallback).terms)
    known = [lang for lang in versions if lang in language.LANGUAGES]
    lang = fallback if fallback in versions or not known else known[0]
    return lang, terms


def _entry(kind: str, source_id: int, workspace_id: int, text, fallback: str) -> dict:
    """One index row; `text` is a plain text, or for a theme or a measure its versions by language."""
    if kind in _LOCALIZED:
        lang, terms = analyse_versions(text, fallback)
    elif kind == "quote" and text[1] in language.LANGUAGES:  # (excerpt, the language it was picked in)
        lang, terms = analyse_versions({text[1]: text[0]}, fallback)
    else:
        analysis = analyse(text[0] if kind == "quote" else text, fallback)
        lang, terms = analysis.lang, list(analysis.terms)
    entry = dict.fromkeys((f"{k}_id" for k in _MODEL), None)
    entry.update(
        {
            "workspace_id": workspace_id,
            f"{kind}_id": source_id,
            "language": lang,
            "terms": " ".join((workspace_token(workspace_id), *terms)),
        }
    )
    return entry


def _source_text(kind: str, values):
    if kind in _LOCALIZED:
        return versions_of(kind, values)
    if kind == "quote":
        return (values.excerpt or "", values.language or "")
    return text_of(kind, values)


def _languages(connection, workspace_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(workspace_ids))
    if not ids:
        return {}
    rows = connection.execute(
        sa.select(Workspace.id, Workspace.primary_language).where(Workspace.id.in_(ids))
    )
    return {workspace_id: lang or "fi" for workspace_id, lang in rows}


def _write(connection, kind: str, rows: list[tuple[int, int, object]]) -> None:
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


def _source_select(kind: str) -> sa.Select:
    """(id, workspace_id, text columns...) of a kind's sources; a measure's workspace is its theme's."""
    model = _MODEL[kind]
    columns = [getattr(model, c) for c in _TEXT[kind]]
    if kind == "measure":
        return sa.select(Measure.id, Theme.workspace_id, *columns).join(Theme, Theme.id == Measure.theme_id)
    return sa.select(model.id, model.workspace_id, *columns)


def _workspace_column(kind: str):
    return Theme.workspace_id if kind == "measure" else _MODEL[kind].workspace_id


# --- on write (the ORM) -----------------------------------------------------------------------


def _changed(obj, kind: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _TEXT[kind])


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, _context) -> None:
    """Index what this flush wrote or whose text it changed."""
    pending: dict[str, list[tuple[int, int | None, object]]] = {}
    measures_of: dict[int, list[int]] = {}  # theme id -> indexes into pending["measure"]
    for obj in (*session.new, *session.dirty):
        kind = _KIND_OF.get(type(obj))
        if kind is None or obj.id is None:
            continue
        if obj in session.dirty and not _changed(obj, kind):
            continue
        workspace_id = None if kind == "measure" else obj.workspace_id
        rows = pending.setdefault(kind, [])
        if kind == "measure":
            measures_of.setdefault(obj.theme_id, []).append(len(rows))
        rows.append((obj.id, workspace_id, _source_text(kind, obj)))
    if not pending:
        return
    connection = session.connection()
    if measures_of:  # a measure's workspace is its theme's: one query for them all
        themes = sa.select(Theme.id, Theme.workspace_id).where(Theme.id.in_(list(measures_of)))
        found = {theme_id: workspace_id for theme_id, workspace_id in connection.execute(themes)}
        rows = pending["measure"]
        for theme_id, positions in measures_of.items():
            for position in positions:
                source_id, _none, text = rows[position]
                rows[position] = (source_id, found.get(theme_id), text)
        pending["measure"] = [row for row in rows if row[1] is not None]
    for kind, rows in pending.items():
        _write(connection, kind, sorted(rows, key=lambda row: row[0]))


# --- at publication (the ballot box) ------------------------------------------------------------


def index_published(workspace: Workspace, now: datetime) -> None:
    """Index the anonymous rows a publication has just written (their time is the batch's), in the
    publication's transaction and in their id order (the batch's shuffled order)."""
    connection = db.session.connection()
    for kind in _ANONYMOUS_KINDS:
        model = _MODEL[kind]
        rows = connection.execute(
            _source_select(kind)
            .where(
                model.workspace_id == workspace.id,
                model.created_at == now,
                model.author_id.is_(None),
                ~sa.exists().where(_COLUMN[kind] == model.id),
            )
            .order_by(model.id)
        ).all()
        _write(connection, kind, [(row.id, row.workspace_id, _source_text(kind, row)) for row in rows])


# --- rebuilt (`ideaspace reindex`) -------------------------------------------------------------


def reindex(workspace: Workspace | None = None, missing: bool = False) -> dict[str, int]:
    """Rebuild the index of one workspace (or every one) from the content, or with `missing` only
    add the rows it lacks; returns rows written per kind (comment, note, idea, theme, measure,
    quote).

    Runs in the caller's transaction (the command commits). The rows are written in each kind's
    id order, which for anonymous content is its batch's shuffled order."""
    connection = db.session.connection()
    if not missing:
        scope = [] if workspace is None else [SearchEntry.workspace_id == workspace.id]
        connection.execute(sa.delete(SearchEntry.__table__).where(*scope))
    counts = {}
    for kind, model in _MODEL.items():
        where = [] if workspace is None else [_workspace_column(kind) == workspace.id]
        if missing:
            where.append(~sa.exists().where(_COLUMN[kind] == model.id))
        last, count = 0, 0
        while True:
            rows = connection.execute(
                _source_select(kind).where(*where, model.id > last).order_by(model.id).limit(BATCH)
            ).all()
            if not rows:
                break
            _write(connection, kind, [(r.id, r.workspace_id, _source_text(kind, r)) for r in rows])
            last, count = rows[-1].id, count + len(rows)
        counts[kind] = count
    return counts


def coverage() -> tuple[str, int, int]:
    """The engine's search, how many sources (comments, notes, ideas, themes, measures and quotes)
    have an index row, and how many there are."""
    engine = db.session.get_bind().dialect.name
    described = "PostgreSQL full-text search" if engine == "postgresql" else "SQLite FTS5"
    indexed = db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry))
    total = sum(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in _MODEL.values())
    return described, indexed, total
