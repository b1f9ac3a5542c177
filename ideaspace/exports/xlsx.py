"""The programme as a workbook (openpyxl): sheets of measures, indicators with their yearly
readings, activity results and participation.

Numbers are numbers (percentages with the number format 0.00, readings and targets as decimals),
text is always text: a cell someone typed as "=..." is stored as a string, never a formula. Each
sheet has a bold, frozen header row and set column widths; sheet names and headers are in the
document's language, as is every value from a fixed list (statuses, kinds, comparators: never a
raw code such as "qualitative"); every table has filters.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font

from . import common

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT_FORMAT = "0.00"
DECIMAL_FORMAT = "0.##"
INVALID_SHEET_CHARACTERS = str.maketrans({c: " " for c in "[]:*?/\\"})
# Shared by every text cell: openpyxl stores each distinct style once, so one object will do.
WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)


def render(programme: dict) -> bytes:
    """The programme as XLSX bytes."""
    lang = programme["language"]
    t = common.labels(lang)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = programme["workspace"]["title"]
    wb.properties.language = lang
    measures_sheet(wb, programme, t, lang)
    indicators_sheet(wb, programme, t, lang)
    results_sheet(wb, programme, t, lang)
    participation_sheet(wb, programme, t)
    for ws in wb.worksheets:
        # Filters over each table: the participation sheet's period row below its table stays out.
        last = min(ws.max_row, 4) if ws.title == sheet_title(t["participation"]) else ws.max_row
        ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=ws.max_column).column_letter}{last}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_title(title: str) -> str:
    return title.translate(INVALID_SHEET_CHARACTERS)[:31]


def sheet(wb, title: str, headers: list[str], widths: list[int]):
    ws = wb.create_sheet(sheet_title(title))
    ws.append(headers)
    for cell in ws[1]:
        cell.font = BOLD
        cell.alignment = WRAP
    ws.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = width
    return ws


def append(ws, values: list, formats: dict[int, str] | None = None) -> None:
    """A row whose strings stay strings and whose numbers get their number format."""
    ws.append(values)
    row = ws.max_row
    for index, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=index)
        if isinstance(value, str):
            cell.data_type = TYPE_STRING  # text, even when it starts with "=": never a formula
            cell.alignment = WRAP
        elif formats and index in formats and value is not None:
            cell.number_format = formats[index]


def measures_sheet(wb, programme: dict, t: dict, lang: str) -> None:
    ws = sheet(
        wb,
        t["measures"],
        [t["theme"], t["goal"], t["measure"], t["schedule"], t["responsible"], t["status"]],
        [36, 32, 48, 16, 28, 16],
    )
    for index, theme in enumerate(programme["themes"], start=1):
        for m in theme["measures"]:
            append(
                ws,
                [
                    common.title_of(theme, index),
                    m["goal"],
                    m["text"],
                    m["schedule"],
                    m["responsible"],
                    common.localized_label(m["status"], lang),
                ],
            )


def indicators_sheet(wb, programme: dict, t: dict, lang: str) -> None:
    years = common.reading_years(programme)
    headers = [
        t["theme"],
        t["measure"],
        t["indicator"],
        t["unit_of_measure"],
        t["baseline_year"],
        t["baseline_value"],
        t["source"],
        t["comparator"],
        t["target"],
        *(str(y) for y in years),
        t["follow_up"],
    ]
    widths = [36, 40, 40, 12, 10, 12, 24, 10, 24, *(10 for _ in years), 16]
    ws = sheet(wb, t["indicators"], headers, widths)
    formats = {6: DECIMAL_FORMAT, 9: DECIMAL_FORMAT, **{10 + i: DECIMAL_FORMAT for i in range(len(years))}}
    for index, theme in enumerate(programme["themes"], start=1):
        for m in theme["measures"]:
            for ind in m["indicators"]:
                by_year = {r["year"]: common.decimal(r["value"]) for r in ind["readings"]}
                target = common.decimal(ind["target_value"])
                if ind["comparator"] == "qualitative" or target is None:
                    target = ind.get("target_text") or None
                append(
                    ws,
                    [
                        common.title_of(theme, index),
                        m["text"],
                        ind["description"],
                        ind["unit_of_measure"] or None,
                        ind["baseline_year"],
                        common.decimal(ind["baseline_value"]),
                        ind["baseline_source"] or None,
                        common.localized_label(ind["comparator"], lang),
                        target,
                        *(by_year.get(y) for y in years),
                        common.localized_label(ind["follow_up"], lang),
                    ],
                    formats,
                )


def results_sheet(wb, programme: dict, t: dict, lang: str) -> None:
    ws = sheet(
        wb,
        t["results"],
        [
            t["theme"],
            t["activity"],
            t["kind"],
            t["option"],
            t["votes"],
            t["respondents"],
            t["percent"],
            t["basis"],
        ],
        [36, 44, 16, 44, 10, 12, 10, 16],
    )
    for row in common.result_rows(programme):
        basis = {
            "answers": t["share_answers"],
            "respondents": t["share_respondents"],
            "enps": "eNPS",
        }[row["basis"]]
        append(
            ws,
            [
                row["theme"],
                row["activity"],
                common.localized_label(row["kind"], lang),
                row["option"],
                row["votes"],
                row["respondents"],
                row["percent"],
                basis,
            ],
            {7: PERCENT_FORMAT},
        )


def participation_sheet(wb, programme: dict, t: dict) -> None:
    part = programme["participation"]
    ws = sheet(wb, t["participation"], [t["stage"], t["people"], t["share_invited"]], [20, 10, 16])
    append(ws, [t["invited"], part["invited"], None])
    append(ws, [t["visited"], part["visited"], common.decimal(part.get("visited_rate"))], {3: "0.0"})
    append(
        ws, [t["contributed"], part["contributed"], common.decimal(part.get("contributed_rate"))], {3: "0.0"}
    )
    if part.get("opens_on") or part.get("closes_on"):
        append(ws, [])
        dates = [date.fromisoformat(d) if d else None for d in (part.get("opens_on"), part.get("closes_on"))]
        append(ws, [t["period"], *dates], {2: "yyyy-mm-dd", 3: "yyyy-mm-dd"})
