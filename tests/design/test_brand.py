"""The brand (issue 17): the organisation's colour only when it passes WCAG AA, else the default;
the logo (PNG or JPEG by content); both served as /brand.css, which every page links."""

from __future__ import annotations

import io

import pytest
from flask import g
from PIL import Image

from ideaspace.design import service
from ideaspace.models import Role
from ideaspace.settings import service as settings
from ideaspace.settings.service import SettingError


def png(colour="navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def get(client, session):
    """A GET as a new request sees it (the settings are cached per request, in `g`)."""

    def _get(url, **kw):
        session.commit()
        g.pop("_instance_settings", None)
        return client.get(url, **kw)

    return _get


def test_contrast_ratios_follow_wcag():
    assert service.contrast("#ffffff", "#000000") == pytest.approx(21)
    assert service.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA
    assert service.contrast("#004a87", "#ffffff") == pytest.approx(9.02, abs=0.01)
    assert service.contrast("#abc123", "#abc123") == pytest.approx(1)


@pytest.mark.parametrize(
    ("chosen", "used"),
    [
        ("#7a1f5c", "#7a1f5c"),  # a dark plum: 9.6:1
        ("#1a5e9c", "#1a5e9c"),  # the hint's example
        ("#aabbcc", service.DEFAULT_BRAND),  # light grey-blue: 1.9:1 against white
        ("#ffff00", service.DEFAULT_BRAND),  # yellow: 1.07:1
        ("#767676", service.DEFAULT_BRAND),  # 4.54:1 on white, but 4.2:1 on the tint links sit on
        (None, service.DEFAULT_BRAND),
    ],
)
def test_a_colour_that_fails_aa_falls_back_to_the_default(chosen, used):
    colour, dark, tint = service.brand_colours(chosen)
    assert colour == used
    assert service.contrast(colour, "#ffffff") >= 4.5 and service.contrast(colour, service.TINT) >= 4.5
    assert service.contrast(dark, "#ffffff") > service.contrast(colour, "#ffffff")  # hover is darker
    assert service.contrast(colour, tint) >= 4.5  # brand text stays readable on its own tint


def test_brand_css_is_empty_by_default_and_carries_a_passing_colour(make, get):
    admin = make.user(Role.ADMIN)
    response = get("/brand.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "--color-brand" not in response.text and "brand__logo" not in response.text
    assert response.headers["Cache-Control"] == "no-cache"
    settings.put(admin, "brand_colour", "#7A1F5C")
    response = get("/brand.css")
    assert "--color-brand: #7a1f5c;" in response.text and "--color-brand-dark:" in response.text
    # Unchanged: the browser's copy is confirmed without a body.
    again = get("/brand.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    settings.put(admin, "brand_colour", "#ffff00")  # fails AA: the page keeps the default
    response = get("/brand.css")
    assert "#ffff00" not in response.text and "--color-brand" not in response.text
    assert service.current().fell_back


def test_every_page_links_the_brand_stylesheet_after_the_tokens(get):
    html = get("/login").text
    assert html.index("css/tokens.css") < html.index("css/app.css") < html.index("/brand.css")
    assert 'class="brand__logo"' in html


def test_logo_is_a_png_or_jpeg_by_its_content(make, get):
    admin = make.user(Role.ADMIN)
    assert get("/brand/logo").status_code == 404
    for blob in (
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a....",
        b"<html>",
    ):
        with pytest.raises(SettingError):
            settings.put(admin, "logo", {"filename": "logo.png"}, blob=blob, content_type="image/png")
    with pytest.raises(SettingError):
        settings.put(admin, "logo", {"filename": "big.png"}, blob=b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024))
    settings.put(
        admin, "logo", {"filename": "kokkola.png"}, blob=png(), content_type="application/octet-stream"
    )
    css = get("/brand.css").text
    assert '.brand__logo { display: block; background-image: url("/brand/logo?v=' in css
    assert "@media (max-width: 29.99rem) { .brand__name { position: absolute;" in css  # the logo for the name
    url = css.split('url("', 1)[1].split('"', 1)[0]
    response = get(url)
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data == png()
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_settings_page_offers_the_logo_to_an_admin_in_sudo_mode(client, make, session):
    from ..conftest import sign_in

    sign_in(client, make.user(Role.ADMIN), sudo=True)
    html = client.get("/admin/settings").text
    assert "Logo" in html and "PNG or JPEG" in html and "4.5:1" in html
