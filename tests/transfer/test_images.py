"""Images in the workspace document: the backup and the export carry them, a restore loses nothing,
and a document cannot bring in what an upload could not."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from sqlalchemy import func, select

from ideaspace.images import service as images
from ideaspace.models import Image, ImageVariant, Workspace
from ideaspace.transfer import TransferError, export_workspace, import_workspace

from ..images import files


@pytest.fixture
def pictured(rich_workspace, session, app):
    """The rich workspace with a cover, a cover on its first theme and a picture on an idea."""
    ws = rich_workspace.workspace
    moderator = rich_workspace.moderator
    with app.test_request_context():
        images.set_image(
            moderator,
            ws,
            data=files.jpeg_with_gps(900, 300),
            alt={"fi": "Kansi", "sv": "Omslag"},
            primary="fi",
        )
        images.set_image(
            moderator, ws.themes[0], data=files.png(200, 120, "RGBA"), alt={"fi": "Teema"}, primary="fi"
        )
        idea = rich_workspace.idea
        author = session.get(type(moderator), idea.author_id) if idea.author_id else moderator
        images.set_image(author, idea, data=files.webp(), alt="Luonnos", primary="fi")
    session.flush()
    return rich_workspace


def _stored(session, workspace_id: int) -> list[tuple]:
    """What the database holds of a workspace's images, by owner kind, without ids."""
    rows = session.execute(
        select(
            Image.owner,
            Image.alt,
            Image.width,
            Image.height,
            Image.created_at,
            ImageVariant.size,
            ImageVariant.etag,
            ImageVariant.data,
        )
        .join(ImageVariant, ImageVariant.image_id == Image.id)
        .where(Image.workspace_id == workspace_id)
    ).all()
    return sorted(
        (
            r.owner.split(":")[0],
            json.dumps(r.alt, sort_keys=True),
            r.width,
            r.height,
            r.created_at,
            r.size,
            r.etag,
            r.data,
        )
        for r in rows
    )


@pytest.mark.parametrize("backup", [True, False], ids=["backup", "export"])
def test_a_restore_loses_no_image(pictured, session, backup):
    ws = pictured.workspace
    first = export_workspace(ws, backup=backup)
    assert first["workspace"]["cover"]["alt"] == {"fi": "Kansi", "sv": "Omslag"}
    assert [v["size"] for v in first["workspace"]["cover"]["variants"]] == ["small", "medium", "large"]
    assert "cover" in first["workspace"]["themes"][0] and "cover" not in first["workspace"]["themes"][1]
    assert sum("image" in i for i in first["workspace"]["ideas"]) == 1
    copy_doc = json.loads(json.dumps(first))  # through JSON text, as a file would be
    copy_doc["workspace"]["slug"] = "kopio"
    imported = import_workspace(copy_doc)
    second = export_workspace(imported, backup=backup)
    second["workspace"]["slug"] = first["workspace"]["slug"]
    assert second == first
    # byte for byte: the same variants, the same ETags, so the same addresses' content
    assert _stored(session, imported.id) == _stored(session, ws.id)
    assert (
        session.scalar(select(func.count()).select_from(Image).where(Image.workspace_id == imported.id)) == 3
    )


def _with(doc, change):
    doc = copy.deepcopy(doc)
    change(doc["workspace"]["cover"])
    doc["workspace"]["slug"] = "toinen"
    return doc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["variants"][0].update(data=_b64(files.png_zip_polyglot())), "something else"),
        (lambda c: c["variants"][0].update(data=_b64(files.SVG)), "SVG images are not accepted"),
        (lambda c: c["variants"][0].update(data=_b64(files.png_bomb(20000))), "must be WebP"),
        (
            lambda c: c["variants"][0].update(data=_b64(b"RIFF\x00\x00\x00\x00WEBP" + b"<html><script>")),
            "something else",
        ),
        (lambda c: c["variants"][0].update(data="not base64!"), "must be the image file in base64"),
        (lambda c: c["variants"][0].update(width=1), "but the image is"),
        (lambda c: c["variants"][1].update(size="small"), "each once"),
        (lambda c: c.update(variants=[]), "needs at least one variant"),
        (lambda c: c.update(alt={}), "needs a text in at least one language"),
        (lambda c: c.update(onload="x"), "unknown field"),
    ],
    ids=[
        "zip polyglot",
        "svg",
        "bomb",
        "html in webp",
        "not base64",
        "wrong size",
        "twice",
        "none",
        "no alt",
        "extra",
    ],
)
def test_a_document_cannot_bring_in_what_an_upload_could_not(pictured, session, change, message):
    doc = _with(export_workspace(pictured.workspace, backup=True), change)
    images_before = session.scalar(select(func.count()).select_from(Image))
    with pytest.raises(TransferError) as caught:
        import_workspace(doc)
    assert any("workspace.cover" in e and message in e for e in caught.value.errors), caught.value.errors
    assert session.scalar(select(func.count()).select_from(Image)) == images_before
    assert session.scalar(select(Workspace.id).where(Workspace.slug == "toinen")) is None


def test_the_export_reads_the_images_in_one_statement(pictured, session, count_queries):
    ws = pictured.workspace
    session.flush()
    with count_queries() as with_images:
        export_workspace(ws)
    session.execute(Image.__table__.delete())
    session.expire_all()
    with count_queries() as without:
        export_workspace(ws)
    assert len(with_images) == len(without)
