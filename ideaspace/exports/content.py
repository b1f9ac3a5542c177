"""Every comment, note and idea of a workspace, for the moderators' own analysis: CSV and XLSX.

One row per item: theme, activity (or the measure or idea a comment is on), kind, title, text
(plain text of the sanitized HTML), date, status, likes or supporters, hidden (and why), unit and
author. Hidden items are included and marked (moderators analyse everything; nothing here goes
into the programme); a comment its author withdrew keeps its row but not its text.

Anonymous items (DESIGN: anonymity is real, k in every output):
- never an author;
- only what the ballot box stored at publication: the day (never the time) and the unit; a
  unit shown for fewer than k anonymous items of a day, or a day shown for fewer than k anonymous
  items, is left empty (older rows written before the ballot box are as safe as the new ones);
- never ordered by anything finer than the day: within a theme, activity, kind and day, anonymous
  items are sorted by their text, not by their id or time (the order they were published in).

The rows come from the same statements as the workspace JSON (`Exporter.moderated_rows`), plus one
query each for the themes, activities, measures, units, authors, likes and supports: nine in all,
whatever the size. The CSV is streamed; the workbook is written in openpyxl's write-only mode.

CSV (for other tools): UTF-8 with a byte-order mark (so spreadsheet programs read ä and ö), a
header of stable English names, codes for kind, status and hidden, ISO dates in UTC. XLSX (for
people): every header, sheet name and value in the document's language, a frozen header with
filters. In both, text that people typed never becomes a formula (`common.safe_cell`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy import func, select, union

from ..anonymity import group_size
from ..extensions import db
from ..i18n import localize
from ..models import (
    Activity,
    Comment,
    CommentLike,
    Idea,
    IdeaSupport,
    Measure,
    Note,
    Theme,
    Unit,
    User,
    Workspace,
)
from ..sanitize import html_to_text
from ..transfer.exporter import Exporter
from . import common

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
CSV_HEADER = (
    "theme",
    "activity",
    "kind",
    "title",
    "text",
    "date",
    "status",
    "likes_or_supporters",
    "hidden",
    "hidden_reason",
    "unit",
    "author",
)
KIND_ORDER = {"idea": 0, "comment": 1, "reply": 1, "note": 2}


@dataclass
class ContentRow:
    theme: str
    activity: str
    kind: str  # idea, comment, reply, note
    title: str
    text: str
    when: datetime | date | None  # a named item's time (UTC); an anonymous item's day, or None
    status: str  # an IdeaStatus value, "published" or "withdrawn"
    count: int | None  # likes of a comment, supporters of an idea
    hidden: bool
    hidden_reason: str
    unit: str
    unit_id: int | None
    author: str
    anonymous: bool
    order: tuple  # where it sorts (never finer than the day for anonymous items)


def content_rows(workspace: Workspace, language: str) -> list[ContentRow]:
    """Every idea, comment and note of the workspace as rows, sorted (see the module's docstring)."""
    primary = workspace.primary_language
    ws_id = workspace.id

    def text(value) -> str:
        return localize(value, primary, language)

    themes = {
        row.id: (row.position, text(row.title))
        for row in db.session.execute(
            select(Theme.id, Theme.position, Theme.title).where(Theme.workspace_id == ws_id)
        )
    }
    activities = {
        row.id: (row.theme_id, row.position, text(row.title))
        for row in db.session.execute(
            select(Activity.id, Activity.theme_id, Activity.position, Activity.title)
            .join(Theme, Theme.id == Activity.theme_id)
            .where(Theme.workspace_id == ws_id)
        )
    }
    measures = {
        row.id: (row.theme_id, text(row.text))
        for row in db.session.execute(
            select(Measure.id, Measure.theme_id, Measure.text)
            .join(Theme, Theme.id == Measure.theme_id)
            .where(Theme.workspace_id == ws_id)
        )
    }
    ideas = Exporter.moderated_rows(
        Idea, ws_id, Idea.id, Idea.title, Idea.body, Idea.theme_id, Idea.author_id, Idea.unit_id,
        Idea.status, Idea.created_at,
    )  # fmt: skip
    comments = Exporter.moderated_rows(
        Comment, ws_id, Comment.id, Comment.parent_id, Comment.theme_id, Comment.measure_id,
        Comment.activity_id, Comment.idea_id, Comment.body, Comment.author_id, Comment.unit_id,
        Comment.created_at, Comment.withdrawn_at,
    )  # fmt: skip
    notes = Exporter.moderated_rows(
        Note, ws_id, Note.id, Note.activity_id, Note.text, Note.author_id, Note.unit_id, Note.created_at
    )
    likes = dict(
        db.session.execute(
            select(CommentLike.comment_id, func.count())
            .join(Comment, Comment.id == CommentLike.comment_id)
            .where(Comment.workspace_id == ws_id)
            .group_by(CommentLike.comment_id)
        ).all()
    )
    supporters = dict(
        db.session.execute(
            select(IdeaSupport.idea_id, func.count())
            .join(Idea, Idea.id == IdeaSupport.idea_id)
            .where(Idea.workspace_id == ws_id)
            .group_by(IdeaSupport.idea_id)
        ).all()
    )
    units = {
        row.id: localize(row.name, "fi", language) for row in db.session.execute(select(Unit.id, Unit.name))
    }
    authors = union(
        *(select(model.author_id).where(model.workspace_id == ws_id) for model in (Idea, Comment, Note))
    ).subquery()
    names = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(select(authors.c[0])))).all()
    )

    with force_locale(language):
        on_measure, on_idea = _("Measure: %(text)s"), _("Idea: %(text)s")
    idea_titles = {i.id: (i.theme_id, i.title) for i in ideas}
    no_theme = (len(themes) + 1, "")

    def place(theme_id, activity_id=None, label_text="") -> tuple[tuple, str, str]:
        """(sort key, theme title, activity column) of an item."""
        position, title = themes.get(theme_id, no_theme)
        if activity_id is not None and activity_id in activities:
            _theme, activity_position, activity_title = activities[activity_id]
            return (position, theme_id or 0, activity_position, activity_id), title, activity_title
        return (position, theme_id or 0, -1, 0), title, label_text

    rows: list[ContentRow] = []

    def add(kind, where, title, body, author_id, unit_id, created_at, status, count, row) -> None:
        key, theme_title, activity_title = where
        anonymous = author_id is None
        rows.append(
            ContentRow(
                theme=theme_title,
                activity=activity_title,
                kind=kind,
                title=title,
                text=body,
                when=created_at.date() if anonymous else created_at,
                status=status,
                count=count,
                hidden=row.hidden_at is not None,
                hidden_reason=row.hidden_reason or "",
                unit=units.get(unit_id, ""),
                unit_id=unit_id,
                author="" if anonymous else names.get(author_id, ""),
                anonymous=anonymous,
                order=(*key, KIND_ORDER[kind], created_at.date()),
            )
        )

    for i in ideas:
        add("idea", place(i.theme_id), i.title, html_to_text(i.body), i.author_id, i.unit_id, i.created_at,
            i.status.value, supporters.get(i.id, 0), i)  # fmt: skip
    by_id = {c.id: c for c in comments}
    for c in comments:
        target = by_id.get(c.parent_id, c)  # a reply sits where the comment it answers sits
        if target.activity_id is not None:
            where = place(activities.get(target.activity_id, (None,))[0], target.activity_id)
        elif target.measure_id is not None:
            theme_id, measure_text = measures.get(target.measure_id, (None, ""))
            where = place(theme_id, label_text=on_measure % {"text": measure_text})
        elif target.idea_id is not None:
            theme_id, idea_title = idea_titles.get(target.idea_id, (None, ""))
            where = place(theme_id, label_text=on_idea % {"text": idea_title})
        else:
            where = place(target.theme_id)
        withdrawn = c.withdrawn_at is not None
        add("reply" if c.parent_id else "comment", where, "", "" if withdrawn else html_to_text(c.body),
            c.author_id, c.unit_id, c.created_at, "withdrawn" if withdrawn else "published",
            likes.get(c.id, 0), c)  # fmt: skip
    for n in notes:
        theme_id = activities.get(n.activity_id, (None,))[0]
        add("note", place(theme_id, n.activity_id), "", n.text, n.author_id, n.unit_id, n.created_at,
            "published", None, n)  # fmt: skip

    _coarsen(rows, group_size(workspace))
    # Named items by their time; anonymous ones by their text, never by id or time (see above).
    rows.sort(key=lambda r: (*r.order, r.anonymous, r.text if r.anonymous else r.when))
    return rows


