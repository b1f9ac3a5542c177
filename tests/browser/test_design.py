"""The design on a phone and on a laptop (issue 17): axe at 390 and 1280 px on what supervisors and
HR use, a header that fits a phone with its user menu on screen, no sideways scrolling, and the
measures table as cards on a phone."""

from __future__ import annotations

import pytest

from .test_accessibility import demo, sweep  # noqa: F401  (the demo's page list, a module fixture)

DEMO_PASSWORD = "demo-password-2023"
W = "/w/henkilostoohjelma-2023-2025"
SUPERVISOR = "esihenkilo1@demo.ideaspace.fi"  # Finnish
HR = "hr@demo.ideaspace.fi"
WIDTHS = (390, 1280)


def _page(browser, width, height=844):
    context = browser.new_context(locale="fi-FI", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _theme_paths(page, base):
    page.goto(f"{base}{W}/")
    hrefs = page.locator("a.theme-card__link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) == 5
    return hrefs


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("email", [SUPERVISOR, HR])
def test_supervisor_and_hr_pages_have_no_axe_violations(
    browser, live_server, sign_in, assert_accessible, width, email
):
    context, page = _page(browser, width)
    try:
        sign_in(page, email, DEMO_PASSWORD)
        failures = []
        paths = ["/", f"{W}/", *_theme_paths(page, live_server.url), f"{W}/ideas", "/account"]
        for path in paths:
            page.goto(live_server.url + path)
            # Nothing scrolls sideways (WCAG 1.4.10 at 390 px; and no stray overflow on a laptop).
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                failures.append(f"{path} at {width} px scrolls sideways by {overflow} px")
            try:
                assert_accessible(page, f"{path} at {width} px")
            except AssertionError as error:
                failures.append(str(error))
        # The user menu open, too.
        page.goto(live_server.url + f"{W}/")
        page.locator(".user-menu summary").click()
        try:
            assert_accessible(page, f"the user menu open at {width} px")
        except AssertionError as error:
            failures.append(str(error))
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()


@pytest.mark.parametrize("width", (360, 390))
def test_the_header_fits_a_phone_and_its_user_menu_stays_on_screen(browser, live_server, sign_in, width):
    context, page = _page(browser, width)
    try:
        sign_in(page, SUPERVISOR, DEMO_PASSWORD)
        page.goto(f"{live_server.url}{W}/")
        assert page.locator(".site-header").bounding_box()["height"] <= 82
        page.locator(".user-menu summary").click()
        sign_out = page.locator(".user-menu__panel button[type=submit]")
        for locator in (page.locator(".user-menu__panel"), sign_out):
            box = locator.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (locator, box)
        assert sign_out.inner_text() == "Kirjaudu ulos"  # whole, not "rjaudu ulos"
        # The language buttons show their codes and are named by their language.
        swedish = page.locator(".language-switcher button[lang=sv]")
        assert swedish.locator(".language-switcher__code").inner_text() == "SV"
        assert swedish.locator(".language-switcher__name").bounding_box()["width"] <= 1  # read, not shown
        assert "Svenska" in swedish.evaluate("b => b.textContent")
        # The user menu opens with the keyboard, and its panel is reachable by tabbing.
        page.keyboard.press("Escape")
        page.goto(f"{live_server.url}{W}/")
        page.locator(".user-menu summary").focus()
        page.keyboard.press("Enter")
        assert page.locator(".user-menu").get_attribute("open") is not None
    finally:
        context.close()


def test_the_measures_table_is_a_list_of_cards_on_a_phone_and_a_table_on_a_laptop(
    browser, live_server, sign_in
):
    for width, expected in ((390, "flex"), (1280, "table-row")):
        context, page = _page(browser, width)
        try:
            sign_in(page, SUPERVISOR, DEMO_PASSWORD)
            theme = _theme_paths(page, live_server.url)[1]
            page.goto(live_server.url + theme)
            row = page.locator("table.measures tbody tr").first
            assert row.evaluate("r => getComputedStyle(r).display") == expected
            if width == 390:
                # Every cell is labelled with its column, and the measure comes first.
                label = row.locator("td[data-label]").first.evaluate(
                    "td => getComputedStyle(td, '::before').content"
                )
                assert label == '"Tavoite: "'
                assert row.locator("th").bounding_box()["y"] < row.locator("td").first.bounding_box()["y"]
        finally:
            context.close()


def test_a_theme_page_folds_its_long_parts_on_a_phone_and_shows_them_on_a_laptop(
    browser, live_server, sign_in
):
    """At 390 px a long introduction shows a few lines and the measures' indicators wait behind a
    tap; at 1280 px both are simply there, with no toggle (issue 17: theme pages were long)."""
    for width in WIDTHS:
        context, page = _page(browser, width)
        try:
            sign_in(page, SUPERVISOR, DEMO_PASSWORD)
            page.goto(live_server.url + _theme_paths(page, live_server.url)[1])
            fold, toggle = page.locator(".theme > .fold"), page.locator(".theme > .fold > summary")
            text = fold.locator(".prose")
            indicators = page.locator("table.measures tbody tr").first.locator(".indicators")
            full = text.evaluate("e => e.scrollHeight")
            if width == 390:
                assert fold.bounding_box()["height"] < full  # folded: a few lines
                assert toggle.inner_text() == "Näytä koko johdanto" and not indicators.is_visible()
                toggle.click()
                assert toggle.inner_text() == "Näytä vähemmän" and fold.bounding_box()["height"] > full
                summary = page.locator("table.measures tbody tr").first.locator("summary")
                assert " ".join(summary.inner_text().split()) == "Arviointi (1 mittari)"
                assert summary.bounding_box()["height"] >= 44  # a thumb's target
                summary.click()
                assert indicators.is_visible()
            else:
                assert not toggle.is_visible() and indicators.is_visible()
                assert fold.bounding_box()["height"] >= full
        finally:
            context.close()


def test_theme_page_starts_with_what_to_do(browser, live_server, sign_in):
    context, page = _page(browser, 390)
    try:
        sign_in(page, SUPERVISOR, DEMO_PASSWORD)
        theme = _theme_paths(page, live_server.url)[2]
        page.goto(live_server.url + theme)
        todo = page.locator(".theme-todo")
        assert todo.locator("h2").inner_text() == "Näin voit osallistua"
        assert todo.bounding_box()["y"] < 844  # on the first screen of a phone
        first = todo.locator("a").first
        target = first.get_attribute("href")
        first.click()
        assert page.url.endswith(target)
        assert page.locator(target).bounding_box()["y"] < 200  # scrolled to the activity
    finally:
        context.close()


def test_every_page_type_at_390_px_has_no_axe_violations(
    browser, live_server, sign_in, assert_accessible, request
):
    """The accessibility suite's every page type (as the admin, in Finnish), now on a phone."""
    context, page = _page(browser, 390)
    try:
        sign_in(page, "admin@demo.ideaspace.fi", DEMO_PASSWORD)
        pages = request.getfixturevalue("demo")["pages"]
        failures = sweep(page, live_server.url, pages, assert_accessible)
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()
