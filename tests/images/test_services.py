"""Setting, replacing and removing images, and reading them for pages (ideaspace.images.service)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.images import service
from ideaspace.images.processing import ImageError
from ideaspace.models import AuditLog, Image, ImageVariant

from . import files

pytestmark = pytest.mark.usefixtures("request_context")


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_cover_is_stored_with_its_variants_and_audited(session, place):
    image = service.set_image(
        place.moderator,
        place.theme,
        data=files.png(1000, 500),
        alt={"fi": "Kuva", "sv": "Bild"},
        primary="fi",
    )
    assert image.owner == f"theme:{place.theme.id}" and image.workspace_id == place.ws.id
    assert image.theme_id == place.theme.id and image.idea_id is None
    assert image.alt == {"fi": "Kuva", "sv": "Bild"} and (image.width, image.height) == (1000, 500)
    assert sorted(v.size for v in image.variants) == ["large", "medium", "small"]
    entry = session.scalar(
        select(AuditLog).where(AuditLog.action == "image.add", AuditLog.workspace_id == place.ws.id)
    )
    assert entry.actor_id == place.moderator.id and entry.details["owner"] == image.owner


def test_a_new_upload_replaces_the_old_image(session, place):
    first = service.set_image(place.moderator, place.ws, data=files.png(), alt={"fi": "Eka"}, primary="fi")
    first_urls = {service.url(first, v) for v in first.variants}
    second = service.set_image(place.moderator, place.ws, data=files.jpeg(), alt={"fi": "Toka"}, primary="fi")
    # New bytes, new addresses (SQLite may give the new row the old id: the version tells them apart).
    assert not first_urls & {service.url(second, v) for v in second.variants}
    assert _count(session, Image) == 1 and _count(session, ImageVariant) == 3
    assert service.image_of(place.ws).alt == {"fi": "Toka"}


@pytest.mark.parametrize(
    "make_file",
    [files.png_bomb, files.png_zip_polyglot, files.png_html_polyglot, files.gif, lambda: files.SVG],
    ids=["bomb", "zip polyglot", "html polyglot", "gif", "svg"],
)
def test_a_refused_upload_stores_nothing_and_keeps_the_image_there_was(session, place, make_file):
    kept = service.set_image(place.moderator, place.ws, data=files.png(), alt={"fi": "Kuva"}, primary="fi")
    session.commit()
    audits = _count(session, AuditLog)
    with pytest.raises(ImageError):
        service.set_image(place.moderator, place.ws, data=make_file(), alt={"fi": "Uusi"}, primary="fi")
    assert [i.id for i in session.scalars(select(Image))] == [kept.id]
    assert _count(session, ImageVariant) == 3 and _count(session, AuditLog) == audits
    assert service.image_of(place.ws).alt == {"fi": "Kuva"}


@pytest.mark.parametrize(
    "alt, message",
    [
        ({}, "Describe the picture in Suomi"),
        ({"sv": "Bara svenska"}, "Describe the picture in Suomi"),
        ({"fi": "   "}, "Describe the picture in Suomi"),
        ({"fi": "x" * 251}, "at most 250 characters"),
        ({"fi": "kaksi\nriviä"}, "one line"),
    ],
)
def test_alt_text_is_required_in_the_primary_language(session, place, alt, message):
    with pytest.raises(ImageError) as caught:
        service.set_image(place.moderator, place.ws, data=files.png(), alt=alt, primary="fi")
    assert message in str(caught.value.message) and caught.value.field == "alt"
    assert _count(session, Image) == 0


def test_alt_text_is_cleaned_and_unknown_languages_dropped(session, place):
    image = service.set_image(
        place.moderator, place.ws, data=files.png(), alt={"fi": " Kuva\u200b ", "de": "Bild"}, primary="fi"
    )
    assert set(image.alt) == {"fi"} and image.alt["fi"].strip() == image.alt["fi"]


def test_without_a_file_only_the_alt_text_changes(session, place):
    image = service.set_image(place.moderator, place.ws, data=files.png(), alt={"fi": "Vanha"}, primary="fi")
    same = service.set_image(place.moderator, place.ws, data=None, alt={"fi": "Uusi"}, primary="fi")
    assert same.id == image.id and same.alt == {"fi": "Uusi"}
    with pytest.raises(ImageError):
        service.set_image(place.moderator, place.theme, data=None, alt={"fi": "Ei kuvaa"}, primary="fi")


def test_an_idea_picture_takes_one_alt_text_and_is_not_audited(session, place):
    audits = _count(session, AuditLog)
    image = service.set_image(
        place.author, place.idea, data=files.webp(), alt="Piirros ideasta", primary="fi"
    )
    assert image.alt == {"fi": "Piirros ideasta"} and image.idea_id == place.idea.id
    assert _count(session, AuditLog) == audits
    assert service.idea_images([place.idea.id, 999999]) == {place.idea.id: image}


def test_remove(session, place):
    service.set_image(place.moderator, place.theme, data=files.png(), alt={"fi": "Kuva"}, primary="fi")
    assert service.remove_image(place.moderator, place.theme) is True
    assert _count(session, Image) == 0 and _count(session, ImageVariant) == 0
    assert service.remove_image(place.moderator, place.theme) is False
    assert session.scalar(
        select(AuditLog.action).where(AuditLog.action == "image.remove", AuditLog.workspace_id == place.ws.id)
    )


def test_covers_reads_every_cover_of_a_workspace_in_two_statements(session, place, make, count_queries):
    themes = [place.theme, make.theme(place.ws), make.theme(place.ws)]
    for theme in themes[:2]:
        service.set_image(place.moderator, theme, data=files.png(), alt={"fi": "Kuva"}, primary="fi")
    service.set_image(place.moderator, place.ws, data=files.png(), alt={"fi": "Kansi"}, primary="fi")
    service.set_image(place.author, place.idea, data=files.png(), alt="Idea", primary="fi")
    session.commit()
    theme_ids = [t.id for t in themes]
    workspace = place.ws
    session.expire_all()
    workspace.id  # noqa: B018 (loaded again before counting)
    with count_queries() as statements:
        covers = service.covers(workspace)
        sizes = [v.size for t in theme_ids[:2] for v in covers.theme(t).variants]
    assert len(statements) == 2
    assert covers.workspace.alt == {"fi": "Kansi"} and covers.theme(theme_ids[2]) is None
    assert len(sizes) == 6 and place.idea.id not in {i.idea_id for i in covers.themes.values()}


def test_deleting_the_owner_deletes_its_image(session, place, make):
    theme = make.theme(place.ws)
    service.set_image(place.moderator, theme, data=files.png(), alt={"fi": "Kuva"}, primary="fi")
    session.delete(theme)
    session.flush()
    session.expire_all()
    assert _count(session, Image) == 0 and _count(session, ImageVariant) == 0


def test_the_authors_own_data_holds_their_ideas_pictures(session, place):
    import base64

    from ideaspace.privacy.service import personal_data

    service.set_image(place.author, place.idea, data=files.png(300, 200), alt="Luonnos", primary="fi")
    data = personal_data(place.author)
    (idea,) = [i for i in data["ideas"] if i["id"] == place.idea.id]
    picture = idea["picture"]
    assert picture["alt"] == {"fi": "Luonnos"} and (picture["width"], picture["height"]) == (300, 200)
    assert base64.b64decode(picture["data"])[8:12] == b"WEBP"
    assert all("picture" not in i for i in personal_data(place.other)["ideas"])