def _coarsen(rows: list[ContentRow], k: int) -> None:
    """Anonymous items show a unit only for k items of that unit on that day, a day only for k items."""
    anonymous = [r for r in rows if r.anonymous]
    per_day = Counter(r.when for r in anonymous)
    per_cell = Counter((r.when, r.unit_id) for r in anonymous)
    for r in anonymous:
        if per_cell[(r.when, r.unit_id)] < k:
            r.unit = ""
        if per_day[r.when] < k:
            r.when = None
        r.order = (*r.order[:-1], r.when or date.min)


# --- CSV ------------------------------------------------------------------------------------


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def render_csv(workspace: Workspace, language: str) -> Iterator[bytes]:
    """The rows as CSV, in chunks of about 64 KB (the rows are read first, the text as it is sent)."""
    rows = content_rows(workspace, language)

    def chunks() -> Iterator[bytes]:
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow(
                [
                    common.safe_cell(r.theme),
                    common.safe_cell(r.activity),
                    r.kind,
                    common.safe_cell(r.title),
                    common.safe_cell(r.text),
                    _iso(r.when),
                    r.status,
                    "" if r.count is None else r.count,
                    "yes" if r.hidden else "no",
                    common.safe_cell(r.hidden_reason),
                    common.safe_cell(r.unit),
                    common.safe_cell(r.author),
                ]
            )
            if out.tell() > 64 * 1024:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode("utf-8")

    return chunks()


