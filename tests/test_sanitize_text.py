"""clean_text and clean_line (ideaspace/sanitize.py): no invisible or control characters, joiners
kept only inside words and emoji sequences. Property tests with hypothesis, and the whole Unicode
table checked against the hand-written list of format characters."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from ideaspace.sanitize import clean_line, clean_text

ZWNJ, ZWJ = "\u200c", "\u200d"
# Format characters (Cf) that are visible and kept: the prepended concatenation marks.
VISIBLE_CF = {*map(chr, range(0x0600, 0x0606)), "\u06dd", "\u070f", "\u0890", "\u0891", "\u08e2"}
VISIBLE_CF |= {"\U000110bd", "\U000110cd"}
TAGS = {chr(c) for c in range(0xE0020, 0xE0080)}


def test_the_reported_characters():
    assert clean_text("a\u061cb\ufeffc\u2060d") == "abcd"  # Arabic letter mark, BOM, word joiner
    assert clean_text("👩\u200d⚕️ hoitaja") == "👩\u200d⚕️ hoitaja"  # health worker: ZWJ kept
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"  # Persian: ZWNJ inside a word
    assert clean_text("\u200dalku loppu\u200d") == "alku loppu"
    assert clean_text("a \u200d b") == "a  b"
    assert clean_text("\u202eevil\u202c") == "evil"
    scotland = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert clean_text(f"lippu {scotland}") == f"lippu {scotland}"
    assert clean_text("x\U000e0041\U000e0042y") == "xy"  # tag characters outside a flag: smuggled text
    assert clean_text("a\x85b\u2028c\r\nd") == "a\nb\nc\nd"


def test_every_format_character_is_stripped_but_the_visible_ones():
    """The regular expression lists ranges by hand; Python's Unicode table is the judge."""
    kept = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) != "Cf" or char in (ZWJ, ZWNJ) or char in VISIBLE_CF:
            continue
        if clean_text(f"a{char}b") != "ab":
            kept.append(f"U+{code:04X} {unicodedata.name(char, '?')}")
    assert not kept, "clean_text keeps format characters: " + ", ".join(kept)
    assert all(clean_text(f"a{char}b") == f"a{char}b" for char in VISIBLE_CF)


def test_control_characters_and_lone_surrogates_are_stripped():
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0xD800, 0xDFFF]:
        char = chr(code)
        if char in "\t\n\r\x85":
            continue
        assert clean_text(f"a{char}b") == "ab", f"U+{code:04X}"


text = st.text(
    st.characters(codec=None, exclude_categories=())
    | st.sampled_from([ZWJ, ZWNJ, " ", "\n", "👩", "⚕", "\ufe0f"]),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(text)
def test_clean_text_properties(value):
    cleaned = clean_text(value)
    assert clean_text(cleaned) == cleaned  # idempotent
    assert cleaned == cleaned.strip()
    assert unicodedata.is_normalized("NFC", cleaned)
    for i, char in enumerate(cleaned):
        category = unicodedata.category(char)
        assert category not in ("Cc", "Cs") or char in "\t\n", repr(char)
        if char in (ZWJ, ZWNJ):
            # only between two visible characters, never two in a row
            assert 0 < i < len(cleaned) - 1, repr(cleaned)
            assert not cleaned[i - 1].isspace() and not cleaned[i + 1].isspace(), repr(cleaned)
            assert cleaned[i + 1] not in (ZWJ, ZWNJ), repr(cleaned)
        elif category == "Cf":
            assert char in VISIBLE_CF or char in TAGS, f"U+{ord(char):04X} in {cleaned!r}"


@settings(max_examples=200, deadline=None)
@given(text)
def test_clean_line_is_one_line(value):
    line = clean_line(value)
    assert "\n" not in line and "\r" not in line
    assert clean_line(line) == line
    assert "".join(line.split()) == "".join(clean_text(value).split())
