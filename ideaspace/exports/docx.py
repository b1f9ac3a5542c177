"""The programme as a Word document HR can publish and edit (python-docx), from the programme dict.

A4 with a cover (title, organisation, strategy, period, version and date), a table of contents
(a Word TOC field that Word updates on opening), a running header with the title and page numbers
(a PAGE field) in the footer. Every theme ends in its five-column measures table, in a landscape
section of its own with column widths from the content, so no word breaks in the middle. Results
are tables with counts and percentages and a bar chart with the numbers beside the bars; quotes
are block quotes with their attribution; participation is the invited / visited / contributed
funnel with a chart. Only Word's own styles (Title, Heading 1–3, Quote, a built-in table style)
and two of ours (Table Text, Quote Attribution) are used, so HR restyles the whole document in
Word, or uploads the organisation's template (ideaspace.exports.word_template): its styles are
used as they are, and what it lacks comes from the default template.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell

from . import charts, common, sentences, wordml
from .richtext import blocks
from .sentences import funnel_sentences, texts

LANGUAGE_TAGS = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TABLE_STYLE = "Light Grid Accent 1"
TABLE_TEXT, ATTRIBUTION = "Table Text", "Quote Attribution"
TABLE_FONT_PT = 9
BRAND = RGBColor(0x00, 0x4A, 0x87)
# The styles the document uses (by name): kept in the default template, and added to an uploaded
# template that lacks them.
STYLES = (
    "Normal",
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Header",
    "Footer",
    "TOC Heading",
    "Quote",
    "Intense Quote",
    "List Bullet",
    "List Paragraph",
    "Caption",
    "Table Grid",
    TABLE_STYLE,
    TABLE_TEXT,
    ATTRIBUTION,
)


def render(
    programme: dict,
    template: bytes | None = None,
    *,
    organisation: str | None = None,
    today: date | None = None,
) -> bytes:
    """The programme as DOCX bytes, on the organisation's template (a .docx) or the default."""
    lang = programme["language"]
    t = {**common.labels(lang), **texts(lang)}
    ws = programme["workspace"]
    doc = Document(io.BytesIO(template or default_template()))
    if template:
        wordml.clear_body(doc)
        wordml.ensure_styles(doc, STYLES, default_template())
    writer = Writer(doc, lang, t)
    wordml.set_language(doc, LANGUAGE_TAGS.get(lang, lang))
    props = doc.core_properties
    props.title = ws["title"]
    props.language = LANGUAGE_TAGS.get(lang, lang)
    props.subject = ws.get("strategy") or ""
    props.keywords = ws["slug"]
    props.author = organisation or ""

    wordml.page_setup(doc.sections[0])
    running_header_and_footer(doc, ws["title"], keep_template=bool(template))
    cover(writer, programme, organisation, today or date.today())
    contents(writer)
    if ws.get("introduction_html"):
        writer.heading(t["introduction"], 1)
        rich_text(writer, ws.get("introduction_html"))

    for index, theme in enumerate(programme["themes"], start=1):
        writer.portrait()
        writer.heading(common.title_of(theme, index), 1)
        rich_text(writer, theme.get("introduction_html"))
        for result in theme["results"]:
            result_section(writer, result)
        quotes(writer, theme["quotes"])
        heard(writer, theme.get("heard"))
        if theme["measures"]:
            writer.landscape()
            writer.heading(t["measures"], 2)
            measures_table(writer, theme)

    writer.portrait()
    participation_section(writer, programme["participation"])
    if common.has_indicators(programme):
        writer.landscape()
        follow_up_appendix(writer, programme)

    wordml.update_fields_on_open(doc)
    out = io.BytesIO()
    doc.save(out)
    _release(doc)
    return out.getvalue()


