"""The PDF (WeasyPrint, PDF/UA-1) read back with pypdf: A4 pages, landscape measures pages, the
bookmarks outline, page labels and printed numbers, the structure tree and the language; and
the download route for every role."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import lxml.html
import pytest
from pypdf import PdfReader

from ideaspace.exports import common, html, pdf
from ideaspace.models import MemberRole, Role
from ideaspace.programme import versions

from .conftest import FI_PERCENTS

pytestmark = pytest.mark.skipif(not pdf.available(), reason=f"no PDF export here: {pdf.problem()}")

A4 = (595, 842)  # points


def read(programme: dict, **kw) -> PdfReader:
    return PdfReader(io.BytesIO(pdf.render(programme, today=date(2026, 12, 4), **kw)))


def outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        titles.extend(outline_titles(item) if isinstance(item, list) else [item.title])
    return titles


@pytest.fixture
def reader_fi(programme_fi) -> PdfReader:
    return read(programme_fi, organisation="Kokkolan kaupunki")


def test_a4_pages_and_landscape_pages_for_the_measures_tables(reader_fi):
    sizes = [(round(p.mediabox.width), round(p.mediabox.height)) for p in reader_fi.pages]
    assert set(sizes) == {A4, A4[::-1]}
    assert sizes[0] == A4  # the cover
    landscape = [p.extract_text() for p in reader_fi.pages if p.mediabox.width > p.mediabox.height]
    assert len(landscape) >= 4 and all("Anonyymi rekrytointi" not in t for t in landscape[1:])
    assert "Anonyymi rekrytointi" in landscape[0]


def test_the_outline_follows_the_headings(reader_fi, programme_fi):
    titles = outline_titles(reader_fi.outline)
    assert titles[0] == programme_fi["workspace"]["title"]
    for index, theme in enumerate(programme_fi["themes"], start=1):
        assert f"{index}. {theme['title']}" in titles
    assert "Participation" in titles


def test_page_labels_and_printed_page_numbers(reader_fi):
    root = reader_fi.trailer["/Root"]
    assert root["/PageLabels"]["/Nums"][1]["/S"] == "/D"
    assert reader_fi.page_labels[:3] == ["1", "2", "3"]
    lines = reader_fi.pages[2].extract_text().splitlines()
    assert "3" in [line.strip() for line in lines]  # the footer
    assert "2" not in reader_fi.pages[0].extract_text().split()  # the cover has no number


def test_tagged_with_the_document_language_and_title(reader_fi, programme_in):
    root = reader_fi.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root and root["/StructTreeRoot"]["/K"]
    assert root["/Lang"] == "fi"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader_fi.metadata.title == "Henkilöstöohjelma 2023–2025"
    assert reader_fi.metadata.author == "Kokkolan kaupunki"
    assert b"pdfuaid" in root["/Metadata"].get_data()  # declares PDF/UA-1 in its XMP
    for language in ("sv", "en"):
        assert read(programme_in(language)).trailer["/Root"]["/Lang"] == language


def test_the_percentages_and_the_cover(reader_fi, programme_fi):
    text = "\n".join(page.extract_text() for page in reader_fi.pages)
    for share in FI_PERCENTS:
        assert share.replace("\u00a0", " ") in text.replace("\u00a0", " ")
    cover = reader_fi.pages[0].extract_text()
    assert "Henkilöstöohjelma 2023–2025" in cover and "Kokkolan kaupunki" in cover
    assert "The workspace was open 1.9.2022 – 31.10.2022." in cover


def test_without_the_libraries_there_is_no_pdf(monkeypatch, client, login, ws):
    monkeypatch.setattr(pdf, "problem", lambda: "cannot load library 'libpango-1.0-0'")
    login(ws.moderator)
    assert client.get("/w/ohjelma/export.pdf?lang=fi").status_code == 404


# --- the route, for every role ------------------------------------------------------------------


@pytest.fixture
def ws(make, session):
    workspace = make.workspace(slug="ohjelma", title={"fi": "Ohjelma", "sv": "Program"})
    theme = make.theme(workspace, position=0)
    make.indicator(make.measure(theme))
    moderator = make.user(role=Role.MODERATOR)
    make.member(workspace, moderator, MemberRole.MODERATOR)
    member = make.user()
    make.member(workspace, member)
    session.commit()
    versions.publish(moderator, workspace, None)
    session.commit()
    return SimpleNamespace(workspace=workspace, moderator=moderator, member=member)


DRAFT = "/w/ohjelma/export.pdf?lang=fi"
VERSION = "/w/ohjelma/export.pdf?lang=sv&version=1"


@pytest.mark.parametrize(
    ("role", "draft", "version"),
    [
        ("participant", 403, 403),
        ("outsider", 403, 403),
        ("observer", 403, 200),  # the same permissions as the Word document
        ("other_moderator", 403, 403),
        ("moderator", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_the_pdf_by_role(client, login, make, ws, role, draft, version):
    login(make.person_in_role(role, member=ws.member, moderator=ws.moderator))
    response = client.get(DRAFT)
    assert response.status_code == draft
    if draft == 200:
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
        assert 'filename="ohjelma-draft-fi.pdf"' in response.headers["Content-Disposition"]
    response = client.get(VERSION)
    assert response.status_code == version
    if version == 200:
        assert PdfReader(io.BytesIO(response.data)).trailer["/Root"]["/Lang"] == "sv"


def test_anonymous_visitors_are_sent_to_sign_in(client, ws):
    response = client.get(DRAFT)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/w/nothing/export.pdf", 404),
        ("/w/ohjelma/export.pdf?lang=de", 404),
        ("/w/ohjelma/export.pdf?version=abc", 400),
        ("/w/ohjelma/export.pdf?version=99", 404),
    ],
)
def test_bad_parameters(client, login, ws, url, status):
    login(ws.moderator)
    assert client.get(url).status_code == status


# --- the admin settings page says whether there is a PDF export -------------------------------------


def test_the_settings_page_says_what_to_install(client, make, session, monkeypatch):
    from ..conftest import sign_in

    sign_in(client, make.user(role=Role.ADMIN), sudo=True)
    page = client.get("/admin/settings").text
    assert 'id="pdf-export"' in page and "apt-get install" not in page
    monkeypatch.setattr(pdf, "problem", lambda: "cannot load library 'libpango-1.0-0'")
    page = client.get("/admin/settings").text
    assert f"<code>apt-get install {pdf.SYSTEM_PACKAGES}</code>" in page


def test_a_missing_library_is_found_without_importing_weasyprint(monkeypatch):
    pdf.problem.cache_clear()
    monkeypatch.setattr(pdf, "LIBRARIES", (*pdf.LIBRARIES, "libpango-does-not-exist.so.0"))
    try:
        assert pdf.problem() == "cannot load the library libpango-does-not-exist.so.0"
        assert not pdf.available()
    finally:
        pdf.problem.cache_clear()


# --- the charts: drawn on the server, the numbers beside the bars equal to the results -----------


def expected_charts(programme: dict) -> list[tuple[str, list[tuple[str, int | float]]]]:
    """Every chart the document should draw, in order: its kind, and per bar the text beside it
    and the value its length stands for."""
    language, charts = programme["language"], []
    for theme in programme["themes"]:
        for r in theme["results"]:
            if r["kind"] == "scale" and r["distribution"]:
                charts.append(("scale", [(str(row["count"]), row["count"]) for row in r["distribution"]]))
            elif r["kind"] != "scale" and r["options"]:
                bars = [
                    (f"{o['votes']} ({common.percent(o['percent'], language)})", o["votes"])
                    for o in r["options"]
                ]
                charts.append(("options", bars))
    part = programme["participation"]
    rates = ("100.0", part["visited_rate"], part["contributed_rate"])
    counts = (part["invited"], part["visited"], part["contributed"])
    charts.append(
        (
            "funnel",
            [(f"{n} ({common.rate(rate, language)})", n) for n, rate in zip(counts, rates, strict=True)],
        )
    )
    return charts


def drawn_charts(page: bytes) -> list[tuple[str, list[tuple[str, float]]]]:
    tree = lxml.html.fromstring(page)
    charts = []
    for svg in tree.xpath("//svg[contains(concat(' ', @class, ' '), ' programme-chart ')]"):
        assert svg.get("aria-hidden") == "true"  # the table above it is what a screen reader reads
        kind = next(c.removeprefix("programme-chart--") for c in svg.get("class").split() if "--" in c)
        values = [t.text for t in svg.xpath(".//text[@class='programme-chart__value']")]
        widths = [float(rect.get("width")) for rect in svg.xpath(".//rect[@class='programme-chart__bar']")]
        charts.append((kind, list(zip(values, widths, strict=True))))
    return charts


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_chart_for_every_result_and_the_funnel_with_the_numbers_of_the_results(
    session, programme_in, language
):
    programme = programme_in(language)
    drawn, expected = (
        drawn_charts(html.render(programme, today=date(2026, 12, 4))),
        expected_charts(programme),
    )
    assert [kind for kind, _ in drawn] == [kind for kind, _ in expected]
    assert sum(kind == "options" for kind, _ in expected) >= 2 and expected[-1][0] == "funnel"
    for (_, bars), (_, wanted) in zip(drawn, expected, strict=True):
        assert [text for text, _ in bars] == [text for text, _ in wanted]
        top = max(value for _, value in wanted)
        # each bar as long as its count says: the longest fills the 460 units of the bar area
        assert [width for _, width in bars] == [
            round(value / top * 460, 1) if top else 0 for _, value in wanted
        ]


def test_the_pdf_draws_the_charts_with_their_numbers(reader_fi, programme_fi):
    # pypdf reads the chart's text runs without their spaces: "163(100,0%)"
    text = "".join("".join(page.extract_text().split()) for page in reader_fi.pages)
    for _, bars in expected_charts(programme_fi):
        for beside, _ in bars:
            assert "".join(beside.split()) in text