# --- XLSX -----------------------------------------------------------------------------------


def render_xlsx(workspace: Workspace, language: str) -> bytes:
    """The rows as a workbook of one sheet, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.utils import get_column_letter

    from .xlsx import BOLD, WRAP

    rows = content_rows(workspace, language)
    with force_locale(language):
        headers = [
            _("Theme"),
            _("Activity"),
            _("Kind"),
            _("Title"),
            _("Text"),
            _("Date (UTC)"),
            _("Status"),
            _("Likes or supporters"),
            _("Hidden"),
            _("Reason for hiding"),
            _("Unit"),
            _("Author"),
        ]
        kinds = {
            "idea": _("Idea"),
            "comment": _("Comment"),
            "reply": pgettext("a reply to a comment", "Reply"),
            "note": pgettext("a note on a notes wall", "Note"),
        }
        statuses = {"published": _("Published"), "withdrawn": _("Withdrawn by the author")}
        yes, no = _("Yes"), _("No")
        title = _("Content")
    widths = [30, 30, 12, 30, 70, 16, 18, 12, 8, 30, 24, 24]
    book = Workbook(write_only=True)
    book.properties.title = title
    book.properties.language = language
    ws = book.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"

    def cell(value, number_format: str | None = None):
        c = WriteOnlyCell(ws, value=naive_utc(value))
        if isinstance(value, str):
            c.data_type = TYPE_STRING  # text, even when it starts with "=": never a formula
            c.alignment = WRAP
        elif number_format and value is not None:
            c.number_format = number_format
        return c

    header_cells = []
    for text in headers:
        c = cell(text)
        c.font = BOLD
        header_cells.append(c)
    ws.append(header_cells)
    for r in rows:
        status = statuses.get(r.status) or common.localized_label(r.status, language)
        ws.append(
            [
                cell(r.theme),
                cell(r.activity),
                cell(kinds[r.kind]),
                cell(r.title),
                cell(r.text),
                cell(r.when, "yyyy-mm-dd hh:mm" if isinstance(r.when, datetime) else "yyyy-mm-dd"),
                cell(status),
                cell(r.count),
                cell(yes if r.hidden else no),
                cell(r.hidden_reason),
                cell(r.unit),
                cell(r.author),
            ]
        )
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(workspace: Workspace, fmt: str, language: str) -> str:
    """slug-content-fi.csv (only letters, digits and dashes, like the programme's files)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", workspace.slug.lower()).strip("-") or "workspace"
    return f"{slug}-content-{language}.{fmt}"


def naive_utc(value):
    """Spreadsheets have no time zones: a UTC time is written as it reads in UTC (the header says so)."""
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value