class Writer:
    """The document being written: where the next page starts and in which orientation."""

    def __init__(self, doc, lang: str, t: dict) -> None:
        self.doc, self.lang, self.t = doc, lang, t
        self.fresh_page = True  # nothing written on the current page yet
        self.started = False  # a theme or section has begun (the first one follows the contents)

    def paragraph(self, text: str = "", style: str | None = None):
        self.fresh_page = False
        return self.doc.add_paragraph(text, style=style)

    def heading(self, text: str, level: int, *, new_page: bool | None = None):
        paragraph = self.doc.add_paragraph(text, style=f"Heading {level}")
        if (level == 1 if new_page is None else new_page) and not self.fresh_page:
            paragraph.paragraph_format.page_break_before = True
        self.fresh_page = False
        return paragraph

    def portrait(self) -> None:
        if wordml.is_landscape(self.doc):
            wordml.new_section(self.doc, landscape=False)
            self.fresh_page = True

    def landscape(self) -> None:
        if not wordml.is_landscape(self.doc):
            wordml.new_section(self.doc, landscape=True)
            self.fresh_page = True

    @property
    def width(self) -> int:
        return wordml.text_width(self.doc.sections[-1])


def _release(doc) -> None:
    """Break python-docx's reference cycles, so the document is freed when `render` returns.

    The package and its parts refer to each other through their relationships; held in such a
    cycle, the whole XML tree (megabytes) waits for the cyclic garbage collector, which in a
    busy worker runs seldom: a worker exporting a few documents in a row kept them all.
    """
    package = doc.part.package
    for part in list(package.iter_parts()):
        vars(part).clear()
    vars(package).clear()
    vars(doc).clear()  # the document and its body refer to each other too


# --- the frame: header, footer, cover, contents --------------------------------------------


def running_header_and_footer(doc, title: str, *, keep_template: bool) -> None:
    """The title in the header and the page number in the footer, not on the cover.

    A template's own header (its logo, say) stays; its footer gets the page number when it has
    none.
    """
    section = doc.sections[0]
    header, footer = section.header, section.footer
    if not (keep_template and not wordml.is_empty(header)):
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
        paragraph.text = title
        paragraph.style = doc.styles["Header"]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if not wordml.has_field(footer._element, "PAGE"):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0] if wordml.is_empty(footer) else footer.add_paragraph()
        paragraph.style = doc.styles["Footer"]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        wordml.field(paragraph, "PAGE", "1")
    if not section.different_first_page_header_footer:
        section.different_first_page_header_footer = True  # an empty header and footer on the cover
        section.first_page_header.is_linked_to_previous = False
        section.first_page_footer.is_linked_to_previous = False


def cover(writer: Writer, programme: dict, organisation: str | None, today: date) -> None:
    """Title, organisation, strategy, the drafting period, the version and its date."""
    space = writer.paragraph()
    space.paragraph_format.space_before = Mm(60)
    writer.paragraph(programme["workspace"]["title"], "Title")
    if organisation:
        writer.paragraph(organisation, "Subtitle")
    for line in sentences.cover_lines(programme, writer.lang, today):
        writer.paragraph(line)


def contents(writer: Writer) -> None:
    """A Word table of contents (headings 1–3, as links); Word fills it in when it opens the file
    (it asks first); until then it says how to update it."""
    heading = writer.doc.add_paragraph(writer.t["contents"], style="TOC Heading")
    heading.paragraph_format.page_break_before = True
    paragraph = writer.paragraph()
    wordml.field(paragraph, 'TOC \\o "1-3" \\h \\z \\u', writer.t["update_contents"], dirty=True)
    writer.fresh_page = False


# --- content -------------------------------------------------------------------------------


def rich_text(writer: Writer, html: str | None) -> None:
    """Sanitized HTML paragraphs and lists as Word paragraphs with bold and italic runs."""
    for block in blocks(html):
        if block.kind == "bullet":
            paragraph = writer.paragraph(style="List Bullet")
        elif block.kind == "number":
            paragraph = writer.paragraph(f"{block.number}. ", style="List Paragraph")
        elif block.kind == "quote":
            paragraph = writer.paragraph(style="Quote")
        else:
            paragraph = writer.paragraph()
        for run in block.runs:
            if run.text == "\n":
                paragraph.add_run().add_break()
                continue
            text = run.text
            if run.href and run.href not in text:
                text = f"{text} ({run.href})"
            r = paragraph.add_run(text)
            r.bold = run.bold or None
            r.italic = run.italic or None


