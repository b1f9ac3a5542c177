"""Term frequencies for a notes wall's word cloud, computed on the server, one cloud a language.

Each note's language is detected (`ideaspace.text.language.detect`, falling back to the
workspace's language), and its words are counted by base form (`ideaspace.text`): "ideoita",
"ideat" and "idean" are one term, shown as "idea". Swedish and English words are counted by their
Snowball stem and shown as the stem's most frequent word in the notes ("arbetslaget",
"arbetslagen" → the more frequent one), as is a Finnish word Voikko does not know. Stop words of
every language and words shorter than three letters are dropped. A term counts once per note that
mentions it, so one note repeating a word cannot outweigh many people using it. Ties are ranked
alphabetically (å, ä, ö after z), so the order never depends on the order of the notes.

Optionally (`heads=True`) a Finnish compound counts by its head, its last part: "yövuorojen" and
"vuorolla" both count as "vuoro", "työturvallisuutta" as "turvallisuus".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..text import analysers, language, word_terms

MIN_LENGTH = 3
LIMIT = 40
SIZES = 5
LANGUAGES = language.LANGUAGES

# Alphabetical as in Finnish and Swedish: å, ä, ö come after z, in that order.
_NORDIC_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}"})


@dataclass(frozen=True)
class Term:
    word: str
    count: int
    size: int  # 1 (smallest) … SIZES (largest): a CSS class, never an inline style


@dataclass(frozen=True)
class Cloud:
    """The cloud of the notes written in one language."""

    lang: str
    terms: tuple[Term, ...]
    notes: int  # how many notes are in this language


def stop_words() -> frozenset[str]:
    return language.all_stop_words()


def tokens(text: str) -> list[str]:
    """The meaningful words of a text, lowercased, in order."""
    stop = stop_words()
    return [w for w in language.words(text) if len(w) >= MIN_LENGTH and w not in stop]


@lru_cache(maxsize=16384)
def _terms(text: str, fallback: str = "fi", heads: bool = False) -> tuple[str, frozenset[tuple[str, str]]]:
    """A note's language and its terms as (term, word) pairs, remembered: every view of a wall
    counts every note, and notes do not change. The term is the first base form (with `heads`, a
    Finnish compound's last part); the word is what the cloud shows: the term where the analyser
    knows the word, else the word itself."""
    lang = language.detect(text, fallback)
    pairs = set()
    stop = language.stop_words(lang)
    for word in tokens(text):
        terms = word_terms(word, lang)
        if not terms:
            continue
        forms = analysers.word_forms(word, lang)
        known = forms.known and lang == "fi"
        term = terms[0]
        if heads and known and forms.parts and forms.parts[-1] not in stop:
            term = forms.parts[-1]
        pairs.add((term, term if known else word))
    return lang, frozenset(pairs)


def frequencies(texts: Iterable[str], fallback: str = "fi", heads: bool = False) -> dict[str, Counter[str]]:
    """Per language, how many of the texts mention each term (keyed by the word shown)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for lang, _words, term_counts in _count(texts, fallback, heads):
        counts[lang] = term_counts
    return dict(counts)


def _count(texts: Iterable[str], fallback: str, heads: bool = False):
    """(language, notes, Counter of shown word) per language: a term is shown as its most
    frequent word (ties alphabetically)."""
    notes: Counter[str] = Counter()
    per_term: dict[str, Counter[str]] = defaultdict(Counter)
    seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for text in texts:
        lang, pairs = _terms(text, fallback, heads)
        notes[lang] += 1
        for term, word in pairs:
            per_term[lang][term] += 1
            seen[(lang, term)][word] += 1
    for lang in sorted(notes, key=lambda lang: (-notes[lang], LANGUAGES.index(lang))):
        shown: Counter[str] = Counter()
        for term, count in per_term[lang].items():
            words = seen[(lang, term)]
            word = min(words, key=lambda w: (-words[w], w.translate(_NORDIC_ORDER), w))
            shown[word] += count
        yield lang, notes[lang], shown


def clouds(
    texts: Iterable[str], fallback: str = "fi", limit: int = LIMIT, heads: bool = False
) -> list[Cloud]:
    """One cloud per language the notes are written in, the most used language first; each with
    its top terms, most mentioned first (ties alphabetically), each with a size class 1–5."""
    result = []
    for lang, notes, counts in _count(texts, fallback, heads):
        terms = cloud_terms(counts, limit)
        if terms:
            result.append(Cloud(lang, tuple(terms), notes))
    return result


def cloud_terms(counts: Counter[str], limit: int = LIMIT) -> list[Term]:
    ranked = sorted(counts.items(), key=_rank)[:limit]
    if not ranked:
        return []
    high, low = ranked[0][1], ranked[-1][1]
    return [Term(word, count, _size(count, low, high)) for word, count in ranked]


def cloud(texts: Iterable[str], fallback: str = "fi", limit: int = LIMIT, heads: bool = False) -> list[Term]:
    """The terms of every language in one ranking (a wall written in one language has one cloud)."""
    merged: Counter[str] = Counter()
    for _lang, _notes, counts in _count(texts, fallback, heads):
        merged.update(counts)
    return cloud_terms(merged, limit)


def _rank(item: tuple[str, int]) -> tuple:
    word, count = item
    return (-count, word.translate(_NORDIC_ORDER), word)


def _size(count: int, low: int, high: int) -> int:
    if high == low:
        return (SIZES + 1) // 2
    return 1 + round((SIZES - 1) * (count - low) / (high - low))
