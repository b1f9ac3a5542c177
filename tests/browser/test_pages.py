"""Every page type renders, in every language, with zero axe violations and no CSP errors."""

import pytest

from .seed import PASSWORD, PEOPLE, SLUG

LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}
DEMO_PASSWORD = "demo-password-2023"
DEMO_SLUG = "henkilostoohjelma-2023-2025"


@pytest.mark.parametrize("lang", LOCALES)
def test_login_page_is_accessible_in_every_language(new_page, live_server, assert_accessible, lang):
    page = new_page(locale=LOCALES[lang])
    page.goto(f"{live_server.url}/login")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", LOCALES)
def test_signed_in_pages_are_accessible(new_page, live_server, sign_in, assert_accessible, lang):
    page = new_page(locale=LOCALES[lang])
    sign_in(page, PEOPLE["admin"][0], PASSWORD)
    for path in ("/", f"/w/{SLUG}/", "/accessibility", "/admin/users", "/admin/units", "/no-such-page"):
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, path)
    # The demo's first theme has measures (other browser tests add themes to the seed workspace).
    page.goto(f"{live_server.url}/w/{DEMO_SLUG}/")
    page.locator(".theme-card__link").first.click()
    page.wait_for_load_state()
    assert page.locator("table.measures").count() == 1
    assert_accessible(page, "theme")
    assert page.js_errors == []


def test_layout_works_at_320_pixels(new_page, live_server, sign_in, assert_accessible):
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/")
    page.locator(".theme-card__link").first.click()
    page.wait_for_load_state()
    # Nothing but the table region scrolls sideways.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert_accessible(page, "320px")


def test_language_switcher_remembers_the_choice(new_page, live_server, sign_in):
    page = new_page()
    sign_in(page, PEOPLE["observer"][0], PASSWORD)
    page.locator(".language-switcher button[lang=sv]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv"
    # A new browser session with a Finnish browser still gets the person's Swedish.
    other = new_page(locale="fi-FI")
    sign_in(other, PEOPLE["observer"][0], PASSWORD)
    assert other.locator("html").get_attribute("lang") == "sv"


def test_skip_link_moves_focus_to_main(page, live_server):
    page.goto(f"{live_server.url}/login")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("lang", LOCALES)
def test_demo_measures_poll_shows_the_seed_percentages(
    new_page, live_server, sign_in, assert_accessible, lang
):
    """The Kokkola measures poll: 3/12/2/8/10 of 35, in the reader's number format (HR sees the
    results; supervisors once they have voted, as in the seed)."""
    page = new_page(locale=LOCALES[lang])
    sign_in(page, "hr@demo.ideaspace.fi", DEMO_PASSWORD)
    # HR's saved language is Finnish; the switcher overrides it.
    page.locator(f".language-switcher button[lang={lang}]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/w/{DEMO_SLUG}/")
    page.locator(".theme-card__link").nth(1).click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    expected = {"fi": "34,29\u00a0%", "sv": "34,29\u00a0%", "en": "34.29%"}[lang]
    assert expected in text
    assert_accessible(page, "demo theme 2")
