"""The programme as a printable HTML page: a cover, the contents, and the preview's own document
template inside a bare layout styled by static/css/print.css ("Print → Save as PDF" in the
browser gives the PDF; the server's PDF export renders the same page with WeasyPrint)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from functools import cache
from pathlib import Path

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from markupsafe import Markup

from ..programme.rendering import render_document
from .sentences import cover_lines

MIMETYPE = "text/html"


def render(programme: dict, *, organisation: str | None = None, today: date | None = None) -> bytes:
    """The printable page as UTF-8 bytes.

    Served by the app it links the stylesheet (the CSP allows no inline style); written by the
    command line it embeds the stylesheet, so the file prints the same when opened from disk.
    """
    standalone = not has_request_context()
    return page(programme, embed_css=standalone, organisation=organisation, today=today).encode("utf-8")


def page(
    programme: dict,
    *,
    embed_css: bool,
    organisation: str | None = None,
    today: date | None = None,
    pdf: bool = False,
) -> str:
    """The printable page's HTML; `pdf` marks it for WeasyPrint (landscape measures tables)."""
    lang = programme["language"]
    # Templates expect a request (context processors); the command line has none.
    with current_app.test_request_context("/") if not has_request_context() else nullcontext():
        document = render_document(programme)
        css = None if embed_css else url_for("static", filename="css/print.css")
        with force_locale(lang):
            return render_template(
                "exports/printable.html",
                programme=programme,
                document=document,
                css=css,
                css_text=stylesheet() if embed_css else None,
                organisation=organisation,
                cover_lines=cover_lines(programme, lang, today or date.today()),
                pdf=pdf,
            )


@cache
def stylesheet() -> Markup:
    """print.css, to embed: our own file, never user data. Escaped, its quoted font names
    ("Segoe UI") would reach the browser as &#34;Segoe UI&#34; and void the font-family rule."""
    return Markup(Path(current_app.static_folder, "css", "print.css").read_text(encoding="utf-8"))
