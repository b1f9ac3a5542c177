"""Hidden, withdrawn, erased or merged content never reaches the programme (issue 13, item 4):
what drops out and why, in the preview and every export; the moderators' warning; published
versions keep what they had and say how much has since been hidden."""

from __future__ import annotations

import io
import json

import docx
import openpyxl
import pytest

from ideaspace.exports import FORMATS
from ideaspace.exports.service import export
from ideaspace.models import ActivityKind, ActivityStatus, IdeaStatus, MemberRole, Role, utcnow
from ideaspace.programme import versions
from ideaspace.programme.left_out import LeftOut, left_out, since_left_out
from ideaspace.programme.service import build_programme
from ideaspace.quotes import service as quotes
from ideaspace.sanitize import clean_html

HIDDEN_TEXT = "Salainen lainaus jota ei saa tulostaa"
VISIBLE_TEXT = "Näkyvä lainaus ohjelmaan"


def pick(p, kind, obj):
    source = quotes.get_source(p.workspace, kind, obj.id)
    return quotes.pick(
        p.moderator, p.workspace, source, theme_id=p.theme.id, excerpt=None, attribution="role", language="fi"
    )


@pytest.fixture
def sources(programme, make, session):
    """A visible quote, and one quote per kind of source, all picked while still visible."""
    p = programme
    author = make.user(name="Kirjoittaja")
    make.member(p.workspace, author)
    body = clean_html(f"<p>{HIDDEN_TEXT}</p>")
    wall = make.activity(p.theme, kind=ActivityKind.NOTES)
    idea = make.idea(p.workspace, author, theme=p.theme, body=body)
    objects = {
        "visible": ("comment", make.comment(p.theme, p.member, body=clean_html(f"<p>{VISIBLE_TEXT}</p>"))),
        "comment": ("comment", make.comment(p.theme, author, body=body)),
        "note": ("note", make.note(wall, author, text=HIDDEN_TEXT)),
        "idea": ("idea", idea),
        "idea_comment": ("comment", make.comment(idea, author, body=body)),
        "wall": ("note", make.note(wall, make.user(), text=HIDDEN_TEXT)),
    }
    picked = {name: pick(p, kind, obj) for name, (kind, obj) in objects.items()}
    session.flush()
    return {"objects": {name: obj for name, (_kind, obj) in objects.items()}, "quotes": picked, "wall": wall}


def hide(obj):
    obj.hidden_at = utcnow()
    obj.hidden_reason = "Asiaton"


STATES = {
    "hidden comment": ("comment", lambda s: hide(s["objects"]["comment"]), LeftOut.HIDDEN),
    "hidden note": ("note", lambda s: hide(s["objects"]["note"]), LeftOut.HIDDEN),
    "hidden idea": ("idea", lambda s: hide(s["objects"]["idea"]), LeftOut.HIDDEN),
    "withdrawn comment": (
        "comment",
        lambda s: setattr(s["objects"]["comment"], "withdrawn_at", utcnow()),
        LeftOut.WITHDRAWN,
    ),
    "merged idea": (
        "idea",
        lambda s: setattr(s["objects"]["idea"], "status", IdeaStatus.MERGED),
        LeftOut.MERGED,
    ),
    "erased author": (
        "comment",
        lambda s: setattr(s["objects"]["comment"].author, "erased_at", utcnow()),
        LeftOut.ERASED,
    ),
    "comment on a hidden idea": (
        "idea_comment",
        lambda s: hide(s["objects"]["idea"]),
        LeftOut.CONTEXT_HIDDEN,
    ),
    "note of an activity back in draft": (
        "wall",
        lambda s: setattr(s["wall"], "status", ActivityStatus.DRAFT),
        LeftOut.CONTEXT_HIDDEN,
    ),
}


