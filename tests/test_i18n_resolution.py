"""The request's language and catalogue are resolved once (ideaspace/i18n.py `resolved`), yet every
path answers exactly as Flask-Babel's own look-ups: templates, Python `gettext`, lazy strings,
`force_locale`, `refresh`, and outside a request."""

from __future__ import annotations

import pytest
from flask import session as flask_session
from flask_babel import force_locale, get_translations, gettext, lazy_gettext, ngettext, refresh
from jinja2 import Environment

from ideaspace.i18n import current_language
from tests.test_translations import compiled  # noqa: F401  (the real catalogues)

TEMPLATE = (
    "{{ _('Sign in') }}|{{ gettext('Skip to content') }}|{{ _('%(x)s & 100%%', x='<b>') }}|"
    "{{ ngettext('%(num)d idea', '%(num)d ideas', 1) }}|{{ ngettext('%(num)d idea', '%(num)d ideas', 3) }}|"
    "{% trans %}Sign in{% endtrans %}|{% trans n=2 %}{{ n }} vote{% pluralize %}{{ n }} votes{% endtrans %}|"
    "{{ pgettext('c', 'Sign in') }}|{{ npgettext('c', '%(num)d vote', '%(num)d votes', 2) }}"
)


def flask_babel_environment(autoescape: bool) -> Environment:
    """A Jinja environment with the callables exactly as Flask-Babel 4 installs them."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    return env


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_templates_translate_as_flask_babel_does(app, session, compiled, language, autoescape):  # noqa: F811
    ours = app.jinja_env.overlay(autoescape=autoescape).from_string(TEMPLATE)
    reference = flask_babel_environment(autoescape).from_string(TEMPLATE)
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert current_language() == language
        rendered = ours.render()
        assert rendered == reference.render()
    assert rendered.split("|")[0] == {"fi": "Kirjaudu sisään", "sv": "Logga in", "en": "Sign in"}[language]
    assert ("&lt;b&gt; & 100%" if autoescape else "<b> & 100%") in rendered


def test_force_locale_switches_and_restores(app, session, compiled):  # noqa: F811
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        template = app.jinja_env.from_string("{{ _('Sign in') }}")
        lazy = lazy_gettext("Sign in")
        assert (current_language(), template.render(), gettext("Sign in"), str(lazy)) == (
            "sv",
            "Logga in",
            "Logga in",
            "Logga in",
        )
        with force_locale("fi"):
            assert (current_language(), template.render(), str(lazy)) == (
                "fi",
                "Kirjaudu sisään",
                "Kirjaudu sisään",
            )
            with force_locale("en"):
                assert (current_language(), gettext("Sign in")) == ("en", "Sign in")
            assert ngettext("%(num)d idea", "%(num)d ideas", 1) == gettext("%(num)d idea") % {"num": 1}
            assert current_language() == "fi"
        assert (current_language(), template.render(), str(lazy)) == ("sv", "Logga in", "Logga in")


def test_refresh_after_a_language_change_takes_effect_at_once(app, session, compiled):  # noqa: F811
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        assert gettext("Sign in") == "Logga in"
        flask_session["locale"] = "en"
        assert current_language() == "sv"  # as Flask-Babel: the locale holds until refresh()
        refresh()
        assert (current_language(), gettext("Sign in")) == ("en", "Sign in")


def test_without_a_request_finnish(app, session, compiled):  # noqa: F811
    with app.app_context():  # the CLI
        assert (current_language(), gettext("Sign in")) == ("fi", "Kirjaudu sisään")


def test_without_an_app_finnish_and_the_source_text():
    assert current_language() == "fi"
    assert gettext("Sign in") == "Sign in"
