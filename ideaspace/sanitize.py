"""The one sanitizer: every piece of rich text a person typed passes through `clean_html`."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}  # rel is always LINK_REL, whatever was typed
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"

# What plain text never keeps: control characters but tab and newline (C0, DEL, C1), lone surrogates
# (PostgreSQL cannot store them), and the invisible format characters (Unicode category Cf: bidi
# controls and marks, BOM, word joiner, soft hyphen, invisible operators, tag characters ...).
# Kept: the prepended concatenation marks of Arabic and Syriac (U+0600-0605, 06DD, 070F, 0890-0891,
# 08E2, 110BD, 110CD), which are visible; ZWNJ and ZWJ inside words and emoji (_JOINER); tag
# characters inside a subdivision flag (🏴 + tags + cancel tag). tests/test_sanitize_text.py checks
# this list against unicodedata, so a new Unicode version cannot slip a format character past it.
_FLAG = "\U0001f3f4"
_CONTROL_CLASS = (
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_CONTROL = re.compile(
    f"({_FLAG}[\U000e0030-\U000e0039\U000e0061-\U000e007a]{{1,7}}\U000e007f)|{_CONTROL_CLASS}"
)
_CONTROL_ONLY = re.compile(_CONTROL_CLASS)  # the same without a flag to keep: half the time
_LINE_BREAK = re.compile("\r\n?|[\x85\u2028\u2029]")
_JOINER = re.compile("[\u200c\u200d]+")  # ZWNJ, ZWJ: kept (one) between two visible characters
_LINES = re.compile(r"\s*\n\s*")


# nh3 is the maintained binding of ammonia (Rust, html5ever's parser), which bleach's maintainers
# point to since deprecating bleach: one pass over a 5,000-character comment takes well under a
# millisecond where bleach's html5lib took tens. A Cleaner keeps no state while it works (its
# settings are fixed when it is built), so the threads of a worker share these two.
# Tags off the list are dropped and their text kept, <script>'s and <style>'s too (as bleach did):
# shown as text, escaped, nothing a person typed is lost.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(),
    # "*": none on every tag (ammonia's default would keep lang and title on any tag).
    attributes={"*": set()} | {tag: set(names) - {"rel"} for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_PROTOCOLS),
    link_rel=LINK_REL,
    strip_comments=True,
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=set(), attributes={"*": set()}, link_rel=None)


def clean_text(value: str | None) -> str:
    """Normalise plain text: NFC, newlines as \\n, no control or invisible characters, trimmed."""
    if not value:
        return ""
    # Each step first asks whether it has anything to do: a comment is cleaned twice on every render.
    if "\r" in value or "\x85" in value or "\u2028" in value or "\u2029" in value:
        value = _LINE_BREAK.sub("\n", value)
    value = _CONTROL.sub(_keep_flag, value) if _FLAG in value else _CONTROL_ONLY.sub("", value)
    if "\u200c" in value or "\u200d" in value:
        value = _JOINER.sub(_inner_joiner, value)
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return value.strip()


def clean_line(value: str | None) -> str:
    """clean_text for single-line text (titles, names, labels, mail headers): line breaks become a space."""
    return _LINES.sub(" ", clean_text(value))


def _keep_flag(match: re.Match) -> str:
    return match.group(1) or ""


def _inner_joiner(match: re.Match) -> str:
    text, start, end = match.string, match.start(), match.end()
    inside = 0 < start and end < len(text) and not text[start - 1].isspace() and not text[end].isspace()
    return match.group()[0] if inside else ""


def clean_html(value: str | None) -> str:
    """Return rich text with only the allow-listed tags, attributes and protocols; links get
    rel="nofollow noopener".

    Plain text (no tags) is wrapped into paragraphs, so a textarea's line breaks survive. Addresses
    in text are not linked here: the Markdown renderer links them (`markdown.render`), and what
    this returns is the same when cleaned again (idempotent).
    """
    text = clean_text(value)
    if not text:
        return ""
    if "<" not in text:
        text = _paragraphs(text)
    result = _quote_text(_CLEANER.clean(text).strip())
    # The parser reads what it wrote differently when the input nested what HTML cannot (an <a>
    # inside an <a>): clean until nothing changes, so a stored text is what cleaning it gives.
    for _ in range(3):
        again = _quote_text(_CLEANER.clean(result).strip())
        if again == result:
            break
        result = again
    if result and "<" not in result:
        # Every tag was stripped (e.g. "<span>x</span>" leaves "x"): wrap the rest as plain text would
        # have been, so cleaning the result again changes nothing (idempotent).
        blocks = [b.strip() for b in re.split(r"\n\s*\n", result) if b.strip()]
        result = "".join("<p>" + b.replace("\n", "<br>") + "</p>" for b in blocks)
    return result


# nh3 writes every attribute value in double quotes (a quote inside as &quot;) and escapes "<" and ">"
# in text, so a tag here is "<" up to the first ">" outside quotes; only links have attributes.
_TAG_OR_TEXT = re.compile(r'(<a [^">]*(?:"[^"]*"[^">]*)*>)')


def _quote_text(html: str) -> str:
    """Escape '"' in text as &quot; too (as the Markdown renderer writes it): typed markup shown as
    text keeps no bare quote, so no later use of the text can end an attribute with it."""
    if '"' not in html:
        return html
    pieces = _TAG_OR_TEXT.split(html)
    pieces[::2] = [piece.replace('"', "&quot;") for piece in pieces[::2]]
    return "".join(pieces)


def _paragraphs(text: str) -> str:
    from markupsafe import escape

    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join("<p>" + str(escape(b)).replace("\n", "<br>") + "</p>" for b in blocks)


def html_to_text(value: str) -> str:
    """The visible text of sanitized HTML, for excerpts, exports and word counts."""
    with_breaks = re.sub(r"</(p|li|blockquote)>|<br\s*/?>", "\n", value or "")
    return html.unescape(_TEXT_ONLY.clean(with_breaks)).strip()
