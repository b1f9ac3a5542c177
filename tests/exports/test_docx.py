"""The Word document's structure as HR gets it: A4 pages and margins, landscape sections for the
measures tables, the PAGE and TOC fields, Word's own styles, the cover, charts, percentages equal
to the results, and whole sentences where values are missing, in Finnish, Swedish and English."""

from __future__ import annotations

import copy
import io
import re
from datetime import date

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm

from ideaspace.exports import common, wordml
from ideaspace.exports import docx as docx_export
from ideaspace.exports.sentences import texts
from ideaspace.numbers import percent

from .conftest import FI_PERCENTS, SEED_VOTES

LANGUAGES = ("fi", "sv", "en")
TODAY = date(2026, 12, 4)


def render(programme: dict, **kw) -> docx.document.Document:
    return docx.Document(io.BytesIO(docx_export.render(programme, today=TODAY, **kw)))


def body_items(document):
    """The body's paragraphs and tables in order, each with the index of the section it is in."""
    section = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield section, docx.text.paragraph.Paragraph(child, document._body)
            if child.pPr is not None and child.pPr.sectPr is not None:
                section += 1
        elif child.tag == qn("w:tbl"):
            yield section, docx.table.Table(child, document._body)


def header_row(table) -> list[str]:
    return [cell.text for cell in table.rows[0].cells]


def measures_header(language: str) -> list[str]:
    t = common.labels(language)
    return [t["goal"], t["measure"], t["schedule"], t["responsible"], t["evaluation"]]


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


# --- pages, sections, fields --------------------------------------------------------------------


def test_every_page_is_a4_with_margins_and_the_measures_tables_are_landscape(programme_in, language):
    document = render(programme_in(language))
    sections = document.sections
    for section in sections:
        landscape = section.orientation == WD_ORIENT.LANDSCAPE
        size = (297, 210) if landscape else (210, 297)
        assert (round(section.page_width.mm), round(section.page_height.mm)) == size
        assert Mm(18) <= min(section.left_margin, section.right_margin, section.top_margin)
        assert section.left_margin <= Mm(30) and section.bottom_margin <= Mm(30)
    measures = [
        i
        for i, item in body_items(document)
        if isinstance(item, docx.table.Table) and header_row(item) == measures_header(language)
    ]
    assert len(measures) == 4  # the four themes of the example with measures
    assert all(sections[i].orientation == WD_ORIENT.LANDSCAPE for i in measures)
    other = [
        i
        for i, item in body_items(document)
        if isinstance(item, docx.table.Table) and header_row(item)[0] == common.labels(language)["option"]
    ]
    assert other and all(sections[i].orientation == WD_ORIENT.PORTRAIT for i in other)
    assert sections[0].orientation == WD_ORIENT.PORTRAIT  # the cover and the contents


def test_measures_columns_fit_their_longest_word(programme_fi):
    document = render(programme_fi)
    table = next(t for t in document.tables if header_row(t) == measures_header("fi"))
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    widths = [col.w for col in table._tbl.tblGrid.gridCol_lst]
    section_width = wordml.text_width(document.sections[1])
    assert abs(sum(widths) - section_width) < Mm(1)
    for i, width in enumerate(widths):
        for row in table.rows:
            for paragraph in row.cells[i].paragraphs:
                bold = any(r.bold for r in paragraph.runs)
                assert wordml.word_length(paragraph.text, docx_export.TABLE_FONT_PT, bold) < width
    # Every row keeps together on a page, the header row repeats.
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_page_numbers_running_header_and_an_empty_cover_header(programme_in, language):
    programme = programme_in(language)
    document = render(programme)
    first = document.sections[0]
    assert first.different_first_page_header_footer
    assert first.header.paragraphs[0].text == programme["workspace"]["title"]
    assert wordml.has_field(first.footer._element, "PAGE")
    assert wordml.is_empty(first.first_page_header) and wordml.is_empty(first.first_page_footer)
    # The later sections carry the same header and footer on.
    assert all(
        s.header.is_linked_to_previous and s.footer.is_linked_to_previous for s in document.sections[1:]
    )


def test_an_updatable_table_of_contents(programme_in, language):
    document = render(programme_in(language))
    heading = next(p for p in document.paragraphs if p.style.name == "TOC Heading")
    assert heading.text == texts(language)["contents"]
    toc = heading._p.getnext()
    instructions = [i.text for i in toc.iter(qn("w:instrText"))]
    assert instructions == [' TOC \\o "1-3" \\h \\z \\u ']
    assert toc.find(f"{qn('w:r')}/{qn('w:fldChar')}").get(qn("w:dirty")) == "true"
    assert texts(language)["update_contents"] in "".join(t.text for t in toc.iter(qn("w:t")))
    settings = document.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"


