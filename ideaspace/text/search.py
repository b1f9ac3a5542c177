"""Search a workspace's comments, notes, ideas, themes, measures and quotes by base forms and
compound parts, ranked.

The query's words become groups of alternatives (each word's terms in every language and, for a
compound, its parts together, see `ideaspace.text.query_words`); a result holds a term of every
group. PostgreSQL ranks with
`ts_rank` over the stored `to_tsvector('simple', terms)`, SQLite with FTS5's `bm25`. Only what the
searcher may read is found: never hidden or withdrawn content, nothing in a draft activity unless
they moderate the workspace, no comment on a hidden idea, and quotes only for those who may read
the programme (moderators; observers once the workspace is open), never one whose source is hidden
or withdrawn. Anonymous content shows no author, unit or date (`Hit.anonymous`); a quote shows none
of its source's at all (the programme attributes it, with the author's consent checked there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..i18n import current_language
from ..models import Activity, ActivityStatus, Comment, Idea, Measure, Note, Quote, Theme, Workspace
from ..permissions import can_moderate, can_read_programme, viewer
from ..sanitize import html_to_text
from . import QueryWord, language, query_words, word_terms
from .index import text_of, versions_of, workspace_token
from .models import DOCUMENT, FTS_TABLE, SOURCE_KINDS, SearchEntry

PAGE_SIZE = 20
MAX_WORDS = 12
MAX_LENGTH = 500  # characters of a query read; the rest is left out (and the searcher told)
EXCERPT_WORDS = 40
EXCERPT_SCAN = 4000  # characters of an item read for its excerpt


@dataclass(frozen=True)
class Hit:
    """One result: what it is, where, and an excerpt as (text, matched) pieces (the template marks
    the matched ones; no markup is built here)."""

    kind: str  # comment, note, idea, theme, measure, quote
    item: Comment | Note | Idea | Theme | Measure | Quote
    title: str | None  # an idea's or a theme's title
    excerpt: tuple[tuple[str, bool], ...]
    lang: str
    anonymous: bool
    author: str | None = None
    created_at: datetime | None = None


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    message: str | None = None  # why nothing was searched, or what was left out

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search(user, workspace: Workspace, query: str | None, page: int = 1) -> Results:
    """One page of the workspace's content matching `query`, best first (the view checks that the
    user may read the workspace)."""
    query = (query or "").strip()
    results = Results(query=query[:MAX_LENGTH])
    words = language.words(query[:MAX_LENGTH])
    if not words:
        if query:
            results.message = gettext("Type words to search for: letters, not only punctuation or numbers.")
        return results
    groups = query_words(query[:MAX_LENGTH], limit=MAX_WORDS)
    if not groups:
        results.message = gettext("Those words are too common to search for. Try a more specific word.")
        return results
    if len(query) > MAX_LENGTH or len(words) > MAX_WORDS:
        results.message = gettext(
            "Only the first %(num)d words were searched.", num=min(len(groups), MAX_WORDS)
        )
    # One statement: the page and (a window over every match) the total, so the match runs once.
    matches = _matching(user, workspace, groups).add_columns(sa.func.count().over().label("total"))
    ordered = matches.order_by(sa.text("rank DESC"), SearchEntry.id.desc()).limit(PAGE_SIZE)
    page = max(1, page)
    ranked = db.session.execute(ordered.offset((page - 1) * PAGE_SIZE)).all()
    if not ranked and page > 1:  # past the last page: the last page
        total = db.session.scalar(sa.select(sa.func.count()).select_from(matches.subquery()))
        page = max(1, -(-total // PAGE_SIZE))
        ranked = db.session.execute(ordered.offset((page - 1) * PAGE_SIZE)).all()
    results.total = ranked[0].total if ranked else 0
    results.pages = max(1, -(-results.total // PAGE_SIZE))
    results.page = page
    # What the excerpts mark: a word with one of the terms, or with all the parts of a compound.
    wanted: set = {term for group in groups for term in group.terms}
    wanted |= {frozenset(parts) for group in groups for parts in group.compounds}
    results.hits = _hits(ranked, wanted, workspace)
    return results


def _matching(user, workspace: Workspace, groups: list[QueryWord]) -> sa.Select:
    """The visible entries of the workspace that match every group: (id, kind ids, language, rank)."""
    entry = SearchEntry
    columns = [entry.id, *(getattr(entry, f"{kind}_id") for kind in SOURCE_KINDS), entry.language]
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(
            "(" + " | ".join([*group.terms, *("(" + " & ".join(p) + ")" for p in group.compounds)]) + ")"
            for group in groups
        )
        vector = sa.literal_column(f"{SearchEntry.__tablename__}.{DOCUMENT}")  # migration 0006
        parsed = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.bindparam("tsquery", tsquery))
        rank = sa.func.ts_rank(vector, parsed).label("rank")
        select = sa.select(*columns, rank).where(vector.op("@@")(parsed))
    else:
        fts = sa.table(FTS_TABLE, sa.column("rowid"), sa.column(FTS_TABLE))
        # The workspace's own token first (ideaspace.text.index.workspace_token): FTS5 intersects
        # its posting list with the words', so only this workspace's matches are ranked.
        match = " AND ".join(
            [f'"{workspace_token(workspace.id)}"']
            + [
                "("
                + " OR ".join(
                    [
                        *(f'"{term}"' for term in group.terms),
                        *(
                            "(" + " AND ".join(f'"{part}"' for part in parts) + ")"
                            for parts in group.compounds
                        ),
                    ]
                )
                + ")"
                for group in groups
            ]
        )
        # Materialized: the full-text match runs once, first; otherwise SQLite may walk the
        # workspace's entries and run the match once for each of them.
        hits = (
            sa.select(
                fts.c.rowid.label("entry_id"),
                # bm25 is lower for a better match: negated, so both engines sort by rank descending.
                (-sa.func.bm25(sa.literal_column(FTS_TABLE))).label("rank"),
            )
            .where(sa.literal_column(FTS_TABLE).op("MATCH")(sa.bindparam("match", match)))
            .cte("hits")
            .prefix_with("MATERIALIZED")
        )
        select = (
            sa.select(*columns, hits.c.rank)
            .select_from(hits)
            .join(SearchEntry, SearchEntry.id == hits.c.entry_id)
        )
    return _visible(select.where(SearchEntry.workspace_id == workspace.id), user, workspace)


def _visible(select: sa.Select, user, workspace: Workspace) -> sa.Select:
    """Keep what the searcher may read: nothing hidden or withdrawn, no draft activity's content
    unless they moderate, no comment on a hidden idea or under a hidden comment; themes and
    measures for everyone who reads the workspace; quotes for those who may read the programme,
    and only while their source is visible. Outer joins on primary keys, so each match costs a few
    index lookups whatever the plan."""
    moderator = can_moderate(viewer(user), workspace)
    comment, parent, comment_activity, comment_idea = (
        aliased(Comment),
        aliased(Comment),
        aliased(Activity),
        aliased(Idea),
    )
    note, note_activity, idea = aliased(Note), aliased(Activity), aliased(Idea)

    def open_(activity):
        return sa.true() if moderator else activity.status != ActivityStatus.DRAFT

    select = (
        select.outerjoin(comment, comment.id == SearchEntry.comment_id)
        .outerjoin(parent, parent.id == comment.parent_id)
        .outerjoin(comment_activity, comment_activity.id == comment.activity_id)
        .outerjoin(comment_idea, comment_idea.id == comment.idea_id)
        .outerjoin(note, note.id == SearchEntry.note_id)
        .outerjoin(note_activity, note_activity.id == note.activity_id)
        .outerjoin(idea, idea.id == SearchEntry.idea_id)
    )
    allowed = [
        sa.and_(
            SearchEntry.comment_id.is_not(None),
            comment.hidden_at.is_(None),
            comment.withdrawn_at.is_(None),
            sa.or_(comment.parent_id.is_(None), parent.hidden_at.is_(None)),
            sa.or_(comment.activity_id.is_(None), open_(comment_activity)),
            sa.or_(comment.idea_id.is_(None), comment_idea.hidden_at.is_(None)),
        ),
        sa.and_(SearchEntry.note_id.is_not(None), note.hidden_at.is_(None), open_(note_activity)),
        sa.and_(SearchEntry.idea_id.is_not(None), idea.hidden_at.is_(None)),
        SearchEntry.theme_id.is_not(None),
        SearchEntry.measure_id.is_not(None),
    ]
    if can_read_programme(viewer(user), workspace):
        quote, q_comment, q_note, q_activity, q_idea = (
            aliased(Quote),
            aliased(Comment),
            aliased(Note),
            aliased(Activity),
            aliased(Idea),
        )
        select = (
            select.outerjoin(quote, quote.id == SearchEntry.quote_id)
            .outerjoin(q_comment, q_comment.id == quote.comment_id)
            .outerjoin(q_note, q_note.id == quote.note_id)
            .outerjoin(q_activity, q_activity.id == q_note.activity_id)
            .outerjoin(q_idea, q_idea.id == quote.idea_id)
        )
        # A quote whose source is gone (SET NULL) keeps its text, as the programme does.
        allowed.append(
            sa.and_(
                SearchEntry.quote_id.is_not(None),
                q_comment.hidden_at.is_(None),
                q_comment.withdrawn_at.is_(None),
                q_note.hidden_at.is_(None),
                sa.or_(q_note.activity_id.is_(None), open_(q_activity)),
                q_idea.hidden_at.is_(None),
            )
        )
    return select.where(sa.or_(*allowed))


def _hits(ranked, wanted: set[str], workspace: Workspace) -> list[Hit]:
    """The page's items, loaded in one query per kind, in rank order, with their excerpts."""
    ids = {
        kind: [getattr(r, f"{kind}_id") for r in ranked if getattr(r, f"{kind}_id")] for kind in SOURCE_KINDS
    }
    loaded = {}
    for kind, model in (("comment", Comment), ("note", Note), ("idea", Idea)):
        if ids[kind]:
            query = sa.select(model).where(model.id.in_(ids[kind])).options(joinedload(model.author))
            loaded.update({(kind, obj.id): obj for obj in db.session.scalars(query)})
    for kind, model in (("theme", Theme), ("measure", Measure), ("quote", Quote)):
        if ids[kind]:
            query = sa.select(model).where(model.id.in_(ids[kind]))
            loaded.update({(kind, obj.id): obj for obj in db.session.scalars(query)})
    hits = []
    for row in ranked:
        kind = next(k for k in SOURCE_KINDS if getattr(row, f"{k}_id"))
        item = loaded.get((kind, getattr(row, f"{kind}_id")))
        if item is None:
            continue
        if kind in ("theme", "measure", "quote"):
            hits.append(_programme_hit(kind, item, row.language, wanted, workspace))
            continue
        anonymous = item.author_id is None
        text = html_to_text(item.body) if kind == "idea" else text_of(kind, item)
        hits.append(
            Hit(
                kind=kind,
                item=item,
                title=item.title if kind == "idea" else None,
                excerpt=excerpt(text, row.language, wanted),
                lang=row.language,
                anonymous=anonymous,
                author=None if anonymous or item.author is None else item.author.name,
                created_at=None if anonymous else item.created_at,
            )
        )
    return hits


