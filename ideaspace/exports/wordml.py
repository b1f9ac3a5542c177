"""WordprocessingML that python-docx has no API for: A4 sections in either orientation, fields
(PAGE, TOC), "update fields on open", column widths from the content, styles taken over from
the default template into an organisation's own, and the document's language."""

from __future__ import annotations

import io
from functools import cache

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

from .charts import font

A4 = (Twips(11906), Twips(16838))  # 210 × 297 mm, in the twentieths of a point Word stores
# Portrait: a binding margin on the left; landscape: the wide tables get the room.
MARGINS = {
    False: {"top": Mm(25), "bottom": Mm(22), "left": Mm(25), "right": Mm(20)},
    True: {"top": Mm(20), "bottom": Mm(18), "left": Mm(20), "right": Mm(20)},
}
HEADER_DISTANCE, FOOTER_DISTANCE = Mm(12), Mm(10)
CELL_PADDING = Mm(4.6)  # Word's default cell margins (1.9 mm each side), the borders, and some air


# --- pages and sections --------------------------------------------------------------------


def page_setup(section, landscape: bool = False) -> None:
    """A4 in the given orientation, with its margins."""
    width, height = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side, value in MARGINS[landscape].items():
        setattr(section, f"{side}_margin", value)
    section.header_distance, section.footer_distance = HEADER_DISTANCE, FOOTER_DISTANCE


def new_section(doc, landscape: bool = False):
    """Start a new page in a section of its own orientation (headers and footers carry over)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    page_setup(section, landscape)
    section.different_first_page_header_footer = False
    return section


def is_landscape(doc) -> bool:
    return doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE


def text_width(section) -> int:
    """The width between the margins, in EMU."""
    return section.page_width - section.left_margin - section.right_margin


def clear_body(doc) -> None:
    """Remove a template's content, keeping its last section's page setup, headers and footers."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


# --- fields ---------------------------------------------------------------------------------


def _field_char(paragraph, kind: str, dirty: bool = False) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    if dirty:
        element.set(qn("w:dirty"), "true")  # "the shown result is stale": Word updates it
    paragraph.add_run()._r.append(element)


def field(paragraph, instruction: str, shown: str = "", *, dirty: bool = False) -> None:
    """A field (PAGE, TOC, ...) with `shown` as its last computed result."""
    _field_char(paragraph, "begin", dirty)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    _field_char(paragraph, "separate")
    if shown:
        paragraph.add_run(shown)
    _field_char(paragraph, "end")


def has_field(part_element, instruction: str) -> bool:
    """Whether a header, footer or body holds a field of this kind (complex or simple)."""
    for instr in part_element.iter(qn("w:instrText")):
        if (instr.text or "").split()[:1] == [instruction]:
            return True
    return any(
        (simple.get(qn("w:instr")) or "").split()[:1] == [instruction]
        for simple in part_element.iter(qn("w:fldSimple"))
    )


def update_fields_on_open(doc) -> None:
    """Ask Word to update the fields (the table of contents, page numbers) when it opens the file."""
    settings = doc.settings.element
    element = settings.find(qn("w:updateFields"))
    if element is None:
        element = OxmlElement("w:updateFields")
        # CT_Settings is a sequence: updateFields goes before these (ECMA-376 §17.15.1.78).
        later = settings.xpath("w:hdrShapeDefaults|w:footnotePr|w:endnotePr|w:compat|w:docVars|w:rsids")
        if later:
            later[0].addprevious(element)
        else:
            settings.append(element)
    element.set(qn("w:val"), "true")


def is_empty(story) -> bool:
    """A header or footer with no text, picture or field of its own."""
    element = story._element
    return not (
        "".join(t.text or "" for t in element.iter(qn("w:t"))).strip()
        or next(element.iter(qn("w:drawing")), None) is not None
        or next(element.iter(qn("w:pict")), None) is not None
        or next(element.iter(qn("w:fldSimple")), None) is not None
        or next(element.iter(qn("w:instrText")), None) is not None
    )


# --- tables ---------------------------------------------------------------------------------


def repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def table_look(table, *, first_column: bool) -> None:
    """Which parts of the table style apply: the header row and banded rows, and the first
    column only where it names the row."""
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    flags = {
        "firstRow": 1,
        "lastRow": 0,
        "firstColumn": int(first_column),
        "lastColumn": 0,
        "noHBand": 0,
        "noVBand": 1,
    }
    for key, value in flags.items():
        look.set(qn(f"w:{key}"), str(value))
    # The legacy bit mask, for Word 2007 (ECMA-376 2nd edition §17.7.6): 0x20 header row,
    # 0x80 first column, 0x400 no vertical banding.
    look.set(qn("w:val"), f"{0x20 | (0x80 if first_column else 0) | 0x400:04X}")


def keep_with_next(table) -> None:
    """Keep a short table on the page of what follows it (its chart), where it fits."""
    for paragraph in table._tbl.iter(qn("w:p")):
        p_pr = paragraph.get_or_add_pPr()
        p_pr.keepNext_val = True


def cant_split(row) -> None:
    """Keep a row on one page where it fits (Word moves it whole to the next)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.insert(0, OxmlElement("w:cantSplit"))


def set_widths(table, widths: list[int]) -> None:
    """Fixed column widths (EMU): the grid, every cell, and a fixed layout so Word and LibreOffice
    keep them instead of squeezing a column to its longest word's pieces."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(widths) // 635))  # EMU → twentieths of a point
    for grid_col, width in zip(tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid_col.w = width
    for tr in tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, widths, strict=False):
            tc.width = width