# --- styles and content -------------------------------------------------------------------------


def test_words_own_styles_for_headings_tables_and_quotes(programme_fi):
    document = render(programme_fi)
    used = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "TOC Heading", "Quote", "Quote Attribution", "Caption"} <= used
    assert {t.style.name for t in document.tables} == {"Light Grid Accent 1"}
    assert {"Heading 3", "Intense Quote", "Table Text"} <= {s.name for s in document.styles}
    # Formatting lives in the styles, so HR restyles it in Word: no fonts or sizes on the runs.
    runs = [r for p in document.paragraphs for r in p.runs]
    assert not any(r.font.size or r.font.name or r.font.color.rgb for r in runs)
    assert "thumbnail" not in str(document.part.package.rels.values())


def test_the_cover(programme_in, language):
    programme = programme_in(language)
    document = render(programme, organisation="Kokkolan kaupunki")
    cover = []
    for paragraph in document.paragraphs:
        if paragraph.style.name == "TOC Heading":
            break
        if paragraph.text:
            cover.append((paragraph.style.name, paragraph.text))
    assert cover[0] == ("Title", programme["workspace"]["title"])
    assert cover[1] == ("Subtitle", "Kokkolan kaupunki")
    lines = [text for _, text in cover[2:]]
    assert common.strategy_text(programme, language) in lines
    assert common.period_text(programme["participation"], language) in lines
    assert common.edition_text(programme, language) in lines  # a draft: "not published"
    assert lines[-1].endswith(common.day("2026-12-04", language))  # printed on
    assert document.core_properties.author == "Kokkolan kaupunki"


def test_a_published_version_names_its_number_and_date_on_the_cover(programme_fi):
    programme_fi["edition"] = {"number": 2, "published_at": "2023-01-15T10:00:00+00:00", "note": None}
    document = render(programme_fi)
    texts_ = [p.text for p in document.paragraphs]
    assert common.edition_text(programme_fi, "fi") in texts_
    assert "15.1.2023" in common.edition_text(programme_fi, "fi")
    assert not any(t.startswith("Tulostettu") for t in texts_)


def test_results_tables_equal_the_programme_and_have_a_chart(programme_in, language):
    programme = programme_in(language)
    document = render(programme)
    t = common.labels(language)
    tables = [tbl for tbl in document.tables if header_row(tbl)[0] == t["option"]]
    results = [r for theme in programme["themes"] for r in theme["results"] if r["kind"] != "scale"]
    assert len(tables) == len(results)
    for table, result in zip(tables, results, strict=True):
        rows = [[c.text for c in row.cells] for row in table.rows[1:]]
        assert [r[0] for r in rows] == [o["label"] for o in result["options"]]
        assert [r[1] for r in rows] == [str(o["votes"]) for o in result["options"]]
        assert [r[2] for r in rows] == [percent(o["percent"], language) for o in result["options"]]
    if language == "fi":
        assert [r[2] for r in [[c.text for c in row.cells] for row in tables[0].rows[1:]]] == FI_PERCENTS
        assert [int(row.cells[1].text) for row in tables[0].rows[1:]] == SEED_VOTES
    # A chart per result with answers, and the participation funnel; each with its alternative text.
    pictures = list(document.element.body.iter(qn("wp:docPr")))
    answered = [r for theme in programme["themes"] for r in theme["results"] if r["answers"]]
    assert len(pictures) == len(answered) + 1
    assert all(p.get("descr") for p in pictures)


def test_quotes_are_block_quotes_kept_with_their_attribution(programme_fi):
    document = render(programme_fi)
    quote = next(p for p in document.paragraphs if p.text == "Jokainen voi työyhteisössä olla oma itsensä.")
    assert quote.style.name == "Quote" and quote.paragraph_format.keep_with_next
    attribution = docx.text.paragraph.Paragraph(quote._p.getnext(), quote._parent)
    assert (attribution.style.name, attribution.text) == (
        "Quote Attribution",
        "\u2014 Esihenkilö, Varhaiskasvatus",
    )
    left = document.styles["Quote"].element.pPr.find(qn("w:pBdr")).find(qn("w:left"))
    assert left is not None  # a bar on the left, as a block quote


# --- missing values -----------------------------------------------------------------------------

