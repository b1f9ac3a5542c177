"""The Markdown sources kept beside the rendered HTML (issue 18, 1) travel in the workspace document:
a restore keeps them byte for byte, also those that the HTML would not give back; an older document
without them gets the Markdown of its HTML where it renders back the same (as migration 0008 gave
stored rows); anonymous items carry their HTML only in the moderator's export; a source is text,
and the HTML stored is what the one renderer makes of it."""

from __future__ import annotations

import copy
import json

from sqlalchemy import select

from ideaspace import markdown
from ideaspace.extensions import db
from ideaspace.models import ActivityKind, Comment, Idea
from ideaspace.models.ballot import Ballot, BallotKind
from ideaspace.transfer import export_workspace, import_workspace

from .conftest import minimal_document

ROUND_TRIPS = "<p>Hei <strong>kaikki</strong></p><ul><li>yksi</li></ul>"
DOES_NOT = "<blockquote>Sitaatti ilman kappaletta</blockquote>"
# Sources that their HTML does not give back: two spaces (source_for finds none), "*" bullets
# (the HTML gives "-"), a ")" list and a line's trailing spaces.
LOST_FROM_HTML = "Hei  *kaikki*"
OTHER_MARKERS = "* yksi\n* kaksi\n\n1) eka\n2) toka"
TRAILING = "Rivi   \nrivi"
SOURCE_KEYS = ("introduction_source", "prompt_source", "body_source")


def test_an_import_keeps_the_markdown_of_what_converts(session):
    doc = minimal_document(introduction={"fi": ROUND_TRIPS, "sv": DOES_NOT})
    doc["workspace"]["themes"][0]["activities"][0]["comments"] = [{"body": ROUND_TRIPS}, {"body": DOES_NOT}]
    ws = import_workspace(doc)
    assert ws.introduction_source == {"fi": "Hei **kaikki**\n\n- yksi"}
    sources = dict(
        session.execute(select(Comment.body, Comment.body_source).where(Comment.workspace_id == ws.id)).all()
    )
    assert sources == {ROUND_TRIPS: "Hei **kaikki**\n\n- yksi", DOES_NOT: None}


def typed(make, session):
    """A workspace whose every rich text was typed as Markdown, as the forms store it."""
    author = make.user(email="kirjoittaja@example.fi")
    intro = {"fi": LOST_FROM_HTML, "sv": OTHER_MARKERS}
    ws = make.workspace(
        slug="lahde",
        introduction={lang: markdown.render(s) for lang, s in intro.items()},
        introduction_source=intro,
    )
    theme = make.theme(
        ws, introduction={"fi": markdown.render(TRAILING)}, introduction_source={"fi": TRAILING}
    )
    discussion = make.activity(
        theme,
        ActivityKind.DISCUSSION,
        prompt={"fi": markdown.render(OTHER_MARKERS)},
        prompt_source={"fi": OTHER_MARKERS},
    )
    anonymous = make.activity(theme, ActivityKind.DISCUSSION, is_anonymous=True)
    idea = make.idea(ws, author, body=markdown.render(LOST_FROM_HTML), body_source=LOST_FROM_HTML)
    named = make.comment(discussion, author, body=markdown.render(TRAILING), body_source=TRAILING)
    hidden = make.comment(anonymous, None, body=markdown.render(LOST_FROM_HTML), body_source=LOST_FROM_HTML)
    legacy = make.comment(idea, author, body=DOES_NOT, body_source=None)  # before sources were kept
    session.flush()
    return ws, {"idea": idea.id, "named": named.id, "hidden": hidden.id, "legacy": legacy.id}


def sources_of(session, ws_id: int) -> dict:
    comments = session.execute(
        select(Comment.body, Comment.body_source).where(Comment.workspace_id == ws_id).order_by(Comment.body)
    ).all()
    ideas = session.execute(select(Idea.body, Idea.body_source).where(Idea.workspace_id == ws_id)).all()
    return {"comments": sorted(map(tuple, comments)), "ideas": sorted(map(tuple, ideas))}


def test_a_restore_keeps_every_source_byte_for_byte(make, session):
    """The admin's backup, its workspace deleted, then imported again: sources and HTML as they were."""
    ws, _ = typed(make, session)
    assert markdown.source_for(markdown.render(LOST_FROM_HTML)) is None  # the HTML would lose it
    before = export_workspace(ws, backup=True)
    rows = sources_of(session, ws.id)
    texts = [
        (ws.introduction, ws.introduction_source),
        *((t.introduction, t.introduction_source) for t in ws.themes),
        *((a.prompt, a.prompt_source) for t in ws.themes for a in t.activities),
    ]
    assert (LOST_FROM_HTML, OTHER_MARKERS, TRAILING) == (
        before["workspace"]["introduction_source"]["fi"],
        before["workspace"]["introduction_source"]["sv"],
        before["workspace"]["themes"][0]["introduction_source"]["fi"],
    )
    db.session.delete(ws)
    db.session.flush()
    doc = json.loads(json.dumps(before))  # through JSON text, as a file would be
    warnings: list[str] = []
    restored = import_workspace(doc, warnings=warnings)
    assert warnings == []
    assert sources_of(session, restored.id) == rows
    assert [
        (restored.introduction, restored.introduction_source),
        *((t.introduction, t.introduction_source) for t in restored.themes),
        *((a.prompt, a.prompt_source) for t in restored.themes for a in t.activities),
    ] == texts
    assert export_workspace(restored, backup=True) == before


