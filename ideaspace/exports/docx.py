"""The programme as a Word document (python-docx), from the programme dict alone.

Headings, the five-column measures table of every theme, the results tables with percentages in
the document's language, quotes in the "Quote" style, the participation section, and an appendix
with the yearly follow-up of the indicators. Table header rows repeat when a table breaks across
pages.
"""

from __future__ import annotations

import io
from functools import cache

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import _Cell

from . import common
from .richtext import blocks

LANGUAGE_TAGS = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The styles the document uses (by name); the template keeps these and what they are based on.
USED_STYLES = (
    "Normal",
    "Title",
    "Heading 1",
    "Heading 2",
    "Quote",
    "List Bullet",
    "List Paragraph",
    "Table Grid",
)


def render(programme: dict) -> bytes:
    """The programme as DOCX bytes."""
    lang = programme["language"]
    t = common.labels(lang)
    ws = programme["workspace"]
    doc = Document(io.BytesIO(_template()))
    _set_language(doc, lang)
    props = doc.core_properties
    props.title = ws["title"]
    props.language = LANGUAGE_TAGS.get(lang, lang)
    props.subject = ws.get("strategy") or ""
    props.keywords = ws["slug"]

    doc.add_heading(ws["title"], 0)
    if ws.get("strategy"):
        doc.add_paragraph(common.strategy_text(programme, lang))
    doc.add_paragraph(common.edition_text(programme, lang))
    rich_text(doc, ws.get("introduction_html"))

    for index, theme in enumerate(programme["themes"], start=1):
        doc.add_heading(common.title_of(theme, index), 1)
        rich_text(doc, theme.get("introduction_html"))
        if theme["measures"]:
            measures_table(doc, theme, t, lang)
        for result in theme["results"]:
            result_section(doc, result, t, lang)
        for quote in theme["quotes"]:
            doc.add_paragraph(quote["text"], style="Quote")
            attribution = doc.add_paragraph(f"\u2014 {quote['attribution']}", style="Quote")
            attribution.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    participation_section(doc, programme["participation"], t, lang)
    if common.has_indicators(programme):
        follow_up_appendix(doc, programme, t, lang)

    out = io.BytesIO()
    doc.save(out)
    _release(doc)
    return out.getvalue()


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


# --- pieces ------------------------------------------------------------------------------------


def rich_text(doc, html: str | None) -> None:
    """Sanitized HTML paragraphs and lists as Word paragraphs with bold and italic runs."""
    for block in blocks(html):
        if block.kind == "bullet":
            paragraph = doc.add_paragraph(style="List Bullet")
        elif block.kind == "number":
            paragraph = doc.add_paragraph(f"{block.number}. ", style="List Paragraph")
        elif block.kind == "quote":
            paragraph = doc.add_paragraph(style="Quote")
        else:
            paragraph = doc.add_paragraph()
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


def table(doc, headers: list[str], *, numeric: tuple[int, ...] = ()):
    """A grid table with a bold header row that repeats on every page."""
    tbl = doc.add_table(rows=1, cols=len(headers))
    tbl.style = "Table Grid"
    tbl.alignment = WD_TABLE_ALIGNMENT.LEFT
    header = tbl.rows[0]
    vars(tbl).pop("rows", None)  # cached on the table, and pointing back at it: a reference cycle
    repeat_header(header)
    for i, (cell, text) in enumerate(zip(row_cells(tbl, header), headers, strict=True)):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        if i in numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return tbl


def add_row(tbl, values: list[str], numeric: tuple[int, ...] = ()):
    row = tbl.add_row()
    cells = row_cells(tbl, row)
    for i, value in enumerate(values):
        cells[i].text = "" if value is None else str(value)
        if i in numeric:
            cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return row


def row_cells(tbl, row) -> list[_Cell]:
    """The cells of a row of ours (no merged cells), as `row.cells` would give them.

    `_Row.cells` defines a recursive closure on every call: a reference cycle holding the row,
    and through it the whole document's XML tree, until the cyclic garbage collector runs. A
    worker exporting documents in a row kept several such trees (megabytes each) alive.
    """
    return [_Cell(tc, tbl) for tc in row._tr.tc_lst]


def repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def measures_table(doc, theme: dict, t: dict, lang: str) -> None:
    tbl = table(doc, [t["goal"], t["measure"], t["schedule"], t["responsible"], t["evaluation"]])
    for measure in theme["measures"]:
        row = add_row(
            tbl, [measure["goal"], measure["text"], measure["schedule"], measure["responsible"], ""]
        )
        evaluation_cell(row_cells(tbl, row)[4], measure["indicators"], t, lang)


def evaluation_cell(cell, indicators: list[dict], t: dict, lang: str) -> None:
    """Each indicator: its description, baseline (value, year, source), target, readings, status."""
    first = True
    for ind in indicators:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        paragraph.add_run(ind["description"]).bold = True
        baseline = common.indicator_baseline(ind, lang)
        if baseline:
            cell.add_paragraph(f"{t['baseline']}: {baseline}")
        target = common.indicator_target(ind, lang)
        if target:
            cell.add_paragraph(f"{t['target']}: {target}")
        if ind["readings"]:
            readings = "; ".join(common.reading_text(r, ind, lang) for r in ind["readings"])
            cell.add_paragraph(f"{t['follow_up']}: {readings}")
        if ind["follow_up"] != "no_data":
            cell.add_paragraph(common.localized_label(ind["follow_up"], lang)).runs[0].italic = True


