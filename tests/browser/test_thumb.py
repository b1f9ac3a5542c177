"""A supervisor's journey on a touch phone at 390 px, by thumb alone (issue 17, 2): every control
they tap is on screen and at least 24 × 24 px (WCAG 2.2, 2.5.8), and the taps vote, comment, post a
note and an idea, and reach the user menu's sign-out."""

from __future__ import annotations

from playwright.sync_api import expect

from ..factories import PASSWORD
from .test_journeys import DEMO_SLUG, _demo_results_kept, demo, new_supervisor  # noqa: F401  (fixtures)

WIDTH = 390
TARGET = 24  # px, the smallest target WCAG 2.2 AA allows


def _tap(page, locator, what: str, problems: list[str]) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    if box is None:
        problems.append(f"{what}: not shown")
        return
    if box["width"] < TARGET or box["height"] < TARGET:
        problems.append(f"{what}: {box['width']:.0f} × {box['height']:.0f} px")
    if box["x"] < 0 or box["x"] + box["width"] > WIDTH:
        problems.append(f"{what}: off screen ({box['x']:.0f}…{box['x'] + box['width']:.0f} px)")
    locator.tap()


def test_a_supervisor_takes_part_by_thumb_on_a_phone(browser, live_app, live_server, demo):  # noqa: F811
    person = new_supervisor(live_app, "fi", member=True)
    context = browser.new_context(
        locale="fi-FI", viewport={"width": WIDTH, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    try:
        page.goto(f"{live_server.url}/login")
        page.fill("#email", person.email)
        page.fill("#password", PASSWORD)
        _tap(page, page.locator("main form button[type=submit]"), "sign in", problems)
        page.wait_for_url(f"{live_server.url}/")
        base = f"{live_server.url}/w/{DEMO_SLUG}"
        page.goto(f"{base}/")

        # From the front page's card to the theme with the measures poll.
        card = page.locator(f"a.theme-card__link[href$='/themes/{demo['poll_theme']}']")
        _tap(page, card, "the theme card", problems)
        page.wait_for_url(f"**/themes/{demo['poll_theme']}")

        # Votes: the option's label, then the button.
        panel = page.locator(f"#activity-{demo['poll']}-panel")
        _tap(
            page, panel.locator("label:has(input[type=radio]), label[for]").nth(1), "a poll option", problems
        )
        assert panel.locator("input[type=radio]:checked").count() == 1
        _tap(page, panel.locator("button[type=submit]"), "the vote button", problems)
        expect(page.locator(f"#activity-{demo['poll']}-confirmation")).to_be_visible()

        # Comments on the theme.
        thread = f"#thread-theme-{demo['poll_theme']}"
        _tap(page, page.locator(f"{thread}-new"), "the comment field", problems)
        page.keyboard.type("Peukalolla kirjoitettu kommentti")
        form = page.locator(f"{thread} form.comment-form").last
        _tap(page, form.locator("button[type=submit]"), "the comment button", problems)
        expect(page.locator(f"{thread} .comment__body").last).to_contain_text("Peukalolla kirjoitettu")

        # A note on the wall.
        page.goto(f"{base}/themes/{demo['notes_theme']}")
        _tap(page, page.locator(f"#note-{demo['notes']}-text"), "the note field", problems)
        page.keyboard.type("Peukalolla lyhyt muistiinpano")
        _tap(
            page,
            page.locator(f"#notes-{demo['notes']} .note-form button[type=submit]"),
            "post note",
            problems,
        )
        expect(page.locator(f"#notes-{demo['notes']} .note[data-focus]")).to_contain_text("Peukalolla")

        # An idea into the barrel.
        page.goto(f"{base}/ideas")
        title = "Kielikahvila ruotsin puhumiseen torstaisin"
        page.fill("#title", title)
        page.fill("#body", "Torstain kahvitauolla puhutaan vain ruotsia, kuka tahansa saa tulla mukaan.")
        _tap(page, page.locator(".idea-submit button[type=submit]"), "submit idea", problems)
        publish = page.locator("button[name=publish_anyway], button[value=anyway]")
        if publish.count():  # the duplicate check step, when a similar idea exists
            _tap(page, publish.first, "publish anyway", problems)
        expect(page.locator(".idea-card", has_text=title)).to_be_visible()

        # The user menu opens by a tap and its sign-out is whole and on screen.
        _tap(page, page.locator(".user-menu summary"), "the user menu", problems)
        sign_out = page.locator(".user-menu form button[type=submit], .user-menu a[href*=logout]").first
        expect(sign_out).to_be_visible()
        box = sign_out.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
        _tap(page, sign_out, "sign out", problems)
        page.wait_for_url("**/login**")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
