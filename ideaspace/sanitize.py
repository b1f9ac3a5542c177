"""The one sanitizer: every piece of rich text a person typed passes through `clean_html`."""

from __future__ import annotations

import re
import threading
import unicodedata

import bleach
from bleach.linkifier import DEFAULT_CALLBACKS, Linker

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# What plain text never keeps: control characters but tab and newline (C0, DEL, C1), lone surrogates
# (PostgreSQL cannot store them), and the invisible format characters (Unicode category Cf: bidi
# controls and marks, BOM, word joiner, soft hyphen, invisible operators, tag characters ...).
# Kept: the prepended concatenation marks of Arabic and Syriac (U+0600-0605, 06DD, 070F, 0890-0891,
# 08E2, 110BD, 110CD), which are visible; ZWNJ and ZWJ inside words and emoji (_JOINER); tag
# characters inside a subdivision flag (🏴 + tags + cancel tag). tests/test_sanitize_text.py checks
# this list against unicodedata, so a new Unicode version cannot slip a format character past it.
_CONTROL = re.compile(
    "(\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,7}\U000e007f)"  # a subdivision flag
    "|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_LINE_BREAK = re.compile("\r\n?|[\x85\u2028\u2029]")
_JOINER = re.compile("[\u200c\u200d]+")  # ZWNJ, ZWJ: kept (one) between two visible characters
_LINES = re.compile(r"\s*\n\s*")


def _link_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


# bleach's Cleaner and Linker keep parser state while they run and are not thread-safe: one shared
# Cleaner saved empty comments (`<p></p>`) and raised 500s under gunicorn's threads. Each thread
# builds its own once, which also saves building a Linker (as bleach.linkify does) and a Cleaner
# (as bleach.clean does) on every call.
_local = threading.local()


class _Tools:
    """One thread's sanitizing objects."""

    def __init__(self) -> None:
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[],
        )
        self.linker = Linker(callbacks=[*DEFAULT_CALLBACKS, _link_rel], parse_email=False)
        self.text = bleach.Cleaner(tags=set(), strip=True)  # html_to_text: no tag at all


def _tools() -> _Tools:
    tools = getattr(_local, "tools", None)
    if tools is None:
        tools = _local.tools = _Tools()
    return tools


def clean_text(value: str | None) -> str:
    """Normalise plain text: NFC, newlines as \\n, no control or invisible characters, trimmed."""
    if not value:
        return ""
    value = _CONTROL.sub(_keep_flag, _LINE_BREAK.sub("\n", value))
    value = _JOINER.sub(_inner_joiner, value)
    return unicodedata.normalize("NFC", value).strip()


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
    """Return rich text with only the allow-listed tags; links get rel="nofollow noopener".

    Plain text (no tags) is wrapped into paragraphs, so a textarea's line breaks survive.
    """
    text = clean_text(value)
    if not text:
        return ""
    if "<" not in text:
        text = _paragraphs(text)
    tools = _tools()
    cleaned = tools.cleaner.clean(text)
    linked = tools.linker.linkify(cleaned)
    # Linkify re-parses; clean once more so its output is held to the same allow-list.
    result = tools.cleaner.clean(linked).strip()
    if result and "<" not in result:
        # Every tag was stripped (e.g. "<script>x</script>" leaves "x"): wrap the rest as plain
        # text would have been, so cleaning the result again changes nothing (idempotent).
        blocks = [b.strip() for b in re.split(r"\n\s*\n", result) if b.strip()]
        result = "".join("<p>" + b.replace("\n", "<br>") + "</p>" for b in blocks)
    return result


def _paragraphs(text: str) -> str:
    from markupsafe import escape

    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join("<p>" + str(escape(b)).replace("\n", "<br>") + "</p>" for b in blocks)


def html_to_text(value: str) -> str:
    """The visible text of sanitized HTML, for excerpts, exports and word counts."""
    with_breaks = re.sub(r"</(p|li|blockquote)>|<br\s*/?>", "\n", value or "")
    return (
        _tools()
        .text.clean(with_breaks)
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .strip()
    )
