"""Every comment, note and idea for analysis (issue 13, item 5): rows, anonymity and k, formula
injection, translated labels, the route for every role, bad input; and the programme workbook's
filters and translated labels."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from ideaspace.exports import content, xlsx
from ideaspace.models import (
    AuditLog,
    CommentLike,
    Comparator,
    IdeaStatus,
    MemberRole,
    Role,
    utcnow,
)
from ideaspace.sanitize import clean_html

INJECTION = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def ws(make, session):
    unit = make.unit("Varhaiskasvatus")
    workspace = make.workspace(slug="sisalto", title={"fi": "Sisältö"})
    theme = make.theme(workspace, title={"fi": "Osaaminen", "sv": "Kompetens", "en": "Skills"}, position=0)
    wall = make.activity(theme, kind="notes", title={"fi": "Muistiinpanoseinä"})
    moderator = make.user(role=Role.MODERATOR)
    make.member(workspace, moderator, MemberRole.MODERATOR)
    author = make.user(unit=unit, name="Maija Meikäläinen")
    make.member(workspace, author)
    idea = make.idea(
        workspace, author, theme=theme, title="Kokeilut", body=clean_html("<p>Idean <b>teksti</b></p>")
    )
    make.idea_support(idea, moderator)
    comment = make.comment(theme, author, body=clean_html(f"<p>{INJECTION}</p>"))
    session.add(CommentLike(comment_id=comment.id, user_id=moderator.id))
    reply = make.comment(theme, moderator, parent=comment, body=clean_html("<p>Vastaus</p>"))
    hidden = make.comment(idea, author, body=clean_html("<p>Piilotettu kommentti</p>"))
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "Asiaton"
    withdrawn = make.comment(theme, author, body=clean_html("<p>Peruttu kommentti</p>"))
    withdrawn.withdrawn_at = utcnow()
    note = make.note(wall, author, text="Muistiinpano")
    session.commit()
    return type(
        "Ws",
        (),
        {
            "workspace": workspace,
            "theme": theme,
            "wall": wall,
            "unit": unit,
            "moderator": moderator,
            "member": author,
            "idea": idea,
            "comment": comment,
            "reply": reply,
            "note": note,
        },
    )


def rows_by_kind(rows):
    return {(r.kind, r.text): r for r in rows}


def test_every_comment_note_and_idea_with_its_columns(ws):
    rows = content.content_rows(ws.workspace, "en")
    by = rows_by_kind(rows)
    idea = by[("idea", "Idean teksti")]
    assert (idea.theme, idea.title, idea.status, idea.count, idea.author) == (
        "Skills",
        "Kokeilut",
        "new",
        1,
        "Maija Meikäläinen",
    )
    comment = by[("comment", INJECTION)]
    assert (comment.count, comment.hidden, comment.unit, comment.author) == (
        1,
        False,
        "Varhaiskasvatus",
        "Maija Meikäläinen",
    )
    assert by[("reply", "Vastaus")].theme == "Skills"
    hidden = by[("comment", "Piilotettu kommentti")]
    assert hidden.hidden and hidden.hidden_reason == "Asiaton" and hidden.activity == "Idea: Kokeilut"
    withdrawn = [r for r in rows if r.status == "withdrawn"]
    assert [r.text for r in withdrawn] == [""]  # the author took it back: no text
    note = by[("note", "Muistiinpano")]
    assert note.activity == "Muistiinpanoseinä" and note.count is None
    assert isinstance(note.when, datetime)


def test_anonymous_items_show_no_author_no_time_and_a_unit_only_for_k(ws, make, session):
    """Anonymous rows: no author, the day only, a unit or a day only for at least k items, and in
    an order that says nothing about when they were written (by text within the day)."""
    texts = ["e", "c", "a", "d", "b"]  # k = 5 written on the same day, in this order
    for text in texts:
        make.note(ws.wall, None, text=text, unit_id=ws.unit.id)
    lonely = make.note(ws.wall, None, text="yksin", unit_id=ws.unit.id)
    lonely.created_at = datetime(2022, 9, 1, 12, 0, tzinfo=lonely.created_at.tzinfo)
    session.commit()
    rows = [r for r in content.content_rows(ws.workspace, "fi") if r.anonymous]
    assert all(r.author == "" for r in rows)
    today = [r for r in rows if r.text in texts]
    assert [r.text for r in today] == sorted(texts)
    assert all(type(r.when) is date for r in today) and {r.unit for r in today} == {"Varhaiskasvatus"}
    [alone] = [r for r in rows if r.text == "yksin"]
    assert alone.when is None and alone.unit == ""  # one item on that day: neither day nor unit


def test_the_number_of_queries_does_not_grow(ws, make, session, count_queries):
    with count_queries() as few:
        content.content_rows(ws.workspace, "fi")
    for i in range(20):
        make.comment(ws.theme, make.user(), body=clean_html(f"<p>Lisää {i}</p>"))
        make.note(ws.wall, None, text=f"n{i}")
    session.commit()
    with count_queries() as many:
        content.content_rows(ws.workspace, "fi")
    assert len(many) == len(few)


def csv_rows(data) -> list[list[str]]:
    text = b"".join(data).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_neutralises_formulas_and_uses_stable_codes(ws):
    rows = csv_rows(content.render_csv(ws.workspace, "fi"))
    assert rows[0] == list(content.CSV_HEADER)
    [comment] = [r for r in rows if r[2] == "comment" and "HYPERLINK" in r[4]]
    assert comment[4] == "'" + INJECTION
    assert {r[2] for r in rows[1:]} == {"idea", "comment", "reply", "note"}
    assert {r[8] for r in rows[1:]} == {"yes", "no"}


RAW_CODES = {
    "idea",
    "comment",
    "reply",
    "note",
    "published",
    "withdrawn",
    "new",
    "under_review",
    "accepted",
    "merged",
    "not_taken",
    "yes",
    "no",
    "qualitative",
    "in_programme",
    "single_choice",
    "multiple_choice",
    "scale",
    "met",
    "on_track",
    "not_met",
    "no_data",
    "answers",
    "respondents",
}


def all_values(book) -> list:
    return [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_xlsx_is_translated_filtered_and_never_a_formula(ws, session, language):
    ws.idea.status = IdeaStatus.UNDER_REVIEW
    session.commit()
    book = openpyxl.load_workbook(io.BytesIO(content.render_xlsx(ws.workspace, language)))
    [sheet] = book.worksheets
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:L{sheet.max_row}"
    values = all_values(book)
    assert not RAW_CODES & {v for v in values if isinstance(v, str)}
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == INJECTION)
    assert cell.data_type == "s"  # stored as text: never evaluated
    if language == "en":
        assert [c.value for c in sheet[1]][:3] == ["Theme", "Activity", "Kind"]
        assert {"Idea", "Comment", "Reply", "Note", "Under review", "Yes", "No"} <= set(values)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_programme_workbook_has_filters_and_no_raw_codes(programme_fi, language):
    programme = {**programme_fi, "language": language}
    comparators = {
        i["comparator"] for t in programme["themes"] for m in t["measures"] for i in m["indicators"]
    }
    assert Comparator.QUALITATIVE.value in comparators  # the case the issue found
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(programme)))
    for sheet in book.worksheets:
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    assert not RAW_CODES & {v for v in all_values(book) if isinstance(v, str)}


# --- the route ----------------------------------------------------------------------------------


CSV_URL = "/w/sisalto/export/content.csv?lang=fi"
XLSX_URL = "/w/sisalto/export/content.xlsx?lang=en"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("participant", 403),
        ("outsider", 403),
        ("observer", 403),  # observers read results, not every raw contribution
        ("other_moderator", 403),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_content_downloads_by_role(client, login, make, ws, role, status):
    login(make.person_in_role(role, member=ws.member, moderator=ws.moderator))
    assert client.get(CSV_URL).status_code == status
    assert client.get(XLSX_URL).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, ws):
    for url in (CSV_URL, XLSX_URL):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_download_headers_and_audit(client, login, ws, session):
    login(ws.moderator)
    response = client.get(CSV_URL)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sisalto-content-fi.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Piilotettu kommentti" in response.get_data(as_text=True)
    response = client.get(XLSX_URL)
    assert response.headers["Content-Disposition"] == 'attachment; filename="sisalto-content-en.xlsx"'
    openpyxl.load_workbook(io.BytesIO(response.data))
    entries = session.scalars(select(AuditLog).where(AuditLog.action == "workspace.export_content")).all()
    assert len(entries) == 2


@pytest.mark.parametrize(
    "url",
    [
        "/w/sisalto/export/content.json",
        "/w/sisalto/export/content.docx",
        "/w/sisalto/export/content.csv?lang=de",
        "/w/ei-ole/export/content.csv",
    ],
)
def test_bad_input_is_404(client, login, ws, url):
    login(ws.moderator)
    assert client.get(url).status_code == 404


def test_another_workspaces_content_is_not_exported(client, login, make, ws, session):
    other = make.workspace(slug="toinen")
    make.comment(make.theme(other), make.user(), body=clean_html("<p>Toisen työtilan kommentti</p>"))
    session.commit()
    login(ws.moderator)
    assert client.get("/w/toinen/export/content.csv").status_code == 403
    assert "Toisen työtilan" not in client.get(CSV_URL).get_data(as_text=True)
