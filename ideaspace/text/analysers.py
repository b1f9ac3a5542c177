"""The per-language word analysers: Voikko for Finnish, Snowball for Swedish and English.

Each analyser turns one lowercased word into its base forms (a Snowball stem for Swedish and
English) and, for Finnish compounds, the compound parts. Neither Voikko's handle nor a Snowball
stemmer may be used by two threads at once, so every thread gets its own (`threading.local`); the
results are cached per word, and the cache itself is thread-safe (`functools.lru_cache`).

Where Voikko (Debian `libvoikko1` + `voikko-fi`, and the `libvoikko` Python binding) is missing,
Finnish falls back to Snowball's Finnish stemmer: it strips endings but knows no base forms and no
compounds, so "perehdytys" no longer finds "perehdytysalustan" (see `status()`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_local = threading.local()
_SNOWBALL = {"fi": "finnish", "sv": "swedish", "en": "english"}
_voikko_error: str | None = None
_voikko_checked = False
_check_lock = threading.Lock()
# One segment of WORDBASES: "+surface(base)", "+surface(+suffix)" or a bare "+surface".
# A Swedish stem of five letters or more that ends in a vowel or l, then n (see word_forms).
_SWEDISH_DEFINITE = re.compile(r"^.{3,}[aeiouyåäöl]n$")
_SEGMENT = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")


@dataclass(frozen=True)
class WordForms:
    """What one word means to the index: its base forms and, for a compound, its parts."""

    bases: tuple[str, ...]
    parts: tuple[str, ...] = ()
    known: bool = True  # False: the analyser did not recognise the word (a stem or the word itself)


# --- Voikko ---------------------------------------------------------------------------------------


def _new_voikko():
    import libvoikko  # imported lazily: the app runs without it

    return libvoikko.Voikko("fi")


def voikko_available() -> bool:
    """True when a Finnish Voikko handle can be opened (checked once per process)."""
    global _voikko_checked, _voikko_error
    if not _voikko_checked:
        with _check_lock:
            if not _voikko_checked:
                try:
                    handle = _new_voikko()
                    handle.terminate()
                    _voikko_error = None
                except Exception as error:  # ImportError, OSError (no libvoikko.so), VoikkoException
                    _voikko_error = f"{type(error).__name__}: {error}"
                _voikko_checked = True
    return _voikko_error is None


def voikko_error() -> str | None:
    voikko_available()
    return _voikko_error


def _voikko():
    """This thread's own Voikko handle (a handle is not safe to share between threads)."""
    handle = getattr(_local, "voikko", None)
    if handle is None:
        handle = _local.voikko = _new_voikko()
    return handle


def _stemmer(lang: str):
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(lang)
    if stemmer is None:
        stemmer = stemmers[lang] = snowballstemmer.stemmer(_SNOWBALL[lang])
    return stemmer


def compound_parts(wordbases: str | None) -> tuple[str, ...]:
    """The compound parts rebuilt from Voikko's WORDBASES, e.g.

    `+perehdyt(perehdyttää)+ys(+ys)+alusta(alusta)` → ("perehdytys", "alusta"): a segment whose base
    starts with "+" is a derivational suffix and joins the part before it (perehdyt + ys); a lone
    part is its base form (`+kaupungin(kaupunki)` → "kaupunki"); a segment without a base (`+etä`) is
    itself, unless it is a letter or two that starts a suffix (`+liiku(liikkua)+n+ta(+ta)` →
    "liikunta"). Returns () for a word that is not a compound."""
    if not wordbases:
        return ()
    groups: list[list[tuple[str, str | None]]] = []
    for match in _SEGMENT.finditer(wordbases):
        surface, base = match.group(1), match.group(2)
        # A suffix joins the part before it; so does a bare letter or two, the start of a suffix
        # ("+liiku(liikkua)+n+ta(+ta)" is liikunta).
        if groups and ((base and base.startswith("+")) or (not base and len(surface) <= 2)):
            groups[-1].append((surface, base))
        else:
            groups.append([(surface, base)])
    parts = []
    for group in groups:
        if len(group) == 1:
            surface, base = group[0]
            part = base if base and not base.startswith("+") else surface
        else:
            part = "".join(surface for surface, _base in group)
        part = part.replace("=", "").lower()
        if part:
            parts.append(part)
    return tuple(parts) if len(parts) > 1 else ()


def _voikko_forms(word: str) -> WordForms | None:
    analyses = _voikko().analyze(word)
    if not analyses:
        return None
    # Several analyses: keep those that split the word least (työyhteisöille is työ + yhteisö, not
    # työ + yhteis + yö), and index every base form among them (tulen: tulla and tuli).
    with_parts = [(a, compound_parts(a.get("WORDBASES"))) for a in analyses]
    counted = [len(parts) or 1 for a, parts in with_parts if a.get("WORDBASES")]
    fewest = min(counted) if counted else 1
    bases: list[str] = []
    parts: list[str] = []
    for analysis, its_parts in with_parts:
        if analysis.get("WORDBASES") and (len(its_parts) or 1) > fewest:
            continue
        base = (analysis.get("BASEFORM") or word).replace("=", "").lower()
        if base not in bases:
            bases.append(base)
        for part in its_parts:
            if part not in parts and part not in bases:
                parts.append(part)
    parts = [p for p in parts if p not in bases]
    # A word that is its own base form (a nominative, "perehdytysalusta") most likely means that
    # word, not another word's case form (alusta: "from the start", of alku): that base comes first,
    # which is the one the word cloud counts; the index keeps them all.
    if word in bases:
        bases.remove(word)
        bases.insert(0, word)
    return WordForms(tuple(bases), tuple(parts))


# --- one word -------------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def word_forms(word: str, lang: str) -> WordForms:
    """The base forms and compound parts of one lowercased word in `lang` (fi, sv or en)."""
    if lang == "fi" and voikko_available():
        forms = _voikko_forms(word)
        if forms is not None:
            return forms
    if word.isdigit():
        return WordForms((word,), (), False)
    stemmer = _stemmer(lang if lang in _SNOWBALL else "en")
    stem = stemmer.stemWord(word)
    if lang == "sv" and _SWEDISH_DEFINITE.search(stem):
        # Snowball keeps the definite -n of a noun ending in a vowel or -el ("arbetsmiljön",
        # "frånvaron", "trivseln", and "mötena" stems to "möten"): drop it and stem again, so that
        # every form meets its base form's stem ("arbetsmiljö", "möte" → "möt").
        stem = stemmer.stemWord(stem[:-1])
    return WordForms((stem or word,), (), lang != "fi")


def finnish_analyser() -> str:
    """Which analyser Finnish uses: "voikko" or "snowball"."""
    return "voikko" if voikko_available() else "snowball"


def status() -> dict[str, str]:
    """The active analyser of each language, for `ideaspace doctor` and the admin page."""
    if voikko_available():
        import libvoikko

        try:
            version = libvoikko.Voikko.getVersion()
        except Exception:  # an old binding without getVersion
            version = "?"
        finnish = f"Voikko {version} (base forms and compound parts)"
    else:
        finnish = f"Snowball Finnish (fallback: Voikko unavailable: {voikko_error()})"
    return {"fi": finnish, "sv": "Snowball Swedish (stems)", "en": "Snowball English (stems)"}
