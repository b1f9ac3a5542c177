"""Each format from the contract's programme dict: tables, percentages, quotes, follow-up, safety."""

from __future__ import annotations

import csv
import gc
import io
import zipfile
from decimal import Decimal

import docx
import openpyxl
import pytest
from flask_babel import force_locale, gettext

from ideaspace.exports import FORMATS, common
from ideaspace.exports import csv as csv_export
from ideaspace.exports import docx as docx_export
from ideaspace.exports import html as html_export
from ideaspace.exports import markdown as md_export
from ideaspace.exports import xlsx as xlsx_export
from ideaspace.exports.richtext import blocks
from ideaspace.exports.sentences import texts

from .conftest import FI_PERCENTS, SEED_PERCENTS, SEED_VOTES


def read_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def find_table(document, first_header: str, contains: str):
    for table in document.tables:
        rows = table_rows(table)
        if rows[0][0] == first_header and any(contains in cell for row in rows for cell in row):
            return rows, table
    raise AssertionError(f"no table starting with {first_header!r} containing {contains!r}")


# --- formatting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        ("34.29", "fi", "34,29\u00a0%"),
        ("34.29", "sv", "34,29\u00a0%"),
        ("34.29", "en", "34.29%"),
        ("100.00", "fi", "100,00\u00a0%"),
        ("0.00", "en", "0.00%"),
        (None, "fi", "–"),
    ],
)
def test_percentages_in_the_document_language(value, language, expected):
    assert common.percent(value, language) == expected


def test_numbers_signs_and_dates():
    assert common.number("11.00", "fi") == "11"
    assert common.number("12.50", "fi") == "12,5"
    assert common.number("12.50", "en") == "12.5"
    assert [common.signed(v) for v in (12, 0, -5, None)] == ["+12", "0", "\u22125", "–"]
    assert common.day("2022-09-01", "fi") == "1.9.2022"
    assert common.rate("51.5", "fi") == "51,5\u00a0%"


@pytest.mark.parametrize(
    "value, language, expected",
    [
        ("2022-09-01", "fi", "1.9.2022"),
        ("2022-09-01", "sv", "1.9.2022"),  # Finland-Swedish, not Sweden's 2022-09-01
        ("2022-09-01", "en", "1 Sept 2022"),  # en-GB, not the US 9/1/22
        ("2022-09-01T23:30:00+00:00", "sv", "1.9.2022"),
        ("2026-12-24", "en", "24 Dec 2026"),
        ("", "fi", ""),
        (None, "en", ""),
        ("no date", "fi", "no date"),
    ],
)
def test_days_as_each_language_writes_them(value, language, expected):
    assert common.day(value, language) == expected


def test_pages_documents_and_exports_write_a_day_the_same_way(app):
    """One formatter: the pages' date filter, the printable document and the exports agree."""
    from datetime import date

    from ideaspace.programme.rendering import programme_date
    from ideaspace.web import format_short_date

    with app.test_request_context("/"):
        for language in ("fi", "sv", "en"):
            with force_locale(language):
                page = format_short_date(date(2022, 9, 1))
                assert page == programme_date("2022-09-01") == common.day("2022-09-01", language)


def test_formula_cells_are_neutralised():
    assert [common.safe_cell(v) for v in ("=1+1", "+3", "-2", "@SUM(A1)", "ok", 5)] == [
        "'=1+1",
        "'+3",
        "'-2",
        "'@SUM(A1)",
        "ok",
        5,
    ]


def test_rich_text_blocks_keep_bold_italic_and_lists():
    found = blocks("<p>A <strong>b</strong> <em>c</em></p><ul><li>x</li></ul><ol><li>y</li><li>z</li></ol>")
    assert [(b.kind, b.text) for b in found] == [
        ("paragraph", "A b c"),
        ("bullet", "x"),
        ("number", "y"),
        ("number", "z"),
    ]
    assert [r.bold for r in found[0].runs] == [False, True, False, False]
    assert found[0].runs[3].italic and found[3].number == 2


def test_the_registry_names_function_mimetype_and_extension():
    assert set(FORMATS) == {"docx", "pdf", "xlsx", "csv", "md", "html", "json"}
    assert FORMATS["docx"].mimetype.endswith("wordprocessingml.document")
    assert FORMATS["xlsx"].extension == "xlsx" and FORMATS["json"].whole_workspace


