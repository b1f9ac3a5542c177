"""Render a programme dict as HTML with the one document template (the preview and the exports)."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from .. import numbers
from ..i18n import current_language


def render_document(programme: dict, heading_level: int = 1) -> Markup:
    """The programme as HTML in its own language (headings, numbers and percentages included)."""
    with force_locale(programme["language"]):
        return Markup(render_template("programme/document.html", programme=programme, h=heading_level))


def programme_date(value: str | None) -> str:
    """An ISO date (or date-time) of the dict in the document's language (render_document forces
    it), as every page and export writes a day."""
    return numbers.day(value, current_language())


def programme_number(value: str | int | None) -> str:
    """A decimal string of the dict ("11.00") in the document's language (render_document forces
    it), without needless zeros ("11")."""
    return numbers.number(value, current_language())
