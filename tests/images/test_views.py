"""The image routes: the upload forms (every refusal says why and saves nothing), and serving a
variant with its cache headers to exactly those who may read what it belongs to."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ideaspace.images import service
from ideaspace.models import Image, Role, utcnow

from . import files


def _path(url: str) -> str:
    return urlsplit(url).path


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Image))


def _post(client, url, data: bytes | None, name="picture.png", **fields):
    form = dict(fields)
    if data is not None:
        form["image"] = (io.BytesIO(data), name)
    return client.post(url, data=form, content_type="multipart/form-data")


def _cover(place, alt="Kansikuva"):
    return service.set_image(
        place.moderator, place.ws, data=files.png(400, 200), alt={"fi": alt}, primary="fi"
    )


# --- uploading --------------------------------------------------------------------------------------


def test_a_moderator_sets_a_theme_cover_and_the_theme_page_shows_it(client, login, place, session):
    login(place.moderator)
    url = f"/w/{place.ws.slug}/manage/themes/{place.theme.id}/cover"
    assert client.get(url).status_code == 200
    response = _post(
        client, url, files.jpeg_with_gps(), "IMG_0001.JPG", **{"alt-fi": "Tiimi", "alt-en": "A team"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/themes/{place.theme.id}/")
    image = service.image_of(place.theme)
    assert image.alt == {"fi": "Tiimi", "en": "A team"}
    page = client.get(f"/w/{place.ws.slug}/themes/{place.theme.id}").get_data(as_text=True)
    large = next(v for v in image.variants if v.size == "large")
    assert 'alt="A team"' in page and f'src="{_path(service.url(image, large))}"' in page
    assert 'class="theme__cover"' in page and "srcset=" in page


@pytest.mark.parametrize(
    "data, name, message",
    [
        (files.png_bomb(20000), "bomb.png", "decompression bomb"),
        (files.png_zip_polyglot(), "holiday.png", "something else at the same time"),
        (files.png_html_polyglot(), "holiday.png", "something else at the same time"),
        (files.gif(), "renamed.png", "not a JPEG, PNG or WebP"),
        (files.SVG, "logo.png", "SVG images are not accepted"),
        (files.SVG, "logo.svg", "SVG images are not accepted"),
        (b"", "empty.png", "The file is empty"),
    ],
    ids=["bomb", "zip polyglot", "html polyglot", "gif renamed", "svg renamed", "svg", "empty"],
)
def test_a_hostile_file_gets_a_clear_error_and_nothing_is_saved(
    client, login, place, session, data, name, message
):
    kept = _cover(place, "Vanha")
    session.commit()
    login(place.moderator)
    response = _post(client, f"/w/{place.ws.slug}/manage/cover", data, name, **{"alt-fi": "Uusi"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page and "error-summary" in page
    session.expire_all()
    assert _count(session) == 1 and service.image_of(place.ws).id == kept.id
    assert service.image_of(place.ws).alt == {"fi": "Vanha"}


def test_the_alt_text_is_required(client, login, place, session):
    login(place.moderator)
    response = _post(client, f"/w/{place.ws.slug}/manage/cover", files.png(), **{"alt-sv": "Bara svenska"})
    assert response.status_code == 422 and "Write this at least in" in response.get_data(as_text=True)
    assert _count(session) == 0


def test_a_file_over_the_request_limit_gets_the_form_with_its_error(client, login, place, session):
    login(place.moderator)
    big = files.png() + b"\x00" * (5 * 1024 * 1024)
    response = _post(client, f"/w/{place.ws.slug}/manage/cover", big, **{"alt-fi": "Iso"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The image is too large: at most 4 MB." in page and 'name="alt-fi"' in page
    assert _count(session) == 0


def test_an_outsider_over_the_request_limit_gets_the_plain_page(client, login, place, session):
    login(place.other)
    big = b"\x00" * (5 * 1024 * 1024 + 10)
    response = _post(client, f"/w/{place.ws.slug}/manage/cover", big, **{"alt-fi": "Iso"})
    assert response.status_code == 413 and 'name="alt-fi"' not in response.get_data(as_text=True)


def test_without_a_file_the_alt_text_is_changed(client, login, place, session):
    image = _cover(place, "Vanha")
    session.commit()
    login(place.moderator)
    response = _post(client, f"/w/{place.ws.slug}/manage/cover", None, **{"alt-fi": "Uusi"})
    assert response.status_code == 302
    session.expire_all()
    assert service.image_of(place.ws).alt == {"fi": "Uusi"} and service.image_of(place.ws).id == image.id


def test_removing_a_cover(client, login, place, session):
    _cover(place)
    session.commit()
    login(place.moderator)
    response = client.post(f"/w/{place.ws.slug}/manage/cover/remove")
    assert response.status_code == 302 and _count(session) == 0


def test_the_author_adds_a_picture_to_their_idea(client, login, place, session):
    login(place.author)
    page = client.get(f"/w/{place.ws.slug}/ideas/{place.idea.id}").get_data(as_text=True)
    assert "Add a picture" in page
    url = f"/w/{place.ws.slug}/ideas/{place.idea.id}/image"
    response = _post(client, url, files.webp(120, 90), alt="Luonnos")
    assert response.status_code == 302
    image = service.image_of(place.idea)
    assert image.alt == {"fi": "Luonnos"}
    page = client.get(f"/w/{place.ws.slug}/ideas/{place.idea.id}").get_data(as_text=True)
    assert 'alt="Luonnos"' in page and "Change or remove the picture" in page
    assert _post(client, url, files.webp(), alt="").status_code == 422  # the alt text stays required


@pytest.mark.parametrize("who", ["other", "moderator"])
def test_only_the_author_changes_an_idea_picture(client, login, place, session, who):
    login(getattr(place, who))
    url = f"/w/{place.ws.slug}/ideas/{place.idea.id}/image"
    assert client.get(url).status_code == 403
    assert _post(client, url, files.png(), alt="Kuva").status_code == 403
    assert "Add a picture" not in client.get(f"/w/{place.ws.slug}/ideas/{place.idea.id}").get_data(
        as_text=True
    )
    assert _count(session) == 0


def test_an_observer_and_a_participant_cannot_set_covers(client, login, place, make, session):
    for person in (place.author, make.user(Role.OBSERVER)):
        login(person)
        assert client.get(f"/w/{place.ws.slug}/manage/cover").status_code == 403
        response = _post(
            client, f"/w/{place.ws.slug}/manage/themes/{place.theme.id}/cover", files.png(), **{"alt-fi": "x"}
        )
        assert response.status_code == 403
    assert _count(session) == 0


# --- serving ----------------------------------------------------------------------------------------


def _url(image, size="medium") -> str:
    variant = next(v for v in image.variants if v.size == size)
    return _path(service.url(image, variant))


def test_a_variant_is_served_with_long_cache_headers_and_an_etag(client, login, place, session):
    image = _cover(place)
    session.commit()
    login(place.author)
    response = client.get(_url(image))
    assert response.status_code == 200 and response.content_type == "image/webp"
    assert response.data[8:12] == b"WEBP"
    etag = response.headers["ETag"]
    assert etag == f'"{next(v.etag for v in image.variants if v.size == "medium")}"'
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(_url(image), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get(_url(image), headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_an_address_with_another_version_or_size_is_not_found(client, login, place, session):
    image = _cover(place)
    session.commit()
    login(place.author)
    good = _url(image)
    assert client.get(good.rsplit("/", 1)[0] + "/0123456789abcdef").status_code == 404
    assert client.get(good.replace("/medium/", "/huge/")).status_code == 404
    assert client.get(f"/images/{image.id + 1000}/medium/{good.rsplit('/', 1)[1]}").status_code == 404


def test_only_those_who_may_read_the_workspace_see_its_cover(client, login, place, make, session):
    image = _cover(place)
    session.commit()
    url = _url(image)
    assert client.get(url).status_code == 302  # signed out: to sign in
    login(make.user(Role.PARTICIPANT))  # not invited
    assert client.get(url).status_code == 403
    # 304 is no way around it: the permission comes first
    assert client.get(url, headers={"If-None-Match": f'"{image.variants[0].etag}"'}).status_code == 403
    login(make.user(Role.OBSERVER))
    assert client.get(url).status_code == 200


def test_a_hidden_idea_picture_is_served_to_its_moderators_and_author_only(client, login, place, session):
    image = service.set_image(place.author, place.idea, data=files.png(), alt="Kuva", primary="fi")
    place.idea.hidden_at, place.idea.hidden_reason = utcnow(), "Asiaton"
    session.commit()
    url = _url(image, "small")
    login(place.other)
    assert client.get(url).status_code == 404
    login(place.author)
    assert client.get(url).status_code == 200
    login(place.moderator)
    assert client.get(url).status_code == 200


def test_a_draft_workspace_cover_is_not_served_to_its_members(client, login, place, session):
    from ideaspace.models import WorkspaceStatus

    image = _cover(place)
    place.ws.status = WorkspaceStatus.DRAFT
    session.commit()
    login(place.author)
    assert client.get(_url(image)).status_code == 403
    login(place.moderator)
    assert client.get(_url(image)).status_code == 200


def test_the_front_page_shows_the_workspace_cover_and_each_theme_cover(client, login, place, make, session):
    bare = make.theme(place.ws)
    _cover(place, "Kansikuva")
    theme_cover = service.set_image(
        place.moderator, place.theme, data=files.png(), alt={"fi": "Teeman kuva"}, primary="fi"
    )
    session.commit()
    login(place.author)
    page = client.get(f"/w/{place.ws.slug}/").get_data(as_text=True)
    assert page.count('class="card__cover"') == 2  # the workspace's and one theme's; none for the bare
    assert 'alt="Kansikuva"' in page and 'alt="Teeman kuva"' in page
    medium = next(v for v in theme_cover.variants if v.size == "medium")
    assert f'src="{_path(service.url(theme_cover, medium))}"' in page
    assert bare.id != place.theme.id


def test_the_idea_barrel_shows_a_picture_on_its_idea_card(client, login, place, make, session):
    from ideaspace.models import ActivityKind

    make.activity(place.theme, kind=ActivityKind.IDEAS)
    image = service.set_image(place.author, place.idea, data=files.png(), alt="Luonnos", primary="fi")
    session.commit()
    login(place.other)
    page = client.get(f"/w/{place.ws.slug}/ideas").get_data(as_text=True)
    small = next(v for v in image.variants if v.size == "small")
    assert page.count('class="idea-card__image"') == 1 and 'alt="Luonnos"' in page
    assert f'src="{_path(service.url(image, small))}"' in page