def _programme_hit(kind: str, item, lang: str, wanted: set[str], workspace: Workspace) -> Hit:
    """A theme, a measure or a quote: no author or date shown (a quote's source may be anonymous;
    the programme names an author only with their consent). A theme's or a measure's excerpt comes
    from the version, in the reader's language first, that holds a match."""
    if kind == "quote":
        quote_lang = item.language if item.language in language.LANGUAGES else lang
        return Hit(kind, item, None, excerpt(item.excerpt, quote_lang, wanted), quote_lang, True)
    if kind == "theme":
        titles = item.title or {}
        versions = {
            code: html_to_text(intro or "") or titles.get(code, "")
            for code, intro in (item.introduction or {}).items()
        }
        versions.update({code: title for code, title in titles.items() if not versions.get(code)})
    else:
        versions = versions_of(kind, item)
    order = [current_language(), workspace.primary_language, lang, *versions]
    chosen = None
    for code in dict.fromkeys(order):
        if versions.get(code):
            pieces = excerpt(versions[code], code if code in language.LANGUAGES else lang, wanted)
            if chosen is None:
                chosen = (code, pieces)
            if any(matched for _piece, matched in pieces):
                chosen = (code, pieces)
                break
    code, pieces = chosen or (lang, ())
    title = None
    if kind == "theme":
        title = titles.get(code) or next((t for t in titles.values() if t), "")
    return Hit(kind, item, title, pieces, code, True)


