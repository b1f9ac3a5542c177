"""The statistics as JSON, CSV and XLSX: the same numbers as the page, for the CLI and downloads.

CSV is for other tools, not for Excel: comma-separated, decimal points, ISO dates, one number per
row (`section,id,name,group,measure,value`), so it can be read without knowing a layout. The
download starts with a UTF-8 byte-order mark so that spreadsheet programs that do open it read
ä and ö right; the CLI prints it without one. People who want a spreadsheet get the XLSX, with a
sheet per table (Funnel, Themes, Activities, Units, Daily: names and headers in the reader's
language), each with a filter.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _

from ..i18n import localize
from ..labels import label
from .service import UnitRow, WorkspaceStatistics

CSV_HEADER = ("section", "id", "name", "group", "measure", "value")
DAILY_FIELDS = (
    "visits",
    "new_contributors",
    "comments",
    "answers",
    "notes",
    "ideas",
    "supports",
    "contributions",
)
COUNT_FIELDS = ("comments", "answers", "notes", "ideas", "supports")


# --- names shown for rows (also used by the page) -------------------------------------------


def theme_title(row, language: str, primary: str = "fi") -> str:
    if row.id is None:
        return _("No theme")
    return localize(row.title, primary, language)


def unit_name(row: UnitRow, language: str, min_size: int, with_parent: bool = True) -> str:
    """The unit's name, after its department's ("Department / Unit") unless `with_parent` is false."""
    if row.is_other:
        if row.merged_larger:
            return _("Other units, combined so that no group has fewer than %(min)d people", min=min_size)
        return _("Other units (fewer than %(min)d people each)", min=min_size)
    if row.unit_id is None:
        return _("No unit")
    name = localize(row.name, "fi", language)
    if row.parent_name and with_parent:
        return f"{localize(row.parent_name, 'fi', language)} / {name}"
    return name


def _number(rate: Decimal | None) -> float | None:
    return float(rate) if rate is not None else None


# --- JSON -----------------------------------------------------------------------------------


def to_json(stats: WorkspaceStatistics, language: str, primary: str = "fi", communities=()) -> dict:
    funnel = stats.funnel
    data = {
        "workspace": stats.slug,
        "invited": funnel.invited,
        "visited": funnel.visited,
        "contributed": funnel.contributed,
        "visited_rate": _number(funnel.visited_rate),
        "contributed_rate": _number(funnel.contributed_rate),
        "uninvited_visited": funnel.uninvited_visited,
        "uninvited_contributed": funnel.uninvited_contributed,
        "min_group_size": stats.min_group_size,
        "themes": [
            {
                "id": theme.id,
                "title": theme_title(theme, language, primary),
                **{name: getattr(theme, name) for name in COUNT_FIELDS},
                "activities": [
                    {
                        "id": activity.id,
                        "title": localize(activity.title, primary, language),
                        "kind": activity.kind.value,
                        "anonymous": activity.is_anonymous,
                        "comments": activity.comments,
                        "answers": activity.answers,
                        "notes": activity.notes,
                    }
                    for activity in theme.activities
                ],
            }
            for theme in stats.themes
        ],
        "units": [
            {
                "id": row.unit_id,
                "name": unit_name(row, language, stats.min_group_size),
                "other": row.is_other,
                "merged_units": row.merged_units,
                "invited": row.invited,
                "visited": row.visited,
                "contributed": row.contributed,
                "visited_rate": _number(row.visited_rate),
                "contributed_rate": _number(row.contributed_rate),
            }
            for row in stats.units
        ],
        "daily": [
            {"date": day.day.isoformat(), **{name: getattr(day, name) for name in DAILY_FIELDS}}
            for day in stats.daily
        ],
    }
    # Live workshops (ideaspace/workshops): sessions and guest devices that contributed, per unit.
    data["work_communities"] = [
        {"unit_id": c.unit.id if c.unit else None, "unit": _unit(c, language), **_community(c)}
        for c in communities
    ]
    return data


def _unit(community, language: str) -> str:
    return localize(community.unit.name, "fi", language) if community.unit else ""


def _community(community) -> dict:
    return {"sessions": community.sessions, "guests": community.guests}


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(stats: WorkspaceStatistics, language: str, primary: str = "fi", communities=()):
    """One number per row: (section, id, name, group, measure, value)."""
    funnel = stats.funnel
    for measure in (
        "invited",
        "visited",
        "contributed",
        "visited_rate",
        "contributed_rate",
        "uninvited_visited",
        "uninvited_contributed",
    ):
        yield ("funnel", "", "", "", measure, _plain(getattr(funnel, measure)))
    for theme in stats.themes:
        name = theme_title(theme, language, primary)
        for measure in COUNT_FIELDS:
            yield ("theme", _plain(theme.id), name, "", measure, getattr(theme, measure))
    for theme in stats.themes:
        group = theme_title(theme, language, primary)
        for activity in theme.activities:
            name = localize(activity.title, primary, language)
            for measure in ("comments", "answers", "notes"):
                yield ("activity", activity.id, name, group, measure, getattr(activity, measure))
    for row in stats.units:
        ident = "other" if row.is_other else _plain(row.unit_id)
        name = unit_name(row, language, stats.min_group_size)
        for measure in ("invited", "visited", "contributed", "visited_rate", "contributed_rate"):
            yield ("unit", ident, name, "", measure, _plain(getattr(row, measure)))
    for day in stats.daily:
        for measure in DAILY_FIELDS:
            yield ("daily", day.day.isoformat(), "", "", measure, getattr(day, measure))
    for community in communities:
        ident = _plain(community.unit.id) if community.unit else ""
        for measure, value in _community(community).items():
            yield ("work_community", ident, _unit(community, language), "", measure, value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    """Names people typed never start a formula when a spreadsheet opens the CSV (OWASP)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _plain(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value)
    return value


