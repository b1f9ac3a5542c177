"""Images in a real browser (issue 18): a moderator uploads a theme cover, the theme page shows it
decoded (served under the CSP, with its alt text), a refused file says why; axe at 390 and 1280 px."""

from __future__ import annotations

import pytest

from ..images import files
from .seed import PASSWORD, PEOPLE, SLUG


def open_cover_form(page, live_server) -> str:
    page.goto(f"{live_server.url}/w/{SLUG}/manage/")
    page.locator("#themes-manage a").first.click()
    page.wait_for_load_state()
    page.locator("a[href$='/cover']").first.click()
    page.wait_for_load_state()
    return page.url


@pytest.mark.parametrize("width", [390, 1280])
def test_a_moderator_uploads_a_theme_cover(
    new_page, live_server, sign_in, assert_accessible, tmp_path, width
):
    page = new_page(locale="en-GB")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    form_url = open_cover_form(page, live_server)
    assert_accessible(page, "cover form")

    # A file named .png that is an SVG: the form says why, keeps what was typed, focus on the summary.
    svg = tmp_path / "cover.png"
    svg.write_bytes(files.SVG)
    page.set_input_files("#image", str(svg))
    page.fill("#alt-fi", "Tiimi työssä")
    page.fill("#alt-en", "The team at work")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert "SVG images are not accepted" in page.locator("#error-summary").inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.input_value("#alt-en") == "The team at work"
    assert_accessible(page, "cover form with an error")

    photo = tmp_path / "IMG_0001.JPG"
    photo.write_bytes(files.jpeg_with_gps(1200, 600))
    page.set_input_files("#image", str(photo))
    page.fill("#alt-fi", "Tiimi työssä")
    page.fill("#alt-en", "The team at work")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/cover" not in page.url  # back on the theme's manage page

    page.goto(form_url)  # the form shows the picture now, with a button to remove it
    assert page.locator("figure.image-current img").count() == 1
    assert_accessible(page, "cover form with a picture")

    page.goto(form_url.replace("/manage/themes/", "/themes/").replace("/cover", ""))
    cover = page.locator("img.theme__cover")
    cover.wait_for()
    assert cover.get_attribute("alt") == "The team at work"
    # Decoded by the browser: served, allowed by the CSP, really an image.
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", cover.element_handle())
    assert page.evaluate(
        "img => img.getBoundingClientRect().width <= window.innerWidth", cover.element_handle()
    )
    assert_accessible(page, "theme page with its cover")
    assert page.js_errors == []

    # Put back as it was for the other tests: remove the picture.
    page.goto(form_url)
    page.locator("form[action$='/cover/remove'] button").click()
    page.wait_for_load_state()
