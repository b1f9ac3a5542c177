"""The one formatting language: Markdown typed by people, rendered once on write, and back for editing.

`render` turns Markdown into HTML with markdown-it-pyrs (markdown-it's Rust port, by the authors of
markdown-it-py: the same rules and plugin names, many times faster; raw HTML off, so typed tags stay
text; its linkify links bare addresses) and passes the result through the one sanitizer
(`sanitize.clean_html`, nh3), whose allow-list, protocols and `rel` marks hold. Only what that
allow-list can show is enabled: paragraphs, line breaks, **bold**, *italic*, lists, links and block
quotes. A 5,000-character comment renders in well under 2 ms (bench/markdown_render.py).

The source is stored beside the rendered HTML, which is what every reader shows; an author edits
the source. `source_of` turns HTML stored before the sources were kept into Markdown (migration
0008), and `render(source_of(html)) == html` for the shapes people write (tests/test_markdown.py).

A hostile source stays bounded: nesting beyond MAX_NESTING and more than MAX_LINKS links are
refused with MarkdownError (a message for the person), and so is more markup than MAX_TAGS. The
parser recurses once per level of nesting on the thread's stack, so before it runs a scan of the
line prefixes refuses containers nested deeper than twice MAX_NESTING, and more than MAX_DELIMITERS
emphasis and link delimiters are refused too.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

from bs4 import BeautifulSoup
from flask_babel import gettext
from markdown_it_pyrs import MarkdownIt
from markdownify import MarkdownConverter, chomp

from .sanitize import ALLOWED_PROTOCOLS, clean_html, clean_text

MAX_NESTING = 20  # lists, quotes and emphasis deeper than people write
MAX_LINKS = 200
MAX_SOURCE = 20_000  # the longest field (an introduction); guards callers that do not cap
MAX_TAGS = 4_000
MAX_DELIMITERS = 4_000  # "*", "_" and "[": each can open one more level of inline nesting


class MarkdownError(ValueError):
    """The text cannot be rendered within the bounds; `str(error)` says why, in the reader's language."""


# A parser and a converter per thread: neither is documented as safe to share while it works.
_local = threading.local()

_PLUGINS = [
    "paragraph",
    "emphasis",
    "link",
    "list",
    "blockquote",
    "newline",
    "escape",
    "autolink",
    "entity",
    "linkify",
]


def _parser() -> MarkdownIt:
    md = getattr(_local, "md", None)
    if md is None:
        md = MarkdownIt("zero")
        md.enable_many(_PLUGINS)
        _local.md = md
    return md


def _nesting_error() -> MarkdownError:
    return MarkdownError(
        gettext("Lists, quotes and emphasis can be nested at most %(max)d levels deep.", max=MAX_NESTING)
    )


def _too_much_formatting() -> MarkdownError:
    return MarkdownError(gettext("The text has too much formatting. Simplify it and try again."))


# The container markers that open a line (quotes, bullets, numbers) and the indentation between them.
_CONTAINERS = re.compile(r"^(?:[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))+", re.MULTILINE)
_MARKER = re.compile(r">|[-+*]|\d{1,9}[.)]")


def _check_bounds(text: str) -> None:
    """Refuse what would nest too deep before the parser recurses into it."""
    for match in _CONTAINERS.finditer(text):
        prefix = match.group()
        markers = len(_MARKER.findall(prefix))
        # A nested list item is indented at least two columns more than its parent's.
        columns = prefix.count(" ") + 4 * prefix.count("\t")
        if markers + columns // 2 > 2 * MAX_NESTING + 2:
            raise _nesting_error()
    if text.count("*") + text.count("_") + text.count("[") > MAX_DELIMITERS:
        raise _too_much_formatting()


_OPEN_OR_CLOSE = re.compile(r"<(/?)(ul|ol|li|blockquote|p|strong|em|a)\b")
_INLINE = frozenset({"strong", "em", "a"})


def _check_nesting(html: str) -> None:
    block = inline = 0
    for closing, name in _OPEN_OR_CLOSE.findall(html):
        step = -1 if closing else 1
        if name in _INLINE:
            inline += step
        else:
            block += step
        if block > MAX_NESTING + 2 or inline > MAX_NESTING:
            raise _nesting_error()