def word_length(text: str, size_pt: float, bold: bool = False) -> float:
    """The width of the longest word of `text`, in EMU, measured in DejaVu Sans (wider than
    Calibri or Arial, so a word that fits here fits in the fonts HR's Word uses)."""
    words = text.split()
    if not words:
        return 0
    fnt = font(size_pt, bold)
    widest = max(fnt.getlength(word) for word in words)
    return widest / fnt.size * Pt(size_pt)


def widths_from_content(columns: list[list[tuple[str, bool]]], total: int, size_pt: float) -> list[int]:
    """Column widths that fit every column's longest word, the rest shared by how much text each
    column holds (a column's share grows with the square root of its text, so a long evaluation
    column does not starve the short ones).

    `columns` holds, per column, its texts with whether they are bold. When even the longest words
    do not fit side by side, every column gets its longest word's share of the width.
    """
    minimum = [
        max((word_length(text, size_pt, bold) for text, bold in column), default=0) + CELL_PADDING
        for column in columns
    ]
    weight = [max(sum(len(text) for text, _ in column), 1) ** 0.5 for column in columns]
    room = total - sum(minimum)
    if room <= 0:
        return [int(total * m / sum(minimum)) for m in minimum]
    return [int(m + room * w / sum(weight)) for m, w in zip(minimum, weight, strict=True)]


# --- styles ---------------------------------------------------------------------------------


def ensure_styles(doc, names: tuple[str, ...], source: bytes) -> None:
    """Give `doc` each named style it lacks (with what the style is based on and linked to),
    copied from the document `source`; the styles `doc` has stay as they are.

    An organisation's template saved by Word defines only the styles it has used or changed;
    Word knows its other built-in styles, python-docx does not.
    """
    available = _styles_of(source)
    root = doc.styles.element
    have = {style.get(qn("w:styleId")) for style in root.findall(qn("w:style"))}
    have_names = {
        (style.find(qn("w:name")).get(qn("w:val")) or "").lower()
        for style in root.findall(qn("w:style"))
        if style.find(qn("w:name")) is not None
    }
    pending = [available["names"][name.lower()] for name in names if name.lower() not in have_names]
    while pending:
        style_id = pending.pop()
        if style_id in have or style_id not in available["ids"]:
            continue
        element = parse_xml(available["ids"][style_id])
        numbering = element.find(qn("w:pPr") + "/" + qn("w:numPr"))
        if numbering is not None:
            # A list style names a numbering definition of the source's: not this document's.
            numbering.getparent().remove(numbering)
        root.append(element)
        have.add(style_id)
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = element.find(qn(tag))
            if ref is not None:
                pending.append(ref.get(qn("w:val")))


@cache
def _styles_of(source: bytes) -> dict:
    """The style definitions of a document as XML text, by id and by lower-case name."""
    doc = Document(io.BytesIO(source))
    ids, names = {}, {}
    for style in doc.styles.element.findall(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        ids[style_id] = style.xml
        name = style.find(qn("w:name"))
        if name is not None:
            names[name.get(qn("w:val")).lower()] = style_id
    return {"ids": ids, "names": names}


def prune_styles(doc, keep_names: tuple[str, ...]) -> None:
    """Remove the style definitions the document does not use (python-docx's default template
    holds 164, 100 of them for tables), keeping what the kept ones are based on or linked to,
    the defaults and the list definitions' styles; Word still offers every built-in style."""
    root = doc.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in root.findall(qn("w:style"))}
    keep = {doc.styles[name].style_id for name in keep_names if name in doc.styles}
    keep |= {style_id for style_id, style in by_id.items() if style.get(qn("w:default")) in ("1", "true")}
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


def set_language(doc, tag: str) -> None:
    """The text's language in the document defaults, so Word checks the spelling in it."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    r_pr_default = defaults.find(qn("w:rPrDefault"))
    if r_pr_default is None:
        r_pr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, r_pr_default)
    r_pr = r_pr_default.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = OxmlElement("w:rPr")
        r_pr_default.append(r_pr)
    run_language(r_pr, tag)


def run_language(r_pr, tag: str) -> None:
    """Set w:lang in a run's properties, in its place in the sequence (ECMA-376 §17.3.2.28)."""
    element = r_pr.find(qn("w:lang"))
    if element is None:
        element = OxmlElement("w:lang")
        later = r_pr.xpath("w:eastAsianLayout|w:specVanish|w:oMath")
        if later:
            later[0].addprevious(element)
        else:
            r_pr.append(element)
    element.set(qn("w:val"), tag)


def border(element_pr, side: str, colour: str, size_eighths: int = 12, space: int = 8) -> None:
    """A paragraph border (a block quote's bar on the left), replacing one on the same side."""
    borders = element_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr comes right after the keep/page-break flags and numbering in CT_PPrBase.
        later = element_pr.xpath("w:shd|w:tabs|w:suppressAutoHyphens|w:spacing|w:ind|w:jc|w:outlineLvl")
        if later:
            later[0].addprevious(borders)
        else:
            element_pr.append(borders)
    for old in borders.findall(qn(f"w:{side}")):
        borders.remove(old)
    line = OxmlElement(f"w:{side}")
    for key, value in (
        ("val", "single"),
        ("sz", str(size_eighths)),
        ("space", str(space)),
        ("color", colour),
    ):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)
