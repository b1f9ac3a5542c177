"""An imported workspace gets the Markdown of its rich text where it renders back the same, as
migration 0008 gave stored rows (the export carries the HTML only); the rest keep no source."""

from __future__ import annotations

from sqlalchemy import select

from ideaspace.models import Comment
from ideaspace.transfer import import_workspace

from .conftest import minimal_document

ROUND_TRIPS = "<p>Hei <strong>kaikki</strong></p><ul><li>yksi</li></ul>"
DOES_NOT = "<blockquote>Sitaatti ilman kappaletta</blockquote>"


def test_an_import_keeps_the_markdown_of_what_converts(session):
    doc = minimal_document(introduction={"fi": ROUND_TRIPS, "sv": DOES_NOT})
    doc["workspace"]["themes"][0]["activities"][0]["comments"] = [{"body": ROUND_TRIPS}, {"body": DOES_NOT}]
    ws = import_workspace(doc)
    assert ws.introduction_source == {"fi": "Hei **kaikki**\n\n- yksi"}
    sources = dict(
        session.execute(select(Comment.body, Comment.body_source).where(Comment.workspace_id == ws.id)).all()
    )
    assert sources == {ROUND_TRIPS: "Hei **kaikki**\n\n- yksi", DOES_NOT: None}
