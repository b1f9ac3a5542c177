"""Similar ideas and notes: duplicate suggestions while typing, and merge suggestions for moderators.

Two steps. A candidate query over the search index (`search_entry`: each word's base forms and
compound parts) finds the workspace's ideas that share a term with the draft, best ranked first
(PostgreSQL `ts_rank`, SQLite FTS5 `bm25`). Those few candidates are then scored word by word
(`score`): a word counts as shared when a base form of it occurs in the other text, or when two of
its compound parts do ("perehdytysalusta" and "perehdytyksen alustan"); one shared part counts
half. Title words weigh twice, a few words every staff idea uses weigh less. The score is a Dice
coefficient over those weights, from 0 to 1; `THRESHOLD` was chosen on the labelled pairs in
tests/data/duplicates_*.jsonl (bench/duplicates.py, bench/RESULTS.md).

Only what everyone may see is suggested: no hidden idea, no merged one (it points elsewhere), and
nothing about the author, unit or date of an idea (anonymous ones included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Activity, ActivityStatus, Idea, IdeaStatus, IdeaSupport, Note, Workspace
from ..sanitize import html_to_text
from . import analysers, language
from .index import workspace_token
from .models import DOCUMENT, FTS_TABLE, SearchEntry

# Chosen from bench/duplicates.py on tests/data/duplicates_{fi,sv}.jsonl: see bench/RESULTS.md.
THRESHOLD = 0.4
LIMIT = 5  # suggestions shown
CANDIDATES = 30  # ideas re-scored per draft
MAX_TERMS = 40  # distinct terms of a draft sent to the candidate query
MAX_CHARS = 2000  # characters of a text read (the rest rarely decides whether it is a duplicate)
TITLE_WEIGHT = 2.0
PART_MATCH = 0.5
# Words nearly every staff idea uses: they say little about which idea it is.
GENERIC_WEIGHT = 0.3
GENERIC = frozenset(
    {
        # Finnish
        "idea", "ehdottaa", "ehdotus", "kehittää", "kehittäminen", "parantaa", "lisätä", "uusi",
        "hyvä", "henkilöstö", "työntekijä", "työ", "työpaikka", "kaupunki", "yksikkö", "esihenkilö",
        "tarvita", "voida", "saada", "mahdollisuus", "tehdä", "kaikki", "oma", "yhteinen", "käyttää",
        "tärkeä", "asia", "aika",
        # Swedish (Snowball stems and words)
        "ide", "förslag", "föreslå", "utveckl", "förbättr", "ny", "nya", "god", "bra", "personal",
        "personalen", "anställd", "anställda", "arbet", "arbetsplats", "stad", "enhet",
        "chef", "behöv", "kan", "få", "möjlig", "möjlighet", "gör", "all", "alla", "egen", "gemensam",
        "använd", "viktig", "sak", "tid",
    }
)  # fmt: skip


# --- scoring ---------------------------------------------------------------------------------

_TERM = re.compile(r"[^\W_]{2,}")


def _clean(term: str) -> bool:
    return _TERM.fullmatch(term) is not None


@dataclass(frozen=True)
class Word:
    weight: float
    bases: frozenset[str]
    parts: frozenset[str]
    generic: bool = False


@dataclass(frozen=True)
class Profile:
    """A text as the similarity sees it: its words (with weights) and all their terms."""

    lang: str
    words: tuple[Word, ...]
    terms: frozenset[str]
    ordered: tuple[str, ...]  # distinct terms, title first, for the candidate query


def profile(title: str, body: str = "", fallback: str = "fi") -> Profile:
    """The words of a title and a plain-text body, in the language detected (or `fallback`)."""
    title, body = (title or "")[:MAX_CHARS], (body or "")[:MAX_CHARS]
    title_words, body_words = language.words(title), language.words(body)
    lang = language.detect(title_words + body_words, fallback)
    stop = language.stop_words(lang)
    weights: dict[str, float] = {}
    for words, weight in ((title_words, TITLE_WEIGHT), (body_words, 1.0)):
        for word in words:
            if len(word) >= 2 and word not in stop and weights.get(word, 0) < weight:
                weights[word] = weight
    result, terms, ordered = [], set(), []
    for word, weight in weights.items():
        forms = analysers.word_forms(word, lang)
        bases = [b for b in forms.bases if _clean(b)]
        if not bases or all(b in stop for b in bases):
            continue
        parts = [p for p in forms.parts if _clean(p) and p not in stop]
        generic = any(b in GENERIC for b in bases)
        if generic:
            weight *= GENERIC_WEIGHT
        result.append(Word(weight, frozenset(bases), frozenset(parts), generic))
        for term in (*bases, *parts):
            if term not in terms:
                terms.add(term)
                ordered.append(term)
    return Profile(lang, tuple(result), frozenset(terms), tuple(ordered))


def _shared(word: Word, other: Profile) -> float:
    if word.bases & other.terms:
        return 1.0
    if word.parts:
        found = len(word.parts & other.terms)
        if found >= 2:
            return 1.0
        if found == 1:
            return PART_MATCH
    return 0.0


def score(a: Profile, b: Profile) -> float:
    """How alike two texts are, 0 to 1: the weighted share of their words found in the other."""
    total = sum(w.weight for w in a.words) + sum(w.weight for w in b.words)
    if not total:
        return 0.0
    pairs = [(w, _shared(w, b)) for w in a.words] + [(w, _shared(w, a)) for w in b.words]
    if not any(found and not w.generic for w, found in pairs):
        return 0.0  # "An idea" and "Idea 12" share only a word every idea has
    return sum(w.weight * found for w, found in pairs) / total


def idea_profile(idea: Idea, fallback: str = "fi") -> Profile:
    return profile(idea.title, html_to_text(idea.body or ""), fallback)


# --- candidates from the index ---------------------------------------------------------------


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _ranked_entries(workspace_id: int, terms, column, name: str = "hits"):
    """(entry id, rank) of the workspace's entries holding any of `terms`, as a subquery."""
    # Words every idea uses would make every idea a candidate: they only count in the score.
    terms = [t for t in terms if t not in GENERIC][:MAX_TERMS] or list(terms)[:MAX_TERMS]
    if _postgresql():
        vector = sa.literal_column(f"{SearchEntry.__tablename__}.{DOCUMENT}")
        parsed = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.literal(" | ".join(terms)))
        return (
            sa.select(SearchEntry.id.label("entry_id"), sa.func.ts_rank(vector, parsed).label("rank"))
            .where(vector.op("@@")(parsed), SearchEntry.workspace_id == workspace_id, column.is_not(None))
            .cte(name)
            .prefix_with("MATERIALIZED")  # the GIN match first, whatever the statistics say
        )
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    match = f'"{workspace_token(workspace_id)}" AND (' + " OR ".join(f'"{t}"' for t in terms) + ")"
    # Materialized, as in ideaspace.text.search: the full-text match runs once, first.
    return (
        sa.select(fts.c.rowid.label("entry_id"), (-sa.func.bm25(sa.literal_column(FTS_TABLE))).label("rank"))
        .where(sa.literal_column(FTS_TABLE).op("MATCH")(sa.literal(match)))
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def _idea_candidates(workspace_id: int, draft: Profile, exclude_id: int | None, name: str = "hits"):
    hits = _ranked_entries(workspace_id, draft.ordered, SearchEntry.idea_id, name)
    conditions = [Idea.hidden_at.is_(None), Idea.status != IdeaStatus.MERGED]
    if exclude_id is not None:
        conditions.append(Idea.id != exclude_id)
    return (
        sa.select(Idea.id, Idea.title, Idea.body)
        .select_from(hits)
        .join(SearchEntry, SearchEntry.id == hits.c.entry_id)
        .join(Idea, Idea.id == SearchEntry.idea_id)
        .where(*conditions)
        .order_by(hits.c.rank.desc(), Idea.id.desc())
        .limit(CANDIDATES)
    )


@dataclass
class Suggestion:
    """A similar idea with its score, supporters and whether the reader supports it."""

    idea: Idea
    score: float
    supports: int = 0
    supported: bool = False

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _rescored(rows, draft: Profile, fallback: str, threshold: float) -> list[tuple[int, float]]:
    scored = []
    for row in rows:
        value = score(draft, profile(row.title, html_to_text(row.body or ""), fallback))
        if value >= threshold:
            scored.append((row.id, value))
    scored.sort(key=lambda pair: (-pair[1], -pair[0]))
    return scored[:LIMIT]


def _suggestions(user, scored: dict[int, list[tuple[int, float]]]) -> dict[int, list[Suggestion]]:
    """Load the scored ideas with their supporter counts in one query (and the reader's supports)."""
    ids = {idea_id for pairs in scored.values() for idea_id, _s in pairs}
    if not ids:
        return {key: [] for key in scored}
    supports = (
        sa.select(sa.func.count())
        .select_from(IdeaSupport)
        .where(IdeaSupport.idea_id == Idea.id)
        .correlate(Idea)
        .scalar_subquery()
    )
    loaded = {
        idea.id: (idea, count)
        for idea, count in db.session.execute(sa.select(Idea, supports).where(Idea.id.in_(ids)))
    }
    mine: set[int] = set()
    if getattr(user, "is_authenticated", False):
        mine = set(
            db.session.scalars(
                sa.select(IdeaSupport.idea_id).where(
                    IdeaSupport.user_id == user.id, IdeaSupport.idea_id.in_(ids)
                )
            )
        )
    return {
        key: [Suggestion(loaded[i][0], s, loaded[i][1], i in mine) for i, s in pairs if i in loaded]
        for key, pairs in scored.items()
    }


def similar_ideas(
    user,
    workspace: Workspace,
    title: str | None,
    body: str | None = "",
    *,
    exclude_id: int | None = None,
    threshold: float = THRESHOLD,
) -> list[Suggestion]:
    """Up to `LIMIT` visible, unmerged ideas of the workspace most like a draft (plain text), best first."""
    fallback = workspace.primary_language or "fi"
    draft = profile(title or "", body or "", fallback)
    if not draft.ordered:
        return []
    rows = db.session.execute(_idea_candidates(workspace.id, draft, exclude_id)).all()
    return _suggestions(user, {0: _rescored(rows, draft, fallback, threshold)})[0]


def duplicates_of(user, workspace: Workspace, ideas) -> dict[int, list[Suggestion]]:
    """The likely duplicates of each of these ideas (a moderator's page): one candidate statement
    for all of them, then one to load the suggested ideas."""
    fallback = workspace.primary_language or "fi"
    drafts = {idea.id: idea_profile(idea, fallback) for idea in ideas}
    drafts = {i: d for i, d in drafts.items() if d.ordered}
    if not drafts:
        return {idea.id: [] for idea in ideas}
    parts = []
    for n, (idea_id, draft) in enumerate(drafts.items()):
        part = _idea_candidates(workspace.id, draft, idea_id, f"hits_{n}").add_columns(
            sa.literal(idea_id).label("for_id")
        )
        parts.append(sa.select(part.subquery(f"c_{n}")))
    rows = db.session.execute(sa.union_all(*parts) if len(parts) > 1 else parts[0]).all()
    by_idea: dict[int, list] = {i: [] for i in drafts}
    for row in rows:
        by_idea[row.for_id].append(row)
    scored = {i: _rescored(by_idea[i], drafts[i], fallback, THRESHOLD) for i in drafts}
    found = _suggestions(user, scored)
    return {idea.id: found.get(idea.id, []) for idea in ideas}


# --- notes -----------------------------------------------------------------------------------


@dataclass
class NoteHint:
    note: Note
    score: float


def similar_notes(workspace: Workspace, activity: Activity, text: str | None, moderator: bool = False):
    """Up to `LIMIT` visible notes of this activity most like a draft note, best first."""
    fallback = workspace.primary_language or "fi"
    draft = profile(text or "", "", fallback)
    if not draft.ordered or (activity.status == ActivityStatus.DRAFT and not moderator):
        return []
    hits = _ranked_entries(workspace.id, draft.ordered, SearchEntry.note_id)
    rows = db.session.execute(
        sa.select(Note)
        .select_from(hits)
        .join(SearchEntry, SearchEntry.id == hits.c.entry_id)
        .join(Note, Note.id == SearchEntry.note_id)
        .where(Note.activity_id == activity.id, Note.hidden_at.is_(None))
        .order_by(hits.c.rank.desc(), Note.id.desc())
        .limit(CANDIDATES)
    ).scalars()
    scored = [NoteHint(note, score(draft, profile(note.text, "", fallback))) for note in rows]
    scored = [hint for hint in scored if hint.score >= THRESHOLD]
    scored.sort(key=lambda hint: (-hint.score, -hint.note.id))
    return scored[:LIMIT]