def table(writer: Writer, headers: list[str], *, numeric: tuple[int, ...] = ()):
    """A table in the built-in table style with a bold header row that repeats on every page."""
    doc = writer.doc
    tbl = doc.add_table(rows=1, cols=len(headers))
    tbl.style = doc.styles[TABLE_STYLE]
    tbl.alignment = WD_TABLE_ALIGNMENT.LEFT
    header = tbl.rows[0]
    vars(tbl).pop("rows", None)  # cached on the table, and pointing back at it: a reference cycle
    wordml.table_look(tbl, first_column=False)
    wordml.repeat_header(header)
    wordml.cant_split(header)
    for i, (cell, text) in enumerate(zip(row_cells(tbl, header), headers, strict=True)):
        paragraph = cell.paragraphs[0]
        paragraph.style = doc.styles[TABLE_TEXT]
        paragraph.add_run(text).bold = True
        if i in numeric:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    writer.fresh_page = False
    return tbl


def add_row(tbl, values: list[str], numeric: tuple[int, ...] = (), *, style=None):
    row = tbl.add_row()
    cells = row_cells(tbl, row)
    for i, value in enumerate(values):
        paragraph = cells[i].paragraphs[0]
        paragraph.style = style
        if value:
            paragraph.add_run(str(value))
        if i in numeric:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return row


def row_cells(tbl, row) -> list[_Cell]:
    """The cells of a row of ours (no merged cells), as `row.cells` would give them.

    `_Row.cells` defines a recursive closure on every call: a reference cycle holding the row,
    and through it the whole document's XML tree, until the cyclic garbage collector runs. A
    worker exporting documents in a row kept several such trees (megabytes each) alive.
    """
    return [_Cell(tc, tbl) for tc in row._tr.tc_lst]


def after_table(writer: Writer, *, keep_with_next: bool = False) -> None:
    """Room between a table and what follows (Word puts a table's next paragraph right under it)."""
    paragraph = writer.paragraph()
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.keep_with_next = keep_with_next or None


def measures_table(writer: Writer, theme: dict) -> None:
    """Goal, measure, schedule, responsible, evaluation: widths from the content, rows kept whole."""
    t, lang = writer.t, writer.lang
    style = writer.doc.styles[TABLE_TEXT]
    headers = [t["goal"], t["measure"], t["schedule"], t["responsible"], t["evaluation"]]
    tbl = table(writer, headers)
    texts_by_column: list[list[tuple[str, bool]]] = [[(h, True)] for h in headers]
    for measure in theme["measures"]:
        values = [measure["goal"], measure["text"], measure["schedule"], measure["responsible"]]
        row = add_row(tbl, [*values, ""], style=style)
        wordml.cant_split(row)
        lines = evaluation_cell(row_cells(tbl, row)[4], measure["indicators"], t, lang, style)
        for column, value in zip(texts_by_column, values, strict=False):
            column.append((value or "", False))
        texts_by_column[4].extend(lines)
    widths = wordml.widths_from_content(texts_by_column, writer.width, TABLE_FONT_PT)
    wordml.set_widths(tbl, widths)
    after_table(writer)