FRAGMENT = re.compile(r"(\s[–-]\s*[.,)]?$)|(\s[–-]\s*\.)|\(\s*\)|\s\.$|:\s*$")


def sparse(programme: dict) -> dict:
    """The example with the closing date, strategy, invitations and rates, a baseline and a
    target missing, and a poll nobody answered."""
    doc = copy.deepcopy(programme)
    doc["workspace"]["strategy"] = ""
    doc["participation"].update(closes_on=None, invited=0, visited_rate=None, contributed_rate=None)
    indicator = doc["themes"][0]["measures"][0]["indicators"][0]
    indicator.update(
        baseline_value=None, baseline_year=None, baseline_source="", target_value=None, target_text=""
    )
    result = doc["themes"][1]["results"][0]
    result["answers"] = result["respondents"] = 0
    for option in result["options"]:
        option.update(votes=0, percent=None)
    return doc


def test_no_sentence_fragments_where_values_are_missing(programme_in, language):
    programme = sparse(programme_in(language))
    document = render(programme)
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    cells = [p.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    for text in paragraphs + [c for c in cells if c]:
        assert not FRAGMENT.search(text), text
    with_dates = programme_in(language)["participation"]
    opened = common.period_text({"opens_on": with_dates["opens_on"]}, language)
    assert opened in paragraphs and "31.10.2022" not in "".join(paragraphs)
    assert texts(language)["no_answers"] in paragraphs
    # Without invitations the funnel has no share column and no "invited" sentence.
    t = common.labels(language)
    funnel = next(tbl for tbl in document.tables if header_row(tbl)[0] == t["stage"])
    assert header_row(funnel) == [t["stage"], t["people"]]


def test_the_period_and_funnel_sentences_from_what_there_is(session):
    """(The tests run without catalogues: English sentences, numbers and dates as the language writes
    them; tests/test_translations.py checks that every sentence is translated.)"""
    from ideaspace.exports.sentences import funnel_sentences

    assert common.period_text({"opens_on": "2022-09-01", "closes_on": None}, "fi") == (
        "The workspace opened on 1.9.2022."
    )
    assert common.period_text({"opens_on": None, "closes_on": "2022-10-31"}, "en") == (
        "The workspace closed on 31 Oct 2022."
    )
    assert common.period_text({}, "sv") == ""
    full = {
        "invited": 163,
        "visited": 84,
        "contributed": 20,
        "visited_rate": "51.5",
        "contributed_rate": "12.3",
    }
    assert funnel_sentences(full, "fi") == [
        "163 people were invited to the workspace.",
        "84 people visited the workspace (51,5\u00a0% of those invited).",
        "20 people contributed (12,3\u00a0% of those invited).",
    ]
    open_ws = {"invited": 0, "visited": 1, "contributed": 0, "visited_rate": None, "contributed_rate": None}
    assert funnel_sentences(open_ws, "en") == ["1 person visited the workspace.", "0 people contributed."]


# --- the default template -----------------------------------------------------------------------


def test_the_default_template_is_a4_and_stays_small(app):
    document = docx.Document(io.BytesIO(docx_export.default_template()))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert len(list(document.styles)) < 40


def test_every_percentage_is_the_poll_results_of_the_demo(demo, language):
    """The demo workspace's Word document against polls.results itself, not the programme dict."""
    from ideaspace.exports.service import export
    from ideaspace.models import ActivityKind
    from ideaspace.polls.results import results_for
    from ideaspace.programme.service import chosen_activities

    polls = [a for a in chosen_activities(demo) if a.kind is not ActivityKind.SCALE]
    results = results_for(polls)
    polls = [a for a in polls if a.id in results]
    document = docx.Document(io.BytesIO(export(None, demo, "docx", language).data))
    tables = [t for t in document.tables if header_row(t)[0] == common.labels(language)["option"]]
    assert len(tables) == len(polls) >= 2
    for table, poll in zip(tables, polls, strict=True):
        cells = [[c.text for c in row.cells] for row in table.rows[1:]]
        rows = results[poll.id].rows
        assert [c[1] for c in cells] == [str(row.count) for row in rows]
        assert [c[2] for c in cells] == [percent(row.percent, language) for row in rows]


def test_the_demo_names_its_organisation_on_the_cover(demo):
    from ideaspace.demo.loader import DEMO_ORGANISATION
    from ideaspace.exports.service import export

    document = docx.Document(io.BytesIO(export(None, demo, "docx", "sv").data))
    assert [p.text for p in document.paragraphs if p.style.name == "Subtitle"] == [DEMO_ORGANISATION]