def render(source: str | None) -> str:
    """Turn typed Markdown into sanitized HTML ("" when nothing visible remains)."""
    text = clean_text(source)
    if not text:
        return ""
    if len(text) > MAX_SOURCE:
        raise MarkdownError(gettext("The text is too long (at most %(max)d characters).", max=MAX_SOURCE))
    _check_bounds(text)
    html = _parser().render(text, xhtml=False)
    if html.count("<") > MAX_TAGS:
        raise _too_much_formatting()
    _check_nesting(html)
    html = clean_html(_breaks(_LINK.sub(_link_or_text, html)))
    if html.count("<a ") > MAX_LINKS:
        raise MarkdownError(gettext("A text can have at most %(max)d links.", max=MAX_LINKS))
    while _EMPTY.search(html):  # an empty quote or item ("**\n>") has no Markdown to edit back
        html = _EMPTY.sub("", html)
    # Visible text remains? (nh3 writes a no-break space as &nbsp;, the only invisible entity.)
    return html if _TAGS.sub("", html).replace("&nbsp;", "").strip() else ""


_EMPTY = re.compile(r"<(blockquote|ul|ol|li|p|strong|em)></\1>")
_TAGS = re.compile(r"<[^>]*>")

# The parser writes a newline after a line break and around block tags, for layout; any other
# newline was typed inside a paragraph and is a line break, as in the textarea. A typed "<" is
# escaped, so each "<" here starts the parser's own tag.
_LAYOUT_NEWLINES = [
    *(f"{tag}\n" for name in ("p", "ul", "ol", "li", "blockquote") for tag in (f"<{name}>", f"</{name}>")),
    "<br>\n",
]
_BEFORE_BLOCK = re.compile(r"\n(?=</?(?:p|ul|ol|li|blockquote)[ >])")
_AFTER_NUMBERED = re.compile(r'(<ol start="\d+">)\n')  # a list that does not start from 1


# The parser's links (they never nest; it escapes '"' and ">" in attributes). One whose address has a
# protocol off the allow-list (linkify takes "sanahttps://x.fi" whole) is shown as its text: the
# sanitizer would only drop its href and leave an <a> that goes nowhere.
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_SCHEME = re.compile(r"([^:/?#]*):")


def _link_or_text(match: re.Match) -> str:
    scheme = _SCHEME.match(match.group(1))
    return match.group(0) if not scheme or scheme.group(1).lower() in ALLOWED_PROTOCOLS else match.group(2)


def _breaks(html: str) -> str:
    for layout in _LAYOUT_NEWLINES:
        if layout in html:
            html = html.replace(layout, layout[:-1])
    if "<ol start=" in html:
        html = _AFTER_NUMBERED.sub(r"\1", html)
    return _BEFORE_BLOCK.sub("", html).replace("\n", "<br>")


_SCHEME_SEPARATOR = re.compile(r"(?<=[A-Za-z0-9]):(?=//)")
_NOT_IN_AUTOLINK = re.compile(r"[\s<>]")
_SAME_LOOK = {"strong": "strong", "b": "strong", "em": "em", "i": "em"}


def _is_bold(node) -> bool:
    return _SAME_LOOK.get(getattr(node, "name", None)) == "strong"


def _beside_bold(el) -> bool:
    """Bold just before or after this element, or at its very start or end: delimiters touch."""
    inside = [child for child in el.contents if not (isinstance(child, str) and not child.strip())]
    return any(_is_bold(node) for node in (el.previous_sibling, el.next_sibling, *inside[:1], *inside[-1:]))


