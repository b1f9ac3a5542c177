"""Languages: the reader's locale, and content written in several languages."""

from __future__ import annotations

from babel.support import NullTranslations
from flask import g, has_request_context, request, session
from flask_babel import Domain, get_domain, get_locale
from flask_login import current_user
from jinja2 import pass_eval_context
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


# Where `resolved` keeps the current (locale, domain, language, translations), on `g`.
_RESOLVED = "_ideaspace_language"


def resolved() -> tuple:
    """(locale, domain, language, translations) of this app context, worked out once per locale.

    Flask-Babel answers each `gettext` by asking for the locale and the domain and looking the
    catalogue up by `str(locale)`, some 5-10 µs a call, hundreds of times a page. Its own state
    (`g._flask_babel`) says what is current: `force_locale` and `refresh` put a new locale object
    there, and a new object means a new look-up here, through Flask-Babel as before. So the
    language switcher, the remembered and Accept-Language choices and `force_locale` (exports,
    emails, the programme) all get exactly Flask-Babel's answer.
    """
    try:
        state = g._get_current_object().__dict__
    except RuntimeError:  # no app context: as Flask-Babel, Finnish and no catalogue
        return None, None, "fi", NullTranslations()
    babel_state = state.get("_flask_babel")
    current = state.get(_RESOLVED)
    if current is not None and babel_state is not None:
        babel_vars = babel_state.__dict__
        if current[0] is babel_vars.get("babel_locale") and current[1] is babel_vars.get("babel_domain"):
            return current
    locale = get_locale()
    domain = get_domain()
    current = (locale, domain, str(locale or "fi"), Domain.get_translations(domain))
    state[_RESOLVED] = current
    return current


def current_language() -> str:
    return resolved()[2]


class RequestDomain(Domain):
    """Flask-Babel's domain, its catalogue resolved once per request (see `resolved`): the
    `gettext`, `ngettext` and lazy strings of the Python code use it."""

    def get_translations(self):
        current = resolved()
        if current[1] is self:
            return current[3]
        return super().get_translations()


# The template callables, as Jinja's i18n extension makes them (newstyle: always a format string,
# Markup when autoescaping), without its three nested `context.call`s and Flask-Babel's look-ups.
@pass_eval_context
def _template_gettext(eval_ctx, string, /, **variables):
    rv = resolved()[3].ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    rv = resolved()[3].ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_eval_context
def _template_pgettext(eval_ctx, context, string, /, **variables):
    variables.setdefault("context", context)
    rv = resolved()[3].upgettext(context, string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_eval_context
def _template_npgettext(eval_ctx, context, singular, plural, num, /, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    rv = resolved()[3].unpgettext(context, singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


def install_template_gettext(env) -> None:
    """Replace the callables Flask-Babel installed (its `install_gettext_callables`, newstyle)."""
    assert env.newstyle_gettext
    env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


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
    return Markup('<{0} lang="{1}">{2}</{0}>').format(tag, lang, body)  # format escapes lang