# --- DOCX --------------------------------------------------------------------------------------


def test_docx_has_title_headings_and_the_five_column_measures_table(programme_fi):
    document = read_docx(docx_export.render(programme_fi))
    assert document.core_properties.title == "Henkilöstöohjelma 2023–2025"
    assert document.core_properties.language == "fi-FI"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == texts("fi")["introduction"]
    assert headings[1:3] == [
        "1. Osaava, vastuullinen ja hyvinvoiva henkilöstö",
        "2. Työyhteisömme edistävät työhyvinvointia, turvallista ja terveellistä työtä sekä työkykyä",
    ]
    with force_locale("fi"):
        header = [gettext(t) for t in ("Goal", "Measure", "Schedule", "Responsible", "Evaluation")]
    rows, table = find_table(document, header[0], "Anonyymi rekrytointi")
    assert rows[0] == header
    assert rows[1][:4] == [
        "Houkutteleva työnantaja",
        "Anonyymi rekrytointi",
        "2022– jatkuva",
        "Henkilöstöpalvelut",
    ]
    evaluation = rows[1][4]
    assert "Anonyymien rekrytointien lukumäärä" in evaluation
    assert "11 kpl/vuosi (2022, Rekrytointijärjestelmä)" in evaluation
    assert ">\u00a020 kpl/vuosi" in evaluation
    assert "2023: 15 kpl/vuosi (Kasvua)" in evaluation
    # The header row repeats on every page.
    assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1


def test_docx_results_with_finnish_percentages(programme_fi):
    document = read_docx(docx_export.render(programme_fi))
    with force_locale("fi"):
        option = gettext("Option")
    rows, _ = find_table(document, option, "Turvallisuusilmoitusten (PRO24) käytön lisääminen")
    assert [r[1] for r in rows[1:]] == [str(v) for v in SEED_VOTES]
    assert [r[2] for r in rows[1:]] == FI_PERCENTS
    text = "\n".join(p.text for p in document.paragraphs)
    with force_locale("fi"):
        assert gettext("Share of respondents") in table_rows(find_table(document, option, "Sukupuoli")[1])[0]
    assert "eNPS +12 (25 " in text  # the scale, signed


def test_docx_quotes_in_the_quote_style_with_attribution(programme_fi):
    document = read_docx(docx_export.render(programme_fi))
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    attributions = [p.text for p in document.paragraphs if p.style.name == "Quote Attribution"]
    assert "Jokainen voi työyhteisössä olla oma itsensä." in quotes
    assert "\u2014 Esihenkilö, Varhaiskasvatus" in attributions
    assert "\u2014 Maija Meikäläinen" in attributions  # the name only because the dict carries it
    assert document.styles["Quote Attribution"].base_style.name == "Quote"


def test_docx_participation_and_follow_up_appendix(programme_fi):
    document = read_docx(docx_export.render(programme_fi))
    t = common.labels("fi")
    rows, _ = find_table(document, t["stage"], t["invited"])
    assert rows[1:] == [
        [t["invited"], "163", "100,0\u00a0%"],
        [t["visited"], "84", "51,5\u00a0%"],
        [t["contributed"], "20", "12,3\u00a0%"],
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "1.9.2022 – 31.10.2022" in text
    rows, _ = find_table(document, t["measure"], "Anonyymien rekrytointien lukumäärä")
    assert rows[0][3:5] == ["2023", "2024"]  # a column per year with a reading
    assert rows[1][3:5] == ["15", "22"]
    assert rows[1][-1] == common.localized_label("met", "fi")


def test_docx_introduction_keeps_bold_italic_and_bullets(programme_fi):
    document = read_docx(docx_export.render(programme_fi))
    intro = next(p for p in document.paragraphs if p.text.startswith("Henkilöstöohjelma toteuttaa"))
    assert [r.text for r in intro.runs if r.bold] == ["Osaava, vastuullinen ja hyvinvoiva henkilöstö"]
    bullets = [p for p in document.paragraphs if p.style.name == "List Bullet"]
    assert [p.text for p in bullets] == [
        "Avoimuus",
        "Vastuullisuus",
        "Yhdessä tekeminen ja arvostava kohtaaminen",
    ]
    assert bullets[2].runs[0].italic


def test_docx_in_english_uses_english_percentages(programme_in):
    document = read_docx(docx_export.render(programme_in("en")))
    rows, _ = find_table(document, "Option", "Turvallisuusilmoitusten (PRO24) käytön lisääminen")
    assert rows[2][2] == "34.29%"
    assert document.core_properties.language == "en-GB"


def test_docx_carries_only_the_styles_it_uses(programme_fi):
    data = docx_export.render(programme_fi)
    document = read_docx(data)
    names = {style.name for style in document.styles}
    used = {p.style.name for p in document.paragraphs} | {t.style.name for t in document.tables}
    assert used <= names and {"Light Grid Accent 1", "Quote", "List Bullet", "Heading 2"} <= used
    # Not python-docx's 164 styles (100 of them for tables) and their Word 2010 copy.
    assert "Light Shading Accent 1" not in names and len(names) < 40
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "word/stylesWithEffects.xml" not in package.namelist()
        assert b"stylesWithEffects" not in package.read("word/_rels/document.xml.rels")


def test_docx_render_leaves_nothing_for_the_cycle_collector(programme_fi):
    """The document's XML tree is freed when `render` returns, not when the collector next runs."""
    docx_export.render(programme_fi)  # the template is built (and cached) on the first call
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector finds unreachable, to look at it
    try:
        docx_export.render(programme_fi)
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if type(o).__module__.startswith(("lxml", "docx.oxml"))]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
    assert left == []