def evaluation_cell(cell, indicators: list[dict], t: dict, lang: str, style) -> list[tuple[str, bool]]:
    """Each indicator: its description, baseline (value, year, source), target, readings, status.
    Returns the lines written, with whether they are bold (for the column's width)."""
    lines: list[tuple[str, bool]] = []

    def line(text: str, *, bold: bool = False, italic: bool = False) -> None:
        paragraph = cell.paragraphs[0] if not lines else cell.add_paragraph()
        paragraph.style = style
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        lines.append((text, bold))

    for ind in indicators:
        line(ind["description"], bold=True)
        baseline = common.indicator_baseline(ind, lang)
        if baseline:
            line(f"{t['baseline']}: {baseline}")
        target = common.indicator_target(ind, lang)
        if target:
            line(f"{t['target']}: {target}")
        if ind["readings"]:
            line(
                f"{t['follow_up']}: " + "; ".join(common.reading_text(r, ind, lang) for r in ind["readings"])
            )
        if ind["follow_up"] != "no_data":
            line(common.localized_label(ind["follow_up"], lang), italic=True)
    return lines


def result_section(writer: Writer, result: dict) -> None:
    """The question, its results as a table (counts and percentages) and as a bar chart."""
    t, lang = writer.t, writer.lang
    writer.heading(result["title"], 2)
    if result.get("question") and result["question"] != result["title"]:
        writer.paragraph(result["question"]).paragraph_format.keep_with_next = True
    if not result["answers"]:
        writer.paragraph(t["no_answers"])
        return
    style = writer.doc.styles[TABLE_TEXT]
    if result["kind"] == "scale":
        writer.paragraph(common.enps_text(result, lang))
        tbl = table(writer, [t["answer"], t["answers"]], numeric=(0, 1))
        for row in result["distribution"]:
            add_row(tbl, [str(row["value"]), str(row["count"])], (0, 1), style=style)
        wordml.set_widths(tbl, [writer.width // 4, writer.width // 4])
        wordml.keep_with_next(tbl)
        after_table(writer, keep_with_next=True)
        bars = [
            charts.Bar(str(row["value"]), row["count"], str(row["count"])) for row in result["distribution"]
        ]
        chart(writer, bars, max((b.value for b in bars), default=0), t["chart_alt"])
        return
    multiple = result["basis"] == "respondents"
    headers = [
        t["option"],
        t["chosen_by"] if multiple else t["answers"],
        t["share_respondents"] if multiple else t["share_answers"],
    ]
    tbl = table(writer, headers, numeric=(1, 2))
    for option in result["options"]:
        share = common.percent(option["percent"], lang)
        add_row(tbl, [option["label"], str(option["votes"]), share], (1, 2), style=style)
    numbers = [wordml.word_length(h, TABLE_FONT_PT, True) + wordml.CELL_PADDING for h in headers[1:]]
    numbers = [max(int(n), Mm(22)) for n in numbers]
    wordml.set_widths(tbl, [writer.width - sum(numbers), *numbers])
    wordml.keep_with_next(tbl)
    after_table(writer, keep_with_next=True)
    bars = [
        charts.Bar(
            option["label"],
            float(common.decimal(option["percent"]) or 0),
            f"{option['votes']} \u00b7 {common.percent(option['percent'], lang)}",
        )
        for option in result["options"]
    ]
    chart(writer, bars, 100.0, t["chart_alt"])
    note = t["note_respondents"] if multiple else t["note_answers"]
    if result.get("anonymous"):
        note = f"{note} {t['anonymous']}"
    writer.paragraph(note, "Caption")


def chart(writer: Writer, bars: list[charts.Bar], scale: float, alt: str, width_cm: float = 16.0) -> None:
    """A bar chart picture with its alternative text (what it shows is in the table beside it)."""
    if not bars:
        return
    width_cm = min(width_cm, writer.width / Mm(10))
    paragraph = writer.paragraph()
    paragraph.paragraph_format.keep_with_next = True
    shape = paragraph.add_run().add_picture(io.BytesIO(charts.bar_chart(bars, scale, width_cm=width_cm)))
    scale_to = Mm(width_cm * 10) / shape.width
    shape.width, shape.height = int(shape.width * scale_to), int(shape.height * scale_to)
    shape._inline.docPr.set("descr", alt)


def quotes(writer: Writer, items: list[dict]) -> None:
    """Block quotes, each followed by its attribution (as the quote rules gave it)."""
    for quote in items:
        paragraph = writer.paragraph(quote["text"], "Quote")
        paragraph.paragraph_format.keep_with_next = True
        if quote.get("language") and quote["language"] != writer.lang:
            for run in paragraph.runs:
                wordml.run_language(
                    run._r.get_or_add_rPr(), LANGUAGE_TAGS.get(quote["language"], quote["language"])
                )
        if quote.get("attribution"):
            writer.paragraph(f"\u2014 {quote['attribution']}", ATTRIBUTION)


def heard(writer: Writer, item: dict | None) -> None:
    """A theme's "what we heard": the moderator's words, then its sources, numbered, with addresses."""
    if not item:
        return
    writer.heading(writer.t["heard"], 2)
    rich_text(writer, item.get("html"))
    if item.get("references"):
        writer.paragraph(writer.t["sources"])
        for number, ref in enumerate(item["references"], start=1):
            writer.paragraph(f"{number}. {ref['text']} ({ref['url']})", "List Paragraph")


def participation_section(writer: Writer, part: dict) -> None:
    """The period and the funnel in sentences built from the values there are, a table, a chart."""
    t, lang = writer.t, writer.lang
    writer.heading(t["participation"], 1)
    period = common.period_text(part, lang)
    sentences = [period] if period else []
    sentences += funnel_sentences(part, lang)
    if sentences:
        writer.paragraph(" ".join(sentences))
    invited = part["invited"]
    rows = [
        (t["invited"], invited, "100.0" if invited else None),
        (t["visited"], part["visited"], part.get("visited_rate")),
        (t["contributed"], part["contributed"], part.get("contributed_rate")),
    ]
    with_share = any(rate is not None for _, _, rate in rows)
    headers = [t["stage"], t["people"], *([t["share_invited"]] if with_share else [])]
    numeric = (1, 2) if with_share else (1,)
    tbl = table(writer, headers, numeric=numeric)
    style = writer.doc.styles[TABLE_TEXT]
    for name, count, rate in rows:
        values = [name, str(count)]
        if with_share:
            values.append(common.rate(rate, lang) if rate is not None else "")
        add_row(tbl, values, numeric, style=style)
    wordml.set_widths(tbl, [Mm(45), Mm(25), *([Mm(35)] if with_share else [])])
    after_table(writer)
    top = max(invited, part["visited"], part["contributed"])
    bars = [
        charts.Bar(
            name, count, f"{count} \u00b7 {common.rate(rate, lang)}" if rate is not None else str(count)
        )
        for name, count, rate in rows
    ]
    if top:
        chart(writer, bars, top, t["funnel_alt"], width_cm=12.0)


def follow_up_appendix(writer: Writer, programme: dict) -> None:
    """Every indicator theme by theme: baseline, the readings year by year, target, status."""
    t, lang = writer.t, writer.lang
    style = writer.doc.styles[TABLE_TEXT]
    years = common.reading_years(programme)
    writer.heading(t["follow_up_appendix"], 1)
    for index, theme in enumerate(programme["themes"], start=1):
        rows = [(m, i) for m in theme["measures"] for i in m["indicators"]]
        if not rows:
            continue
        writer.heading(common.title_of(theme, index), 2)
        headers = [t["measure"], t["indicator"], t["baseline"], *map(str, years), t["target"], t["status"]]
        numeric = tuple(range(3, 3 + len(years)))
        tbl = table(writer, headers, numeric=numeric)
        columns: list[list[tuple[str, bool]]] = [[(h, True)] for h in headers]
        for measure, ind in rows:
            by_year = {r["year"]: r for r in ind["readings"]}
            values = [
                measure["text"],
                ind["description"],
                common.indicator_baseline(ind, lang),
                *(common.number(by_year[y]["value"], lang) if y in by_year else "" for y in years),
                common.indicator_target(ind, lang),
                common.localized_label(ind["follow_up"], lang),
            ]
            wordml.cant_split(add_row(tbl, values, numeric, style=style))
            for column, value in zip(columns, values, strict=True):
                column.append((value, False))
        wordml.set_widths(tbl, wordml.widths_from_content(columns, writer.width, TABLE_FONT_PT))
        after_table(writer)


# --- the default template ------------------------------------------------------------------


@cache
def default_template() -> bytes:
    """python-docx's default template, A4, with only the styles this export uses, set calmly.

    The default styles.xml holds 164 style definitions (438 KB, 100 of them table styles) and a
    438 KB copy of them for Word 2010 (stylesWithEffects.xml). Parsed for every document, that is
    some 5 MB of XML tree per export, freed only when the cyclic garbage collector runs, so a
    worker exporting a few documents in a row grew by 50 MB. Word still offers its built-in
    styles (the latent styles stay).
    """
    doc = Document()
    styles = doc.styles
    table_text = styles.add_style(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = styles["Normal"]
    table_text.font.size = Pt(TABLE_FONT_PT)
    table_text.paragraph_format.space_after = Pt(2)
    table_text.paragraph_format.line_spacing = 1.0
    attribution = styles.add_style(ATTRIBUTION, WD_STYLE_TYPE.PARAGRAPH)
    attribution.base_style = styles["Quote"]
    attribution.next_paragraph_style = styles["Normal"]
    wordml.prune_styles(doc, STYLES)
    wordml.page_setup(doc.sections[0])

    normal = styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3"):
        styles[name].font.color.rgb = BRAND
    sans_serif_theme(doc)
    subtitle_numbering = styles["Subtitle"].element.pPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}numPr"
    )
    if subtitle_numbering is not None:  # a stray list level in python-docx's Subtitle
        subtitle_numbering.getparent().remove(subtitle_numbering)
    styles["Title"].font.size = Pt(30)
    styles["Heading 1"].font.size = Pt(18)
    styles["Heading 1"].paragraph_format.space_after = Pt(6)
    styles["Heading 2"].font.size = Pt(13)
    styles["Heading 2"].paragraph_format.space_before = Pt(14)
    styles["Heading 2"].paragraph_format.space_after = Pt(4)
    styles["Heading 3"].paragraph_format.space_before = Pt(10)

    quote = styles["Quote"]
    quote.font.size = Pt(11.5)
    quote.font.color.rgb = RGBColor(0x1B, 0x1F, 0x24)
    quote.paragraph_format.left_indent = Mm(8)
    quote.paragraph_format.right_indent = Mm(8)
    quote.paragraph_format.space_before = Pt(12)
    quote.paragraph_format.space_after = Pt(2)
    wordml.border(quote.element.get_or_add_pPr(), "left", "004A87", size_eighths=24, space=10)
    attribution.font.italic = False
    attribution.font.size = Pt(10)
    attribution.font.color.rgb = RGBColor(0x4A, 0x55, 0x60)
    attribution.paragraph_format.space_before = Pt(0)
    attribution.paragraph_format.space_after = Pt(14)
    styles["Caption"].font.color.rgb = RGBColor(0x4A, 0x55, 0x60)
    styles["Caption"].font.bold = False
    styles["Header"].font.size = Pt(9)
    styles["Header"].font.color.rgb = RGBColor(0x4A, 0x55, 0x60)
    styles["Footer"].font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def sans_serif_theme(doc) -> None:
    """Calibri for the body too (python-docx's theme sets it in Cambria), and no thumbnail (its
    own logo, which file browsers would show for every programme)."""
    package = doc.part.package
    for part in package.iter_parts():
        if str(part.partname).startswith("/word/theme/"):
            part._blob = part.blob.replace(
                b'<a:minorFont>\n        <a:latin typeface="Cambria"/>',
                b'<a:minorFont>\n        <a:latin typeface="Calibri"/>',
            )
    for r_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[r_id]