def to_csv(
    stats: WorkspaceStatistics, language: str, primary: str = "fi", bom: bool = False, communities=()
) -> str:
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for section, ident, name, group, measure, value in csv_rows(stats, language, primary, communities):
        writer.writerow((section, ident, _safe_text(name), _safe_text(group), measure, value))
    return out.getvalue()


# --- XLSX -----------------------------------------------------------------------------------


def to_xlsx(stats: WorkspaceStatistics, language: str, primary: str = "fi", communities=()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    percent = "0.0"

    def sheet(title: str, header: list[str], rows: list[list], rate_columns=(), widths=None):
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": never a formula
        for column in rate_columns:
            for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = percent
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions  # a filter on every table
        for index, width in enumerate(widths or [], start=1):
            ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = width
        return ws

    book.remove(book.active)
    funnel = stats.funnel
    sheet(
        _("Funnel"),
        [_("Stage"), _("People"), _("Share of invited (%)")],
        [
            [_("Invited"), funnel.invited, 100.0 if funnel.invited else None],
            [_("Visited"), funnel.visited, _number(funnel.visited_rate)],
            [_("Contributed"), funnel.contributed, _number(funnel.contributed_rate)],
            [_("Visited without an invitation"), funnel.uninvited_visited, None],
            [_("Contributed without an invitation"), funnel.uninvited_contributed, None],
        ],
        rate_columns=(3,),
        widths=[34, 10, 22],
    )
    count_header = [_("Comments"), _("Answers"), _("Notes"), _("Ideas"), _("Supports")]
    sheet(
        _("Themes"),
        [_("Theme"), *count_header, _("Total")],
        [
            [theme_title(t, language, primary), *(getattr(t, n) for n in COUNT_FIELDS), t.total]
            for t in stats.themes
        ],
        widths=[48, 12, 12, 12, 12, 12, 12],
    )
    sheet(
        _("Activities"),
        [_("Theme"), _("Activity"), _("Kind"), _("Anonymous"), _("Comments"), _("Answers"), _("Notes")],
        [
            [
                theme_title(t, language, primary),
                localize(a.title, primary, language),
                label(a.kind),
                _("Yes") if a.is_anonymous else _("No"),
                a.comments,
                a.answers,
                a.notes,
            ]
            for t in stats.themes
            for a in t.activities
        ],
        widths=[40, 40, 22, 12, 12, 12, 12],
    )
    sheet(
        _("Units"),
        [_("Unit"), _("Invited"), _("Visited"), _("Visited (%)"), _("Contributed"), _("Contributed (%)")],
        [
            [
                unit_name(u, language, stats.min_group_size),
                u.invited,
                u.visited,
                _number(u.visited_rate),
                u.contributed,
                _number(u.contributed_rate),
            ]
            for u in stats.units
        ],
        rate_columns=(4, 6),
        widths=[48, 10, 10, 12, 12, 16],
    )
    daily = sheet(
        _("Daily"),
        [_("Date"), _("Visits"), _("New contributors"), *count_header, _("Contributions")],
        [[d.day, *(getattr(d, n) for n in DAILY_FIELDS)] for d in stats.daily],
        widths=[12, 10, 16, 12, 12, 12, 12, 12, 14],
    )
    for (cell,) in daily.iter_rows(min_row=2, max_col=1):
        cell.number_format = "yyyy-mm-dd"
    if stats.daily:
        chart = BarChart()
        chart.title = _("Visits and contributions per day")
        last = len(stats.daily) + 1
        for column in (2, 9):
            chart.add_data(Reference(daily, min_col=column, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(daily, min_col=1, min_row=2, max_row=last))
        chart.width, chart.height = 24, 9
        daily.add_chart(chart, "K2")
    if communities:
        sheet(
            _("Work communities"),
            [_("Unit"), _("Sessions"), _("Guest participants")],
            [[_unit(c, language), c.sessions, c.guests] for c in communities],
            widths=[48, 12, 18],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
