"""Light formatting for comments typed into a plain textarea, and back for editing.

People type `**bold**`, `*italic*`, lists (lines starting with `- ` or `1. `), `[text](https://...)`
links and bare addresses; blank lines separate paragraphs. Anything that looks like HTML is shown as
text: the typed text is escaped first, only the markup made here becomes tags, and the result still
passes the one sanitizer (`sanitize.clean_html`), which keeps the allow-list and marks links
`rel="nofollow noopener"`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markupsafe import escape

from ..sanitize import clean_html, clean_text

_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s()<>]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")


def render(source: str | None) -> str:
    """Turn what a person typed into sanitized HTML ("" when nothing visible remains)."""
    text = clean_text(source)
    if not text:
        return ""
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", text):
        blocks.extend(_block(chunk.split("\n")))
    return clean_html("".join(blocks))


def _block(lines: list[str]) -> list[str]:
    """Group the lines of one paragraph into runs of plain lines and list items."""
    out: list[str] = []
    run: list[str] = []
    kind = None  # "p", "ul" or "ol"
    for line in lines:
        if not line.strip():
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        line_kind, content = (
            ("ul", bullet.group(1))
            if bullet
            else ("ol", numbered.group(1))
            if numbered
            else (
                "p",
                line.strip(),
            )
        )
        if line_kind != kind and run:
            out.append(_close(kind, run))
            run = []
        kind = line_kind
        run.append(_inline(content))
    if run:
        out.append(_close(kind, run))
    return out


def _close(kind: str | None, run: list[str]) -> str:
    if kind == "p":
        return "<p>" + "<br>".join(run) + "</p>"
    return f"<{kind}>" + "".join(f"<li>{item}</li>" for item in run) + f"</{kind}>"


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def source_of(html: str | None) -> str:
    """The text to put back in the textarea when an author edits their comment."""
    parser = _SourceWriter()
    parser.feed(html or "")
    parser.close()
    return parser.result()


class _SourceWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.lists: list[list] = []  # [kind, counter]
        self.href: str | None = None
        self.link_text: list[str] = []

    def _emit(self, text: str) -> None:
        (self.link_text if self.href is not None else self.current).append(text)

    def _flush(self) -> None:
        block = "".join(self.current).strip("\n ")
        if block:
            self.blocks.append(block)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._flush()
        elif tag == "br":
            self._emit("\n")
        elif tag in ("strong", "b"):
            self._emit("**")
        elif tag in ("em", "i"):
            self._emit("*")
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([tag, 0])
        elif tag == "li" and self.lists:
            self.lists[-1][1] += 1
            kind, n = self.lists[-1]
            if self.current:
                self.current.append("\n")
            self.current.append("- " if kind == "ul" else f"{n}. ")
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""
            self.link_text = []

    def handle_endtag(self, tag):
        if tag in ("p", "blockquote"):
            self._flush()
        elif tag in ("strong", "b"):
            self._emit("**")
        elif tag in ("em", "i"):
            self._emit("*")
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag == "a" and self.href is not None:
            text, href = "".join(self.link_text), self.href
            self.href = None
            self._emit(text if not href or text == href else f"[{text}]({href})")

    def handle_data(self, data):
        self._emit(data)

    def result(self) -> str:
        self._flush()
        return "\n\n".join(self.blocks)
