"""The Markdown toolbar in a real browser: the bold button wraps the selection, the keyboard reaches
and works every button, the preview shows the text rendered and sanitized by the server, the result
renders as bold, and the page passes axe at 390 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, User

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-markdown"


@pytest.fixture(scope="module")
def space(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        participant = db.session.query(User).filter_by(email=PEOPLE["participant"][0]).one()
        ws = make.workspace(slug=SLUG)
        make.member(ws, participant)
        theme = make.theme(ws)
        discussion = make.activity(theme, ActivityKind.DISCUSSION)
        db.session.commit()
        return {"url": f"/w/{SLUG}/themes/{theme.id}", "field": f"#thread-activity-{discussion.id}-new"}


@pytest.mark.parametrize("width", [390, 1280])
def test_toolbar_wraps_the_selection_and_the_comment_renders(
    page, live_server, sign_in, assert_accessible, space, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(live_server.url + space["url"])
    field = page.locator(space["field"])
    toolbar = page.locator(f"{space['field']} >> xpath=preceding-sibling::div[@role='group']")
    expect(toolbar.get_by_role("button")).to_have_count(5)
    assert_accessible(page, f"theme page with the Markdown toolbar at {width} px")

    field.fill(f"Tärkeä asia {width}")
    # Select "asia" with the keyboard (no page script: the CSP forbids eval).
    field.press("End")
    for _ in range(len(f" {width}")):
        field.press("ArrowLeft")
    for _ in range(4):
        field.press("Shift+ArrowLeft")
    toolbar.get_by_role("button").first.click()
    expect(field).to_have_value(f"Tärkeä **asia** {width}")
    expect(toolbar.locator("[aria-live]")).not_to_have_text("")

    # The keyboard: Ctrl+I wraps the selection in italics.
    field.press("End")
    for _ in range(len(str(width))):
        field.press("Shift+ArrowLeft")
    field.press("Control+i")
    assert field.input_value().endswith("*" + str(width) + "*")

    # The preview: rendered on the server (htmx POST with the CSRF header), typed markup as text.
    typed = field.input_value()
    field.press("End")
    field.type(" <script>alert(1)</script>")
    toolbar.locator("button[data-preview]").click()
    preview = page.locator(f"{space['field']}-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("[aria-live] strong", has_text="asia")).to_be_visible()
    expect(preview.locator("[aria-live]")).to_contain_text("<script>alert(1)</script>")
    assert preview.locator("script").count() == 0
    assert_accessible(page, f"theme page with the Markdown preview shown at {width} px")
    field.fill(typed)

    field.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator(".comment__body strong", has_text="asia").first).to_be_visible()


def test_without_javascript_the_textarea_is_plain_markdown_with_a_help_line(
    browser, live_server, sign_in, space
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(live_server.url + space["url"])
    assert page.locator(".md-toolbar").count() == 0
    assert "**" in page.locator(f"{space['field']}-hint").inner_text()
    context.close()
