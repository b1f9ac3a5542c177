"""The programme as a printable HTML page: the preview's own document template inside a bare
layout styled by static/css/print.css ("Print → Save as PDF" in the browser gives the PDF)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from flask import current_app, has_request_context, render_template, url_for

from ..programme.rendering import render_document

MIMETYPE = "text/html"


def render(programme: dict) -> bytes:
    """The printable page as UTF-8 bytes.

    Served by the app it links the stylesheet (the CSP allows no inline style); written by the
    command line it embeds the stylesheet, so the file prints the same when opened from disk.
    """
    standalone = not has_request_context()
    # Templates expect a request (context processors); the command line has none.
    with current_app.test_request_context("/") if standalone else nullcontext():
        document = render_document(programme)
        if standalone:
            css = Path(current_app.static_folder, "css", "print.css").read_text(encoding="utf-8")
            context = {"css": None, "css_text": css}
        else:
            context = {"css": url_for("static", filename="css/print.css"), "css_text": None}
        page = render_template("exports/printable.html", programme=programme, document=document, **context)
    return page.encode("utf-8")
