"""Languages: the reader's locale, and content written in several languages."""

from __future__ import annotations

from flask import g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from .models.base import LANGUAGES, LocalizedText

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def select_locale() -> str:
    """The signed-in user's choice, else this session's, else the browser's, else Finnish."""
    if not has_request_context():
        return "fi"
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    return request.accept_languages.best_match(LANGUAGES) or "fi"


def current_language() -> str:
    if has_request_context() and "forced_locale" in g:
        return g.forced_locale
    return str(get_locale() or "fi")


def pick(text: LocalizedText | None, primary: str = "fi", language: str | None = None) -> tuple[str, str]:
    """Return (text, its language): the reader's language, then the primary one, then any."""
    if not text:
        return "", language or primary
    language = language or current_language()
    for lang in (language, primary, *LANGUAGES):
        value = text.get(lang)
        if value:
            return value, lang
    return "", language


def localize(text: LocalizedText | None, primary: str = "fi", language: str | None = None) -> str:
    return pick(text, primary, language)[0]


def localize_markup(text: LocalizedText | None, primary: str = "fi", rich: bool = False) -> Markup:
    """Text for a template; marks its `lang` when it fell back to another language (WCAG 3.1.2).

    Rich text is stored already sanitized, so it is marked safe; plain text is escaped.
    """
    value, lang = pick(text, primary)
    body = Markup(value) if rich else escape(value)
    if lang == current_language() or not value:
        return body
    tag = "div" if rich else "span"
    return Markup(f'<{tag} lang="{lang}">') + body + Markup(f"</{tag}>")
