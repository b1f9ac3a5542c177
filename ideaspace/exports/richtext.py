"""Sanitized rich text (the small allow-list of ideaspace.sanitize) as blocks of styled runs.

DOCX and Markdown both write the introductions from these blocks, so they agree on what a
paragraph, a list item, bold, italic and a link are. Tags outside the allow-list cannot occur
(the text went through clean_html); any that did would be read as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


@dataclass
class Block:
    kind: str  # "paragraph", "bullet", "number", "quote"
    runs: list[Run] = field(default_factory=list)
    number: int = 0  # the item's number in an ordered list

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.bold = self.italic = 0
        self.href: str | None = None
        self.lists: list[list] = []  # [kind, counter]
        self.quote = 0

    def _block(self, kind: str, number: int = 0) -> Block:
        self._close()
        self.current = Block(kind, number=number)
        return self.current

    def _close(self) -> None:
        if self.current is not None:
            if self.current.runs:
                self.current.runs[0].text = self.current.runs[0].text.lstrip()
                self.current.runs[-1].text = self.current.runs[-1].text.rstrip()
            if self.current.text.strip():
                self.blocks.append(self.current)
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._block("quote" if self.quote else "paragraph")
        elif tag in ("ul", "ol"):
            self._close()
            self.lists.append([tag, 0])
        elif tag == "li":
            if self.lists:
                self.lists[-1][1] += 1
                kind, counter = self.lists[-1]
                self._block("number" if kind == "ol" else "bullet", counter)
            else:
                self._block("bullet")
        elif tag == "blockquote":
            self._close()
            self.quote += 1
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "br" and self.current is not None:
            self.current.runs.append(Run("\n", bool(self.bold), bool(self.italic)))

    def handle_endtag(self, tag):
        if tag in ("p", "li"):
            self._close()
        elif tag in ("ul", "ol"):
            self._close()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._close()
            self.quote = max(0, self.quote - 1)
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "a":
            self.href = None

    def handle_data(self, data):
        if not data:
            return
        if self.current is None:
            if not data.strip():
                return
            self.current = Block("quote" if self.quote else "paragraph")
        text = " ".join(data.split("\n"))  # a newline in the source is only a space
        self.current.runs.append(Run(text, bool(self.bold), bool(self.italic), self.href))


def blocks(html: str | None) -> list[Block]:
    """The paragraphs, list items and quoted paragraphs of sanitized HTML, with their runs."""
    reader = _Reader()
    reader.feed(html or "")
    reader.close()
    reader._close()
    return reader.blocks
