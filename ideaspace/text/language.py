"""Words, stop words and the language of a text (Finnish, Swedish or English).

Words are runs of letters (Finnish and Swedish å, ä, ö are letters; digits and punctuation split
them), lowercased. The language is guessed per text from its stop words, letters and endings that
only one of the languages uses, and, where Voikko is installed, how many of its words Voikko knows
as Finnish. A text with no such signal (a short note, a name) gets the fallback: the workspace's
language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from . import analysers

LANGUAGES = ("fi", "sv", "en")

_WORD = re.compile(r"[^\W\d_]+")
# Finnish case endings and long vowels (Swedish and English have neither); Swedish å, and
# Swedish and English endings Finnish does not have.
_FINNISH = re.compile(
    r"(aa|ee|ii|oo|uu|yy|ää|öö)|(ssa|ssä|sta|stä|lla|llä|lta|ltä|ksi|een|iin|nen|set|sia|siä)$"
)
_SWEDISH = re.compile(r"å|(tion|het|ning|ering|arna|erna|orna|ande|ende|lig|liga|ska|ar|or|er|et|ens)$")
_ENGLISH = re.compile(r"(ing|tion|ness|ment|ly|ed|ous|ies)$|w|th|sh|ch")


@lru_cache(maxsize=len(LANGUAGES))
def stop_words(lang: str) -> frozenset[str]:
    """The stop words of one language (`stopwords/<lang>.txt`)."""
    path = Path(__file__).with_name("stopwords") / f"{lang}.txt"
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().lower()
        if line and not line.startswith("#"):
            words.add(line)
    return frozenset(words)


@lru_cache(maxsize=1)
def all_stop_words() -> frozenset[str]:
    """The stop words of every language."""
    return frozenset().union(*(stop_words(lang) for lang in LANGUAGES))


def words(text: str) -> list[str]:
    """Every word of a text, lowercased, in order."""
    return _WORD.findall((text or "").lower())


def spans(text: str):
    """The words of a text as regular-expression matches (their positions kept), in order."""
    return _WORD.finditer(text or "")


def detect(text: str | list[str], fallback: str = "fi") -> str:
    """The language of a text (fi, sv or en), or `fallback` where the text gives no clear sign."""
    tokens = words(text) if isinstance(text, str) else text
    if not tokens:
        return fallback if fallback in LANGUAGES else "fi"
    scores = dict.fromkeys(LANGUAGES, 0.0)
    voikko = analysers.voikko_available()
    for word in tokens[:200]:  # the opening of a long text decides
        for lang in LANGUAGES:
            if word in stop_words(lang):
                scores[lang] += 2
        if _SWEDISH.search(word):
            scores["sv"] += 1
        if _ENGLISH.search(word):
            scores["en"] += 0.5
        if voikko and len(word) > 3:
            if analysers.word_forms(word, "fi").known:
                scores["fi"] += 1
        elif _FINNISH.search(word):
            scores["fi"] += 1
    best = max(scores.values())
    leaders = [lang for lang in LANGUAGES if scores[lang] == best]
    if best == 0 or (len(leaders) > 1 and fallback in leaders):
        return fallback if fallback in LANGUAGES else leaders[0]
    return leaders[0]
