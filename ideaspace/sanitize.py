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

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


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
    """Normalise plain text: NFC, no control or direction-override characters, trimmed."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


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
