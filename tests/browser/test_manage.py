"""Moderators' pages in a real browser: accessible in every language, reordering with and without JS."""

import pytest
from playwright.sync_api import expect

from .seed import PASSWORD, PEOPLE, SLUG

LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}


def open_theme_manage(page, live_server):
    page.goto(f"{live_server.url}/w/{SLUG}/manage/")
    page.locator("#themes-manage a").first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", LOCALES)
def test_manage_pages_are_accessible(new_page, live_server, sign_in, assert_accessible, lang):
    page = new_page(locale=LOCALES[lang])
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    for path in (
        f"/w/{SLUG}/manage/",
        f"/w/{SLUG}/manage/edit",
        f"/w/{SLUG}/manage/themes/new",
        "/workspaces/new",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page, path)
    open_theme_manage(page, live_server)
    assert_accessible(page, "theme manage page")
    for link in ("a[href$='/activities/new']", "a[href$='/indicators/new']", "a[href$='/measures/new']"):
        page.locator(link).first.click()
        page.wait_for_load_state()
        assert_accessible(page, link)
        page.go_back()
    # A form sent empty shows its errors, and focus lands on the summary.
    page.goto(f"{live_server.url}/w/{SLUG}/manage/themes/new")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert_accessible(page, "form with errors")
    assert page.js_errors == []


def add_theme(page, live_server, title):
    page.goto(f"{live_server.url}/w/{SLUG}/manage/themes/new")
    page.fill("#title-fi", title)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def theme_titles(page):
    return [t.strip() for t in page.locator("#themes-manage li > a").all_inner_texts()]


def test_reorder_themes_with_htmx_keeps_focus(page, live_server, sign_in, assert_accessible):
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    add_theme(page, live_server, "Selaintesti A")
    add_theme(page, live_server, "Selaintesti B")
    page.goto(f"{live_server.url}/w/{SLUG}/manage/")
    titles = theme_titles(page)
    index = titles.index("Selaintesti B")
    page.locator("#themes-manage li").nth(index).locator("button[value=up]").click()
    # The swap announces the new place, and focus stays on the button just used, now in that place.
    expect(page.locator("#reorder-status")).to_contain_text("Selaintesti B")
    assert theme_titles(page).index("Selaintesti B") == index - 1
    expect(
        page.locator("#themes-manage li", has_text="Selaintesti B").locator("button[value=up]")
    ).to_be_focused()
    assert_accessible(page, "after an htmx move")
    assert page.js_errors == []


def test_reorder_themes_without_javascript(new_page, live_server, sign_in):
    page = new_page(java_script_enabled=False)
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    add_theme(page, live_server, "Ilman JS:ää")
    page.goto(f"{live_server.url}/w/{SLUG}/manage/")
    index = theme_titles(page).index("Ilman JS:ää")
    page.locator("#themes-manage li").nth(index).locator("button[value=up]").click()
    page.wait_for_load_state()
    assert theme_titles(page).index("Ilman JS:ää") == index - 1
