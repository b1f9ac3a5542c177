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


def test_drag_a_theme_into_a_new_place(page, live_server, sign_in, assert_accessible):
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    add_theme(page, live_server, "Raahattava A")
    add_theme(page, live_server, "Raahattava B")
    page.goto(f"{live_server.url}/w/{SLUG}/manage/")
    titles = theme_titles(page)
    a, b = titles.index("Raahattava A"), titles.index("Raahattava B")
    assert b == a + 1
    # Drag B's handle onto A (the two new themes, so the demo's first theme stays first).
    handle = page.locator("#themes-manage li", has_text="Raahattava B").locator(".reorder-handle")
    expect(handle).to_be_visible()
    handle.drag_to(page.locator("#themes-manage li", has_text="Raahattava A"))
    # The server's list replaces the dragged one and the new place is announced.
    expect(page.locator("#reorder-status")).to_contain_text("Raahattava B")
    assert theme_titles(page).index("Raahattava B") == a
    moved_away = page.locator("#themes-manage li", has_text="Raahattava A")
    expect(moved_away.locator(".reorder-handle")).to_be_visible()  # the new list has its handles
    assert_accessible(page, "after dragging a theme")
    page.reload()
    assert theme_titles(page).index("Raahattava B") == a  # saved
    assert page.js_errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_copy_as_a_template_page_is_accessible(page, live_server, sign_in, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/manage/")
    page.locator(f"a[href$='/w/{SLUG}/manage/copy']").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("input[name=slug]").is_visible()
    assert_accessible(page, f"copy as a template at {width} px")
    # Sent empty: the errors, focus on their summary, nothing made.
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert_accessible(page, f"copy form with errors at {width} px")
    assert page.js_errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_bulk_moderation_form_with_htmx(new_page, live_server, sign_in, assert_accessible, width):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "admin@demo.ideaspace.fi", "demo-password-2023")
    page.goto(f"{live_server.url}/w/henkilostoohjelma-2023-2025/moderation")
    boxes = page.locator("#moderation-queue input[type=checkbox][form=bulk-moderation]")
    expect(boxes.first).to_be_visible()
    assert_accessible(page, f"queue with the bulk form at {width} px")
    # Two ticked, "hide" without a reason: htmx swaps in the error, the ticks are kept, nothing changes.
    first, second = boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#bulk-action-hide").check()
    page.locator("#bulk-moderation button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary a[href='#bulk-reason']")).to_be_visible()  # the reason is missing
    assert page.locator(f"#select-{first}").is_checked() and page.locator(f"#select-{second}").is_checked()
    assert page.locator("html").count() == 1  # swapped in place, not a page inside the page
    assert_accessible(page, f"queue after a refused bulk action at {width} px")
    assert page.js_errors == []
