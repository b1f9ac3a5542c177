"""The fi, sv and en catalogues: complete, placeholders intact, compilable, and used by the pages.

These tests fail as soon as someone adds a string that is not translated yet: run `make messages`
and translate the new entries (see docs/translations.md).
"""

from __future__ import annotations

import gettext
import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import ideaspace

TRANSLATIONS = Path(ideaspace.__file__).parent / "translations"
LANGUAGES = ("fi", "sv", "en")

# %(name)s, %(count)d, %s, %% and {name}: what gettext or str.format fill in.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]|\{[^{}]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def read_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def template_ids() -> list[tuple]:
    """(msgid, msgctxt) of every string in messages.pot."""
    return [
        (message.id, message.context) for message in read_catalog(TRANSLATIONS / "messages.pot") if message.id
    ]


def key(message_id) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


@pytest.fixture(scope="module", params=LANGUAGES)
def catalog(request):
    return request.param, read_catalog(
        TRANSLATIONS / request.param / "LC_MESSAGES" / "messages.po", request.param
    )


def test_the_template_has_the_strings():
    ids = {key(i) for i, _context in template_ids()}
    assert {"Sign in", "Skip to content", "Accessibility statement"} <= ids


def test_every_string_is_translated(catalog):
    lang, cat = catalog
    missing = []
    for message_id, context in template_ids():
        message = cat.get(message_id, context=context)
        strings = [] if message is None else (message.string if message.pluralizable else [message.string])
        if message is None or not strings or not all(s and s.strip() for s in strings) or message.fuzzy:
            missing.append(key(message_id))
    assert not missing, (
        f"{lang}: {len(missing)} untranslated, run `make messages` and translate: {missing[:20]}"
    )


def test_plural_strings_have_every_form(catalog):
    lang, cat = catalog
    for message in cat:
        if message.id and message.pluralizable and message.string:
            assert len(message.string) == cat.num_plurals, (lang, message.id)


def test_placeholders_are_kept(catalog):
    lang, cat = catalog
    wrong = []
    for message in cat:
        if not message.id or not message.string:
            continue
        if message.pluralizable:
            # A plural form may drop %(num)d only where it reads naturally without it; we never do.
            for index, text in enumerate(message.string):
                source = message.id[min(index, 1)]
                if text and placeholders(text) not in (placeholders(source), placeholders(message.id[0])):
                    wrong.append((message.id, text))
        elif placeholders(message.string) != placeholders(message.id):
            wrong.append((message.id, message.string))
    assert not wrong, f"{lang}: placeholders differ from the English: {wrong[:10]}"


def test_english_is_the_source_text():
    cat = read_catalog(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "en")
    differing = [
        m.id for m in cat if m.id and m.string and (tuple(m.string) if m.pluralizable else m.string) != m.id
    ]
    assert not differing, differing[:10]


def test_catalogues_compile(catalog):
    lang, cat = catalog
    errors = [(message.id, [str(e) for e in errs]) for message, errs in cat.check()]
    assert not errors, f"{lang}: {errors[:10]}"
    buffer = io.BytesIO()
    write_mo(buffer, cat)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    expected = {"fi": "Kirjaudu sisään", "sv": "Logga in", "en": "Sign in"}[lang]
    assert translations.gettext("Sign in") == expected
    one, many = {
        "fi": ("1 vastaus", "2 vastausta"),
        "sv": ("1 svar", "2 svar"),
        "en": ("1 answer", "2 answers"),
    }[lang]
    assert translations.ngettext("%(num)d answer", "%(num)d answers", 1) % {"num": 1} == one
    assert translations.ngettext("%(num)d answer", "%(num)d answers", 2) % {"num": 2} == many


def test_compiling_with_pybabel_reports_no_error():
    from babel.messages.frontend import CommandLineInterface

    with tempfile.TemporaryDirectory() as tmp:
        for lang in LANGUAGES:
            target = Path(tmp) / lang / "LC_MESSAGES"
            target.mkdir(parents=True)
            (target / "messages.po").write_bytes(
                (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").read_bytes()
            )
        status = CommandLineInterface().run(["pybabel", "-q", "compile", "--use-fuzzy", "-d", tmp])
        assert status in (None, 0)
        assert all(
            (Path(tmp) / lang / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000 for lang in LANGUAGES
        )


@pytest.fixture
def compiled(app, monkeypatch):
    """Use the real catalogues (the test app runs untranslated), compiling stale .mo files in place
    as `make translations` does."""
    for lang in LANGUAGES:
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
            with os.fdopen(fd, "wb") as fh:
                write_mo(fh, read_catalog(po, lang))
            os.replace(tmp, mo)  # atomic: parallel test workers never read half a file
    config = app.extensions["babel"]
    cache = config.instance.domain_instance.cache  # keyed by locale only: empty it on both sides
    monkeypatch.setattr(config, "translation_directories", [str(TRANSLATIONS)])
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("language", "sign_in", "skip"),
    [
        ("fi", "Kirjaudu sisään", "Siirry sisältöön"),
        ("sv", "Logga in", "Hoppa till innehållet"),
        ("en", "Sign in", "Skip to content"),
    ],
)
def test_the_sign_in_page_follows_the_browser_language(client, compiled, language, sign_in, skip):
    response = client.get("/login", headers={"Accept-Language": f"{language},en;q=0.1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    assert f"<h1>{sign_in}</h1>" in html
    assert skip in html


def test_finnish_is_the_default(client, compiled):
    del client.environ_base["HTTP_ACCEPT_LANGUAGE"]  # a browser that states no language
    html = client.get("/login").get_data(as_text=True)
    assert "<h1>Kirjaudu sisään</h1>" in html
    assert "Saavutettavuusseloste" in html


def test_the_language_switch_changes_the_pages(client, compiled):
    response = client.post("/language", data={"language": "sv", "next": "/login"})
    assert response.status_code == 302
    html = client.get("/login", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "<h1>Logga in</h1>" in html
    assert "Tillgänglighetsutlåtande" in html
    client.post("/language", data={"language": "en", "next": "/login"})
    assert "<h1>Sign in</h1>" in client.get("/login").get_data(as_text=True)