@pytest.mark.parametrize("state", STATES)
def test_a_quote_drops_out_when_its_source_does(programme, sources, session, state):
    name, change, reason = STATES[state]
    quote = sources["quotes"][name]
    before = [q["id"] for q in build_programme(programme.workspace, "fi")["themes"][0]["quotes"]]
    assert quote.id in before
    change(sources)
    session.flush()
    after = [q["id"] for q in build_programme(programme.workspace, "fi")["themes"][0]["quotes"]]
    assert quote.id not in after
    assert sources["quotes"]["visible"].id in after  # the rest stays, in order
    items = [
        i for i in left_out(programme.workspace) if i.kind == "quote" and i.anchor == f"quote-{quote.id}"
    ]
    assert [i.reason for i in items] == [reason]


def test_nothing_is_left_out_while_everything_is_visible(programme, sources):
    assert left_out(programme.workspace) == []


def test_a_measure_from_a_hidden_idea_stays_without_its_credit(programme, make, session):
    p = programme
    idea = make.idea(p.workspace, p.member, theme=p.theme)
    p.measure.origin_idea_id = idea.id
    session.flush()
    session.expire_all()
    [measure] = [
        m for m in build_programme(p.workspace, "fi")["themes"][0]["measures"] if m["id"] == p.measure.id
    ]
    assert measure["origin_idea_id"] == idea.id
    hide(idea)
    session.flush()
    session.expire_all()
    [measure] = [
        m for m in build_programme(p.workspace, "fi")["themes"][0]["measures"] if m["id"] == p.measure.id
    ]
    assert measure["origin_idea_id"] is None and measure["text"] == "Anonyymi rekrytointi"
    [item] = left_out(p.workspace)
    assert (item.kind, item.reason, item.text) == ("origin", LeftOut.IDEA_HIDDEN, "Anonyymi rekrytointi")


def test_results_of_an_activity_back_in_draft_drop_out(programme, session):
    p = programme
    p.poll.status = ActivityStatus.DRAFT
    session.flush()
    results = build_programme(p.workspace, "fi")["themes"][0]["results"]
    assert [r["activity_id"] for r in results] == [p.scale.id]
    [item] = left_out(p.workspace)
    assert (item.kind, item.reason) == ("results", LeftOut.ACTIVITY_DRAFT)


def _text_of(fmt: str, data) -> str:
    data = data if isinstance(data, bytes) else b"".join(data)
    if fmt == "docx":
        document = docx.Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
    return data.decode("utf-8")


PROGRAMME_FORMATS = sorted(name for name, spec in FORMATS.items() if not spec.whole_workspace)


@pytest.mark.parametrize("fmt", PROGRAMME_FORMATS)
def test_no_format_prints_what_was_hidden(programme, sources, session, fmt):
    p = programme
    p.poll.title = {"fi": "Luonnokseksi palautettu kysely"}
    for change in ("comment", "note", "idea", "idea_comment", "wall"):
        hide(sources["objects"][change])
    p.poll.status = ActivityStatus.DRAFT
    session.flush()
    text = _text_of(fmt, export(p.moderator, p.workspace, fmt, "fi").data)
    assert HIDDEN_TEXT not in text
    assert "Luonnokseksi palautettu kysely" not in text
    if fmt in ("docx", "md", "html"):  # the formats that print quotes print the visible one
        assert VISIBLE_TEXT in text


def test_the_whole_workspace_json_keeps_the_hidden_source_marked_hidden(programme, sources, session):
    """The JSON is the backup that restores the workspace (DESIGN: nothing is lost), not the programme."""
    hide(sources["objects"]["comment"])
    session.flush()
    doc = json.loads(b"".join(export(programme.moderator, programme.workspace, "json", "fi").data))
    comments = doc["workspace"]["themes"][0]["comments"]
    hidden = [c for c in comments if HIDDEN_TEXT in c["body"]]
    assert hidden and all(c["hidden"]["reason"] == "Asiaton" for c in hidden)