def _word_beside(el) -> bool:
    """A letter or digit right outside the element, where "_" would be inside a word."""
    before, after = el.previous_sibling, el.next_sibling
    return bool(
        (isinstance(before, str) and before[-1:].isalnum())
        or (isinstance(after, str) and after[:1].isalnum())
    )


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

    def escape(self, text, parent_tags):
        # An address in text was not linked when it was rendered (linkify leaves it after "\\", for
        # one), and one in a link's text is that link's: "\\:" keeps linkify off it, shows as ":".
        return _SCHEME_SEPARATOR.sub(r"\\:", super().escape(text, parent_tags))

    def convert_a(self, el, text, parent_tags):
        href, shown = el.get("href") or "", el.get_text()
        if "_noformat" in parent_tags or not href or _NOT_IN_AUTOLINK.search(href):
            return super().convert_a(el, text, parent_tags)
        if not el.get("title") and shown in (href, unquote(href)) and not _NOT_IN_AUTOLINK.search(shown):
            return f"<{shown}>"  # an address shown as itself, as linkify or <...> wrote it
        prefix, suffix, text = chomp(text)
        if not text:
            return ""
        title = el.get("title")
        title_part = ' "{}"'.format(title.replace('"', r"\"")) if title else ""
        # <...> holds an address with parentheses, which would end (...) early.
        destination = f"<{href}>" if "(" in href or ")" in href else href
        return f"{prefix}[{text}]({destination}{title_part}){suffix}"

    # Bold inside bold (or italic inside italic) looks the same as once; "****x**y**" does not read
    # back as it was written, so the inner one is left out.
    def convert_strong(self, el, text, parent_tags):
        return text if parent_tags & {"strong", "b"} else super().convert_strong(el, text, parent_tags)

    def convert_em(self, el, text, parent_tags):
        if parent_tags & {"em", "i"}:
            return text
        if _beside_bold(el) and not _word_beside(el):
            # "**a***" + "**b**" runs together into one run of asterisks; "_" keeps italic apart
            # (it cannot open or close inside a word, hence only between non-letters).
            prefix, suffix, text = chomp(text)
            return f"{prefix}_{text}_{suffix}" if text else ""
        return super().convert_em(el, text, parent_tags)

    convert_b = convert_strong
    convert_i = convert_em

    def convert(self, html):
        soup = BeautifulSoup(html, **self.options["bs4_options"])
        # Bold right after bold ("**a****b**") reads back as one run of delimiters: join them first,
        # as they look the same.
        for tag in soup.find_all(_SAME_LOOK):
            if tag.decomposed:
                continue  # already joined into the one before it
            look = _SAME_LOOK[tag.name]
            while (after := tag.next_sibling) is not None and _SAME_LOOK.get(after.name) == look:
                tag.extend(list(after.contents))
                after.decompose()
        return self.convert_soup(soup)

    def convert_br(self, el, text, parent_tags):
        # `render` reads every line break as <br> (breaks=True): no backslash or trailing spaces.
        return "\n"


def source_of(html: str | None) -> str:
    """Markdown that renders as `html` (for rich text stored before its source was kept)."""
    if not html:
        return ""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _Converter()
    return converter.convert(html).strip()


# --- sources kept beside the HTML ----------------------------------------------------------------


def source_for(html: str | None) -> str | None:
    """The Markdown of stored HTML if it renders back to the same text and formatting, else None.

    "The same" is the sanitizer's reading of both (serialisations differ between sanitizers), with
    <b> and <i> read as <strong> and <em>, which look the same and are what Markdown writes, and
    without the white space around block tags, which shows nowhere.
    """
    if not html:
        return ""
    source = source_of(html)
    try:
        again = render(source)
    except MarkdownError:
        return None
    return source if _looks(again) == _looks(html) else None


_OLD_NAMES = re.compile(r"<(/?)(b|i)>")
_AROUND_BLOCK = re.compile(r"\s*(</?(?:p|ul|ol|li|blockquote)>)\s*")


def _looks(html: str) -> str:
    html = _AROUND_BLOCK.sub(r"\1", clean_html(html))
    return _OLD_NAMES.sub(lambda m: f"<{m.group(1)}{'strong' if m.group(2) == 'b' else 'em'}>", html)


def editable(source: str | None, html: str | None) -> str:
    """What an author edits: the kept source, or for older rows without one the Markdown of the HTML."""
    return source if source is not None else source_of(html)


def editable_localized(sources: dict | None, html: dict | None) -> dict:
    """`editable` per language of a LocalizedText (HTML) and its sources."""
    sources = sources or {}
    return {lang: editable(sources.get(lang), value) for lang, value in (html or {}).items()}


def sources_for(html: dict | None) -> dict:
    """`source_for` per language, leaving out the languages whose HTML does not convert."""
    converted = {lang: source_for(value) for lang, value in (html or {}).items()}
    return {lang: source for lang, source in converted.items() if source is not None}
