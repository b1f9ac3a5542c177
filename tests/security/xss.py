"""The XSS corpus and the checker that finds a dangerous construct in a rendered page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\r": "\r", "\\0": "\x00"}


def payloads() -> list[str]:
    found = []
    for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        for escape, char in _ESCAPES.items():
            line = line.replace(escape, char)
        found.append(line)
    return found


OWN_SCRIPTS = re.compile(
    r"^/static/(js/(app|markdown|reorder)\.js|vendor/(htmx-[\d.]+/htmx|sortablejs-[\d.]+/Sortable)\.min\.js)(\?.*)?$"
)
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "style", "link"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "cite"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f\u00a0\u200b-\u200f\u2028\u2029\ufeff]")


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        if tag == "script":
            src = dict(attrs).get("src", "")
            if not OWN_SCRIPTS.match(src):
                self.problems.append(f"<script src={src!r}>")
            self._in_script = True
        if tag in FORBIDDEN_TAGS and not (
            # our stylesheets: the static files and the brand's tokens (/brand.css, design.views)
            tag == "link" and dict(attrs).get("href", "").startswith(("/static/", "/brand.css"))
        ):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in dict(attrs):
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES:
                compact = _INVISIBLE.sub("", value).lower()
                if compact.startswith(BAD_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline script content")


def dangers(html: str) -> list[str]:
    """What in this page could run (empty when nothing)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    if re.search(r"ts(49|\{'|<Config)", html):
        checker.problems.append("a template expression was evaluated")
    return checker.problems


NASTIEST = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input onfocus=alert(1) autofocus>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<body onload=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<<img src=x onerror=alert(1)>>",
    '" onfocus="alert(1)" autofocus="',
    "' onmouseover='alert(1)",
    "<img src=x onerror=alert(1)",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    "ts{{7*7}}ts",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",  # noqa: E501
]