def test_a_published_version_keeps_what_it_had_and_counts_what_was_hidden_since(programme, sources, session):
    p = programme
    snapshot = versions.publish(p.moderator, p.workspace, None)
    session.flush()
    frozen = versions.in_language(snapshot, "fi")
    assert since_left_out(p.workspace, frozen) == 0
    hide(sources["objects"]["comment"])
    hide(sources["objects"]["note"])
    p.poll.status = ActivityStatus.DRAFT
    session.flush()
    assert since_left_out(p.workspace, versions.in_language(snapshot, "fi")) == 3
    quote_ids = [q["id"] for q in versions.in_language(snapshot, "fi")["themes"][0]["quotes"]]
    assert sources["quotes"]["comment"].id in quote_ids  # the version is as it was published
    assert sources["quotes"]["comment"].id not in [
        q["id"] for q in build_programme(p.workspace, "fi")["themes"][0]["quotes"]
    ]


def test_a_deleted_activity_counts_as_removed_from_a_version(programme, make, session):
    p = programme
    empty = make.activity(p.theme, options=2, in_programme=True)
    snapshot = versions.publish(p.moderator, p.workspace, None)
    session.flush()
    session.delete(empty)
    session.flush()
    assert since_left_out(p.workspace, versions.in_language(snapshot, "fi")) == 1


# --- pages ---------------------------------------------------------------------------------------


def test_the_programme_page_warns_moderators_what_dropped_out_and_why(
    client, login, programme, sources, session
):
    hide(sources["objects"]["comment"])
    sources["objects"]["idea"].status = IdeaStatus.MERGED
    session.commit()
    login(programme.moderator)
    html = client.get(f"/w/{programme.workspace.slug}/programme").get_data(as_text=True)
    assert "2 items are left out of the programme" in html
    assert "The original was hidden by a moderator." in html
    assert "The idea was merged into another idea." in html
    assert f'href="#quote-{sources["quotes"]["comment"].id}"' in html


def test_the_preview_does_not_show_a_quote_hidden_after_it_was_picked(
    client, login, programme, sources, session
):
    for name in ("comment", "note", "idea", "idea_comment", "wall"):
        hide(sources["objects"][name])
    session.commit()
    login(programme.moderator)
    html = client.get(f"/w/{programme.workspace.slug}/programme/preview?lang=fi").get_data(as_text=True)
    assert HIDDEN_TEXT not in html and VISIBLE_TEXT in html


def test_a_version_page_says_it_shows_the_content_as_it_was(client, login, programme, sources, session):
    p = programme
    versions.publish(p.moderator, p.workspace, None)
    hide(sources["objects"]["comment"])
    session.commit()
    login(p.moderator)
    html = client.get(f"/w/{p.workspace.slug}/programme/versions/1?lang=fi").get_data(as_text=True)
    assert "shows the content as it was then" in html
    assert "1 item in it has since been hidden or removed." in html
    assert HIDDEN_TEXT in html  # the published version keeps it


def test_the_warning_is_for_moderators_only(client, login, make, programme, sources, session):
    hide(sources["objects"]["comment"])
    observer = make.user(role=Role.OBSERVER)
    session.commit()
    login(observer)
    assert client.get(f"/w/{programme.workspace.slug}/programme").status_code == 403
    other = make.user(role=Role.MODERATOR)
    make.member(make.workspace(), other, MemberRole.MODERATOR)
    session.commit()
    login(other)
    assert client.get(f"/w/{programme.workspace.slug}/programme").status_code == 403


def test_the_preview_tells_moderators_how_many_items_are_left_out(
    client, login, make, programme, sources, session
):
    p = programme
    hide(sources["objects"]["comment"])
    observer = make.user(role=Role.OBSERVER)
    session.commit()
    login(p.moderator)
    html = client.get(f"/w/{p.workspace.slug}/programme/preview?lang=fi").get_data(as_text=True)
    assert "1 item is left out of the programme" in html
    assert f'href="/w/{p.workspace.slug}/programme#left-out"' in html
    login(observer)
    html = client.get(f"/w/{p.workspace.slug}/programme/preview?lang=fi").get_data(as_text=True)
    assert "left out of the programme" not in html  # observers read the document, not the curation