# --- XLSX --------------------------------------------------------------------------------------


def workbook(programme: dict):
    return openpyxl.load_workbook(io.BytesIO(xlsx_export.render(programme)))


def sheet_rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_xlsx_has_the_four_sheets_with_bold_frozen_headers(programme_fi):
    wb = workbook(programme_fi)
    t = common.labels("fi")
    assert wb.sheetnames == [t["measures"], t["indicators"], t["results"], t["participation"]]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(cell.font.bold for cell in ws[1] if cell.value is not None)
        assert ws.column_dimensions["A"].width >= 10
    measures = sheet_rows(wb[t["measures"]])
    assert measures[1][:3] == (
        "1. Osaava, vastuullinen ja hyvinvoiva henkilöstö",
        "Houkutteleva työnantaja",
        "Anonyymi rekrytointi",
    )
    assert len(measures) == 1 + 6


def test_xlsx_results_are_numbers_with_two_decimals(programme_fi):
    wb = workbook(programme_fi)
    ws = wb[common.labels("fi")["results"]]
    rows = sheet_rows(ws)
    poll = [r for r in rows if r[1] == "Mitkä toimenpiteet ovat mielestäsi tärkeitä?"]
    assert [r[4] for r in poll] == SEED_VOTES
    assert [r[5] for r in poll] == [35] * 5
    assert [Decimal(str(r[6])) for r in poll] == [Decimal(p) for p in SEED_PERCENTS]
    cells = [
        row
        for row in ws.iter_rows(min_row=2)
        if row[1].value == "Mitkä toimenpiteet ovat mielestäsi tärkeitä?"
    ]
    assert all(row[6].number_format == "0.00" and row[6].data_type == "n" for row in cells)
    multi = [r for r in rows if r[3] == "Sukupuoli"][0]
    assert multi[7] == common.labels("fi")["share_respondents"] and multi[5] == 20
    enps = [r for r in rows if r[3] == "eNPS"][0]
    assert enps[6] == 12 and enps[5] == 25
    scale = [r for r in rows if r[1] == "Suosittelisitko Kokkolan kaupunkia työnantajana?" and r[3] != "eNPS"]
    assert [r[3] for r in scale] == [str(v) for v in range(11)] and sum(r[4] for r in scale) == 25


def test_xlsx_indicators_sheet_has_readings_per_year(programme_fi):
    wb = workbook(programme_fi)
    t = common.labels("fi")
    rows = sheet_rows(wb[t["indicators"]])
    header = rows[0]
    assert header[9:11] == ("2023", "2024") and header[-1] == t["follow_up"]
    recruit = next(r for r in rows if r[2] == "Anonyymien rekrytointien lukumäärä")
    more_than, in_words = (common.localized_label(c, "fi") for c in (">", "qualitative"))
    assert recruit[4:9] == (2022, 11, "Rekrytointijärjestelmä", more_than, 20)
    assert recruit[9:11] == (15, 22)
    assert recruit[-1] == common.localized_label("met", "fi")
    qualitative = next(r for r in rows if r[2] == "Turvallisuusilmoitusten määrä")
    assert qualitative[7:9] == (in_words, "Määrä kasvaa")  # a label, never the raw code


