"""POST /preview/markdown: the typed Markdown rendered as it would be saved, for the toolbar's preview.

The same `markdown.render` as saving (the one sanitizer included), so the preview cannot show more
than the saved text will. Nothing is stored. The toolbar (static/js/markdown.js) sends it with htmx,
CSRF token in the header; without JavaScript there is no preview and the textarea is plain Markdown.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from .. import markdown
from ..permissions import can_preview_markdown, require

bp = Blueprint("preview", __name__)


@bp.post("/preview/markdown")
def markdown_preview():
    require(can_preview_markdown(current_user))
    try:
        html, error = markdown.render(request.form.get("text")), None
    except markdown.MarkdownError as refused:
        html, error = "", str(refused)
    return render_template("preview/_markdown.html", preview_html=html, error=error), 422 if error else 200
