"""The one formatting language: Markdown typed by people, rendered once on write, and back for editing.

`render` turns Markdown into HTML with markdown-it-py (raw HTML off: typed tags stay text) and passes
the result through the one sanitizer (`sanitize.clean_html`), whose allow-list and `rel` marks hold.
Only what that allow-list can show is enabled: paragraphs, line breaks, **bold**, *italic*, lists,
links and block quotes. The rendered HTML is what the database stores and every reader shows;
`source_of` gives an author the Markdown back, and `render(source_of(html)) == html` for every
rendered `html` (tests/test_markdown.py), so editing loses nothing.

A hostile source stays bounded: nesting beyond MAX_NESTING and more than MAX_LINKS links are
refused with MarkdownError (a message for the person), and so is more markup than MAX_TAGS,
before the sanitizer (html5lib, slow on tens of thousands of tags) sees it.
"""

from __future__ import annotations

import re
import threading

from flask_babel import gettext
from markdown_it import MarkdownIt
from markdownify import MarkdownConverter

from .sanitize import clean_html, clean_text, html_to_text

MAX_NESTING = 20  # lists and quotes deeper than people write; markdown-it drops what is deeper
MAX_LINKS = 200
MAX_SOURCE = 20_000  # the longest field (an introduction); guards callers that do not cap
MAX_TAGS = 4_000


class MarkdownError(ValueError):
    """The text cannot be rendered within the bounds; `str(error)` says why, in the reader's language."""


# MarkdownIt and MarkdownConverter keep state while they work: one of each per thread.
_local = threading.local()


def _parser() -> MarkdownIt:
    md = getattr(_local, "md", None)
    if md is None:
        md = MarkdownIt("zero", {"breaks": True, "html": False, "maxNesting": MAX_NESTING + 2})
        md.enable(["emphasis", "link", "list", "blockquote", "newline", "escape", "autolink", "entity"])
        _local.md = md
    return md


def render(source: str | None) -> str:
    """Turn typed Markdown into sanitized HTML ("" when nothing visible remains)."""
    text = clean_text(source)
    if not text:
        return ""
    if len(text) > MAX_SOURCE:
        raise MarkdownError(gettext("The text is too long (at most %(max)d characters).", max=MAX_SOURCE))
    md = _parser()
    tokens = md.parse(text)
    links = 0
    for token in tokens:
        deepest = max((child.level for child in token.children or ()), default=0)
        if token.level > MAX_NESTING or deepest > MAX_NESTING:
            raise MarkdownError(
                gettext(
                    "Lists, quotes and emphasis can be nested at most %(max)d levels deep.", max=MAX_NESTING
                )
            )
        links += sum(1 for child in token.children or () if child.type == "link_open")
    # An address the sanitizer will link and a Markdown link to it count once (<https://x.fi>).
    if max(links, len(_BARE_LINK.findall(text))) > MAX_LINKS:
        raise MarkdownError(gettext("A text can have at most %(max)d links.", max=MAX_LINKS))
    html = md.renderer.render(tokens, md.options, {})
    if html.count("<") > MAX_TAGS:  # the sanitizer's parser takes seconds over tens of thousands
        raise MarkdownError(gettext("The text has too much formatting. Simplify it and try again."))
    # markdown-it puts newlines around block tags; a typed "<" or ">" is escaped, so these are tags'.
    html = clean_html(html.replace(">\n", ">").replace("\n<", "<"))
    while _EMPTY.search(html):  # an empty quote or item ("**\n>") has no Markdown to edit back
        html = _EMPTY.sub("", html)
    return html if html_to_text(html).strip() else ""


_EMPTY = re.compile(r"<(blockquote|ul|ol|li|p|strong|em)></\1>")

# Addresses the sanitizer's linkifier will turn into links (counted against MAX_LINKS before it runs).
_BARE_LINK = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)


class _Converter(MarkdownConverter):
    """markdownify, set to write exactly the Markdown that `render` reads back."""

    def __init__(self) -> None:
        super().__init__(
            bullets="-",
            strong_em_symbol="*",
            newline_style="backslash",
            escape_misc=True,
            autolinks=True,
            heading_style="ATX",
        )

    def convert_br(self, el, text, parent_tags):
        # `render` reads every line break as <br> (breaks=True): no backslash or trailing spaces.
        return "\n"


def source_of(html: str | None) -> str:
    """The Markdown to put back in the textarea when an author edits what they wrote."""
    if not html:
        return ""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _Converter()
    return converter.convert(html).strip()
