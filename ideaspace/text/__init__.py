"""Finnish, Swedish and English text analysis, self-hosted: no text leaves the server.

One component turns a text into the terms that search and the word cloud count: each word's base
forms (Voikko for Finnish; a Snowball stem for Swedish and English, and for Finnish where Voikko is
missing) and, for a Finnish compound, its parts, with stop words removed. `analysers` does one
word, `language` the words, stop words and language of a text; `index` keeps the search index and
`search` reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import analysers, language

MIN_LENGTH = 2
_TERM = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Analysis:
    """A text as the index sees it: its language and its terms, in order (repeats kept)."""

    lang: str
    terms: tuple[str, ...]


def _clean(term: str) -> bool:
    return len(term) >= MIN_LENGTH and _TERM.fullmatch(term) is not None


def word_terms(word: str, lang: str, parts: bool = True) -> tuple[str, ...]:
    """The terms of one lowercased word: its base forms, then (with `parts`) its compound parts;
    () for a stop word."""
    stop = language.stop_words(lang)
    if len(word) < MIN_LENGTH or word in stop:
        return ()
    forms = analysers.word_forms(word, lang)
    if all(base in stop for base in forms.bases):
        return ()
    return tuple(t for t in (*forms.bases, *(forms.parts if parts else ())) if _clean(t))


def analyse(text: str, fallback: str = "fi") -> Analysis:
    """The language of a plain text (or `fallback` where unclear) and its terms."""
    words = language.words(text)
    lang = language.detect(words, fallback)
    terms: list[str] = []
    for word in words:
        terms.extend(word_terms(word, lang))
    return Analysis(lang, tuple(terms))


@dataclass(frozen=True)
class QueryWord:
    """One word of a search query: its terms (alternatives, any of them matches) and, for a
    compound, its parts, which match together (all of them in one item): "työhyvinvointi" finds
    "työhyvinvointikyselyä", indexed as työ + hyvinvointi + kysely, not as työhyvinvointi."""

    terms: tuple[str, ...]
    compounds: tuple[tuple[str, ...], ...] = ()


def query_words(query: str, limit: int = 12) -> list[QueryWord]:
    """A search query as words, each with its terms in every language (the query's language is
    unknown: "arbetslag" is Swedish, "perehdytys" Finnish) and its compound parts.

    A stop word of any language leaves no word; at most `limit` words (the first ones)."""
    found: list[QueryWord] = []
    for word in language.words(query):
        alternatives: list[str] = []
        compounds: list[tuple[str, ...]] = []
        if word in language.all_stop_words():  # "och", "the", "että": too common in any language
            continue
        for lang in language.LANGUAGES:
            # Base forms only: a compound's parts are indexed so that "perehdytys" finds
            # "perehdytysalustan", but "ilmapiiri" should not find every "ilma" (its parts match
            # only together).
            for term in word_terms(word, lang, parts=False):
                if term not in alternatives:
                    alternatives.append(term)
            if len(word) >= MIN_LENGTH and word not in language.stop_words(lang):
                parts = tuple(p for p in analysers.word_forms(word, lang).parts if _clean(p))
                if len(parts) > 1 and parts not in compounds:
                    compounds.append(parts)
        if alternatives:
            entry = QueryWord(tuple(alternatives), tuple(compounds))
            if entry not in found:
                found.append(entry)
        if len(found) == limit:
            break
    return found


def query_groups(query: str, limit: int = 12) -> list[tuple[str, ...]]:
    """A search query as groups of alternatives, one group a word (`query_words` without the
    compound parts)."""
    groups: list[tuple[str, ...]] = []
    for word in query_words(query, limit):
        if word.terms not in groups:
            groups.append(word.terms)
    return groups