def test_the_moderators_export_carries_no_source_of_an_anonymous_item(make, session):
    ws, ids = typed(make, session)
    doc = export_workspace(ws)
    text = json.dumps(doc)
    anonymous = doc["workspace"]["themes"][0]["activities"][1]
    assert anonymous["is_anonymous"] and anonymous["comments"]
    assert all("body_source" not in c for c in anonymous["comments"])
    assert text.count(json.dumps(LOST_FROM_HTML)) == 2  # the introduction's and the named idea's
    named = doc["workspace"]["themes"][0]["activities"][0]["comments"][0]
    assert named["body_source"] == TRAILING
    # Imported, the anonymous comment gets the Markdown its HTML gives back, nothing more.
    doc["workspace"]["slug"] = "kopio"
    copied = import_workspace(doc)
    hidden = session.get(Comment, ids["hidden"])
    new_hidden = session.scalar(
        select(Comment).where(
            Comment.workspace_id == copied.id, Comment.body == hidden.body, Comment.author_id.is_(None)
        )
    )
    assert new_hidden.body_source == markdown.source_for(hidden.body) != LOST_FROM_HTML


def without_sources(node):
    if isinstance(node, dict):
        return {k: without_sources(v) for k, v in node.items() if k not in SOURCE_KEYS}
    if isinstance(node, list):
        return [without_sources(v) for v in node]
    return node


def test_an_older_document_without_sources_still_imports(make, session):
    ws, _ = typed(make, session)
    doc = without_sources(export_workspace(ws, backup=True))
    assert "body_source" not in json.dumps(doc) and "introduction_source" not in json.dumps(doc)
    doc["workspace"]["slug"] = "vanha"
    old = import_workspace(doc)
    assert old.introduction_source == {"sv": "- yksi\n- kaksi\n\n1. eka\n2. toka"}  # fi does not convert
    assert old.themes[0].introduction_source == {"fi": "Rivi\nrivi"}
    bodies = dict(sources_of(session, old.id)["comments"])
    assert bodies[DOES_NOT] is None and bodies[markdown.render(TRAILING)] == "Rivi\nrivi"


def test_html_that_is_not_its_sources_is_rendered_from_the_source(session):
    doc = minimal_document(introduction={"fi": "<p>Muuta</p>"}, introduction_source={"fi": "**Lähde**"})
    doc["workspace"]["themes"][0]["activities"][0]["comments"] = [
        {"body": "<p>Sama</p>", "body_source": "Sama"},
        {"body": "<p>Jää</p>", "body_source": ">" * 200 + " syvä"},  # too deep to render
        {"body": "<p>Tyhjä</p>", "body_source": "&nbsp;"},
        {"body": "<p>Ei lähdettä</p>", "body_source": None},
    ]
    warnings: list[str] = []
    ws = import_workspace(copy.deepcopy(doc), warnings=warnings)
    assert ws.introduction == {"fi": "<p><strong>Lähde</strong></p>"}
    assert ws.introduction_source == {"fi": "**Lähde**"}
    rows = session.execute(
        select(Comment.body, Comment.body_source).where(Comment.workspace_id == ws.id).order_by(Comment.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("<p>Sama</p>", "Sama"),
        ("<p>Jää</p>", None),
        ("<p>Tyhjä</p>", None),
        ("<p>Ei lähdettä</p>", None),
    ]
    assert len(warnings) == 3
    assert "workspace.introduction.fi: is not what its Markdown source renders to" in " ".join(warnings)
    assert "comments[1].body_source: cannot be rendered" in " ".join(warnings)
    assert "comments[2].body_source: renders to nothing" in " ".join(warnings)


def test_a_hostile_source_stays_text(session):
    hostile = "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>\x00\u202e"
    doc = minimal_document(introduction_source={"fi": hostile})
    doc["workspace"]["ideas"] = [
        {"key": "i1", "title": "Idea", "body": "<p>Viaton</p>", "body_source": hostile}
    ]
    ws = import_workspace(doc)
    idea = session.scalar(select(Idea).where(Idea.workspace_id == ws.id))
    for html, source in (
        (ws.introduction["fi"], ws.introduction_source["fi"]),
        (idea.body, idea.body_source),
    ):
        assert (
            "<script" not in html
            and "<img" not in html
            and "javascript:" not in html.split("</a>")[0][:0] + ""
        )
        assert "&lt;script&gt;" in html and 'href="javascript' not in html
        assert source == hostile.replace("\x00", "").replace("\u202e", "").strip()
        assert html == markdown.render(source)


def test_a_pending_contribution_keeps_its_source(make, session):
    ws, _ = typed(make, session)
    anonymous = ws.themes[0].activities[1]
    session.add(
        Ballot(
            workspace_id=ws.id,
            activity_id=anonymous.id,
            kind=BallotKind.COMMENT,
            contributor="a" * 64,
            payload={
                "body": markdown.render(OTHER_MARKERS),
                "body_source": OTHER_MARKERS,
                "target": "activity",
            },
        )
    )
    session.flush()
    doc = export_workspace(ws, backup=True)
    assert doc["workspace"]["pending"][0]["payload"]["body_source"] == OTHER_MARKERS
    doc["workspace"]["slug"] = "kopio"
    copied = import_workspace(doc)
    payload = session.scalar(select(Ballot.payload).where(Ballot.workspace_id == copied.id))
    assert payload["body_source"] == OTHER_MARKERS and payload["body"] == markdown.render(OTHER_MARKERS)
