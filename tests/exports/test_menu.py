"""The "Download" menu (issue 13, item 6): on the programme page, the preview and the versions; a
disclosure that works without JavaScript, with every format; PDF only where it can be made."""

from __future__ import annotations

import re

import pytest

from ideaspace.models import Role

from .test_views import ws  # noqa: F401 (the fixture)

PROGRAMME_FORMATS = ("docx", "xlsx", "csv", "md", "html")


def menu(html: str) -> str:
    match = re.search(r'<nav class="downloads".*?</nav>', html, re.S)
    assert match, "no download menu"
    return match.group(0)


@pytest.fixture
def pdf(app, monkeypatch):
    """Say whether this server can make PDFs (the menu asks `pdf_available()`)."""

    def _set(available: bool) -> None:
        monkeypatch.setitem(app.jinja_env.globals, "pdf_available", lambda: available)

    return _set


@pytest.mark.parametrize("page", ["/w/ohjelma/programme", "/w/ohjelma/programme/preview?lang=fi"])
def test_moderators_get_every_download_of_the_draft(client, login, ws, pdf, page):  # noqa: F811
    pdf(False)
    login(ws.moderator)
    html = menu(client.get(page).get_data(as_text=True))
    assert '<details class="downloads__menu">' in html and "<summary" in html
    assert re.search(r'<nav class="downloads" aria-labelledby="([^"]+)">.*id="\1"', html, re.S)
    for fmt in PROGRAMME_FORMATS:
        assert f'href="/w/ohjelma/export.{fmt}?lang=fi"' in html, fmt
    assert 'href="/w/ohjelma/export/content.xlsx?lang=fi"' in html
    assert 'href="/w/ohjelma/export/content.csv?lang=fi"' in html
    assert 'href="/w/ohjelma/export.json"' in html
    assert "export.pdf" not in html  # no PDF library: no dead link


def test_the_pdf_link_appears_where_a_pdf_can_be_made(client, login, ws, pdf):  # noqa: F811
    pdf(True)
    login(ws.moderator)
    html = menu(client.get("/w/ohjelma/programme").get_data(as_text=True))
    assert 'href="/w/ohjelma/export.pdf?lang=fi"' in html


def test_a_published_version_has_the_same_menu_for_its_formats(client, login, make, ws):  # noqa: F811
    login(make.user(role=Role.OBSERVER))
    html = menu(client.get("/w/ohjelma/programme/versions/1?lang=sv").get_data(as_text=True))
    for fmt in PROGRAMME_FORMATS:
        assert f'href="/w/ohjelma/export.{fmt}?lang=sv&amp;version=1"' in html, fmt
    assert "export/content" not in html and "export.json" not in html  # the live data: moderators only


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_menu_is_translated(client, login, ws, language):  # noqa: F811
    from flask_babel import force_locale
    from flask_babel import gettext as _

    login(ws.moderator)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    html = menu(client.get("/w/ohjelma/programme").get_data(as_text=True))
    with force_locale(language):
        for text in (_("Download"), _("Every comment, note and idea, for analysis"), _("Word (DOCX)")):
            assert text in html