def excerpt(
    text: str, lang: str, wanted: set[str], size: int = EXCERPT_WORDS
) -> tuple[tuple[str, bool], ...]:
    """About `size` words of `text` around its first match, as (piece, matched) pieces. `wanted`
    holds terms, and a compound's parts as a frozenset (a word matches with all of them)."""
    compounds = [term for term in wanted if isinstance(term, frozenset)]
    pieces: list[tuple[str, bool]] = []
    position = 0
    first = None
    text = text[:EXCERPT_SCAN]
    for index, match in enumerate(language.spans(text)):
        terms = set(word_terms(match.group().lower(), lang))
        hit = bool(terms & wanted) or any(parts <= terms for parts in compounds)
        if hit and first is None:
            first = index
        pieces.append((text[position : match.start()], False))
        pieces.append((match.group(), hit))
        position = match.end()
    pieces.append((text[position:], False))
    start = max(0, (first or 0) - size // 4)
    window = pieces[2 * start : 2 * (start + size) + 1]
    if start > 0:
        window.insert(0, ("… ", False))
    if 2 * (start + size) + 1 < len(pieces) - 1:
        window.append((" …", False))
    merged: list[tuple[str, bool]] = []
    for piece, hit in window:
        if merged and not hit and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + piece, False)
        elif piece:
            merged.append((piece, hit))
    return tuple(merged)
