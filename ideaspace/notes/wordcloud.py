"""Term frequencies for a notes wall's word cloud, computed on the server.

Words are lowercased and split on everything that is not a letter (Finnish and Swedish å, ä, ö are
letters); Finnish, Swedish and English stop words (`stopwords/*.txt`) and words shorter than three
letters are dropped. A term counts once per note that mentions it, so one note repeating a word cannot
outweigh many people using it. Ties are ranked alphabetically (å, ä, ö after z), so the order never
depends on the order of the notes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 3
LIMIT = 40
SIZES = 5
LANGUAGES = ("fi", "sv", "en")

_WORD = re.compile(r"[^\W\d_]+")
# Alphabetical as in Finnish and Swedish: å, ä, ö come after z, in that order.
_NORDIC_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}"})


@dataclass(frozen=True)
class Term:
    word: str
    count: int
    size: int  # 1 (smallest) … SIZES (largest): a CSS class, never an inline style


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    folder = Path(__file__).with_name("stopwords")
    words: set[str] = set()
    for lang in LANGUAGES:
        for line in (folder / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
            line = line.strip().lower()
            if line and not line.startswith("#"):
                words.add(line)
    return frozenset(words)


def tokens(text: str) -> list[str]:
    """The meaningful words of a text, lowercased, in order."""
    stop = stop_words()
    return [w for w in _WORD.findall(text.lower()) if len(w) >= MIN_LENGTH and w not in stop]


def frequencies(texts: Iterable[str]) -> Counter[str]:
    """How many of the texts mention each term."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(_terms(text))
    return counts


@lru_cache(maxsize=16384)
def _terms(text: str) -> frozenset[str]:
    """A note's terms, remembered: every view of a wall counts every note, and notes do not change."""
    return frozenset(tokens(text))


def cloud(texts: Iterable[str], limit: int = LIMIT) -> list[Term]:
    """The top terms, most mentioned first (ties alphabetically), each with a size class 1–5."""
    ranked = sorted(frequencies(texts).items(), key=_rank)[:limit]
    if not ranked:
        return []
    high, low = ranked[0][1], ranked[-1][1]
    return [Term(word, count, _size(count, low, high)) for word, count in ranked]


def _rank(item: tuple[str, int]) -> tuple:
    word, count = item
    return (-count, word.translate(_NORDIC_ORDER), word)


def _size(count: int, low: int, high: int) -> int:
    if high == low:
        return (SIZES + 1) // 2
    return 1 + round((SIZES - 1) * (count - low) / (high - low))