def result_section(doc, result: dict, t: dict, lang: str) -> None:
    doc.add_heading(result["title"], 2)
    if result.get("question") and result["question"] != result["title"]:
        doc.add_paragraph(result["question"])
    if result["kind"] == "scale":
        doc.add_paragraph(common.enps_text(result, lang))
        tbl = table(doc, [t["answer"], t["answers"]], numeric=(0, 1))
        for row in result["distribution"]:
            add_row(tbl, [str(row["value"]), str(row["count"])], (0, 1))
        return
    multiple = result["basis"] == "respondents"
    tbl = table(
        doc,
        [
            t["option"],
            t["chosen_by"] if multiple else t["answers"],
            t["share_respondents"] if multiple else t["share_answers"],
        ],
        numeric=(1, 2),
    )
    for option in result["options"]:
        add_row(tbl, [option["label"], str(option["votes"]), common.percent(option["percent"], lang)], (1, 2))
    note = t["note_respondents"] if multiple else t["note_answers"]
    if result.get("anonymous"):
        note = f"{note} {t['anonymous']}"
    doc.add_paragraph(note)


def participation_section(doc, part: dict, t: dict, lang: str) -> None:
    doc.add_heading(t["participation"], 1)
    period = common.period_text(part, lang)
    if period:
        doc.add_paragraph(period)
    tbl = table(doc, [t["stage"], t["people"], t["share_invited"]], numeric=(1, 2))
    add_row(tbl, [t["invited"], str(part["invited"]), "–"], (1, 2))
    add_row(tbl, [t["visited"], str(part["visited"]), common.rate(part.get("visited_rate"), lang)], (1, 2))
    contributed = common.rate(part.get("contributed_rate"), lang)
    add_row(tbl, [t["contributed"], str(part["contributed"]), contributed], (1, 2))


def follow_up_appendix(doc, programme: dict, t: dict, lang: str) -> None:
    """Every indicator theme by theme: baseline, the readings year by year, target, status."""
    years = common.reading_years(programme)
    doc.add_heading(t["follow_up_appendix"], 1)
    for index, theme in enumerate(programme["themes"], start=1):
        rows = [(m, i) for m in theme["measures"] for i in m["indicators"]]
        if not rows:
            continue
        doc.add_heading(common.title_of(theme, index), 2)
        headers = [t["measure"], t["indicator"], t["baseline"], *map(str, years), t["target"], t["status"]]
        numeric = tuple(range(3, 3 + len(years)))
        tbl = table(doc, headers, numeric=numeric)
        for measure, ind in rows:
            by_year = {r["year"]: r for r in ind["readings"]}
            add_row(
                tbl,
                [
                    measure["text"],
                    ind["description"],
                    common.indicator_baseline(ind, lang),
                    *(common.number(by_year[y]["value"], lang) if y in by_year else "" for y in years),
                    common.indicator_target(ind, lang),
                    common.localized_label(ind["follow_up"], lang),
                ],
                numeric,
            )


@cache
def _template() -> bytes:
    """python-docx's default template with only the styles this export uses.

    The default styles.xml holds 164 style definitions (438 KB, 100 of them table styles) and a
    438 KB copy of them for Word 2010 (stylesWithEffects.xml). Parsed for every document, that is
    some 5 MB of XML tree per export, freed only when the cyclic garbage collector runs, so a
    worker exporting a few documents in a row grew by 50 MB. The text and the look of the
    document do not change: every style it uses stays, with the styles it is based on or linked
    to, those the list definitions name, and the defaults; Word offers its built-in styles (the
    latent styles stay) as before.
    """
    doc = Document()
    root = doc.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in root.findall(qn("w:style"))}
    keep = {doc.styles[name].style_id for name in USED_STYLES}
    keep |= {style_id for style_id, style in by_id.items() if style.get(qn("w:default")) in ("1", "true")}
    # The list definitions name paragraph styles of their own (List Bullet 2, List Number, ...).
    keep |= {ref.get(qn("w:val")) for ref in doc.part.numbering_part.element.iter(qn("w:pStyle"))}
    pending = list(keep)
    while pending:
        style = by_id.get(pending.pop())
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = style.find(qn(tag)) if style is not None else None
            if ref is not None and ref.get(qn("w:val")) not in keep:
                keep.add(ref.get(qn("w:val")))
                pending.append(ref.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in keep:
            root.remove(style)
    for r_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(r_id)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _set_language(doc, lang: str) -> None:
    """Mark the text's language so Word checks the spelling in the right one."""
    r_pr = doc.styles["Normal"].element.get_or_add_rPr()
    element = OxmlElement("w:lang")
    element.set(qn("w:val"), LANGUAGE_TAGS.get(lang, lang))
    r_pr.append(element)