def test_xlsx_text_never_becomes_a_formula(programme_fi):
    wb = workbook(programme_fi)
    ws = wb[common.labels("fi")["results"]]
    cell = next(row[3] for row in ws.iter_rows(min_row=2) if str(row[3].value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


def test_xlsx_participation(programme_fi):
    rows = sheet_rows(workbook(programme_fi)[common.labels("fi")["participation"]])
    assert [r[1] for r in rows[1:4]] == [163, 84, 20]
    assert rows[2][2] == 51.5


# --- CSV ---------------------------------------------------------------------------------------


def csv_rows(programme: dict) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_export.render(programme).decode("utf-8"))))


def test_csv_rows_with_plain_decimals(programme_fi):
    rows = csv_rows(programme_fi)
    assert rows[0] == ["theme", "activity", "option", "votes", "respondents", "percent"]
    poll = [r for r in rows if r[1] == "Mitkä toimenpiteet ovat mielestäsi tärkeitä?"]
    assert [r[5] for r in poll] == SEED_PERCENTS
    assert [r[3] for r in poll] == [str(v) for v in SEED_VOTES] and {r[4] for r in poll} == {"35"}
    assert poll[1][2] == "Turvallisuusilmoitusten (PRO24) käytön lisääminen"


def test_csv_percentages_are_the_same_in_every_language(programme_in):
    assert csv_export.render(programme_in("en")) == csv_export.render(programme_in("fi"))


def test_csv_scale_has_a_row_per_value_and_an_enps_row(programme_fi):
    rows = [r for r in csv_rows(programme_fi) if r[1] == "Suosittelisitko Kokkolan kaupunkia työnantajana?"]
    assert [r[2] for r in rows] == [str(v) for v in range(11)] + ["eNPS"]
    assert rows[9][3:] == ["4", "25", "16.00"]
    assert rows[-1][3:] == ["", "25", "12.00"]


def test_csv_guards_against_formula_injection(programme_fi):
    rows = csv_rows(programme_fi)
    assert ['\'=HYPERLINK("http://x")'] == [r[2] for r in rows if "HYPERLINK" in r[2]]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


# --- Markdown and printable HTML ---------------------------------------------------------------


def test_markdown_tables_quotes_and_finnish_percentages(programme_fi):
    text = md_export.render(programme_fi).decode("utf-8")
    assert text.startswith("# Henkilöstöohjelma 2023–2025\n")
    assert "## 2. Työyhteisömme edistävät" in text
    for votes, share in zip(SEED_VOTES, FI_PERCENTS, strict=True):
        assert f"| {votes} | {share} |" in text
    assert "| --- | --- | --- | --- | --- |" in text and "| --- | ---: | ---: |" in text
    assert "> Jokainen voi työyhteisössä olla oma itsensä.\n>\n> \u2014 Esihenkilö, Varhaiskasvatus" in text
    assert "Kehittämistyölle \\| pitää olla aikaa." in text  # a | in text never splits a table
    assert "**Osaava, vastuullinen ja hyvinvoiva henkilöstö**" in text
    assert "- Avoimuus" in text and "*Yhdessä tekeminen*" in text


def test_markdown_in_english(programme_in):
    assert "| 12 | 34.29% |" in md_export.render(programme_in("en")).decode("utf-8")


def test_printable_html_uses_the_document_template_and_the_print_css(programme_fi, app):
    with app.test_request_context("/"):
        page = html_export.render(programme_fi).decode("utf-8")
    assert '<html lang="fi">' in page
    assert 'href="/static/css/print.css"' in page and "<style" not in page and "style=" not in page
    assert 'class="programme-doc"' in page  # programme/document.html
    for share in FI_PERCENTS:
        assert share in page
    # Nothing of the app: the only navigation is the document's own contents.
    assert page.count("<nav") == 1 and '<nav class="contents"' in page and "<script" not in page


def test_printable_html_written_without_a_request_embeds_its_css(programme_fi):
    page = html_export.render(programme_fi).decode("utf-8")
    assert "<style>" in page and "@page" in page and "34,29\u00a0%" in page
