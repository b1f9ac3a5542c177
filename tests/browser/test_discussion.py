"""Discussion and notes walls in a real browser: htmx swaps, focus, announcements, no-JS, axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, User

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-discussion"


@pytest.fixture(scope="module")
def space(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        users = {
            key: db.session.query(User).filter_by(email=email).one() for key, (email, _r) in PEOPLE.items()
        }
        ws = make.workspace(slug=SLUG)
        make.member(ws, users["participant"])
        make.member(ws, users["moderator"], MemberRole.MODERATOR)
        theme = make.theme(ws)
        measure = make.measure(theme)
        discussion = make.activity(theme, ActivityKind.DISCUSSION)
        notes = make.activity(theme, ActivityKind.NOTES)
        make.comment(discussion, users["moderator"], body="<p>Mitä mieltä olette?</p>")
        for text in ("Uteliaisuutta", "Uteliaisuus ja rohkeus", "Kannustava ilmapiiri"):
            make.note(notes, users["moderator"], text=text)
        db.session.commit()
        return {
            "url": f"/w/{SLUG}/themes/{theme.id}",
            "measure_url": f"/w/{SLUG}/measures/{measure.id}",
            "discussion": discussion.id,
            "notes": notes.id,
        }


def test_comment_like_and_edit_with_htmx(page, live_server, sign_in, assert_accessible, space):
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(live_server.url + space["url"])
    assert_accessible(page, "theme page with a discussion and a notes wall")
    thread = f"#thread-activity-{space['discussion']}"

    page.fill(f"{thread}-new", "Tärkeä **asia** <script>alert(1)</script>")
    page.locator(f"{thread} form.comment-form >> nth=-1").locator("button[type=submit]").click()
    page.wait_for_selector(f"{thread} .comment__body strong")
    assert page.url.endswith(space["url"])  # no reload
    # Locator assertions, not wait_for_function: a string predicate is eval'd, which the CSP forbids.
    expect(page.locator(f"{thread} article.comment__card[data-focus]")).to_be_focused()
    assert page.locator(f"{thread}-status").inner_text().strip() != ""
    assert "<script>alert(1)</script>" in page.locator(f"{thread} .comment__body").last.inner_text()

    like = page.locator(f"{thread} .like-button").first
    assert like.get_attribute("aria-pressed") == "false"
    like.click()
    page.wait_for_selector(f"{thread} .like-button[aria-pressed=true]")
    expect(page.locator(f"{thread} .like-button[aria-pressed=true]")).to_be_focused()

    page.locator(f"{thread} .comment__edit").last.click()
    editor = page.locator(f"{thread} textarea[id*=edit]")
    expect(editor).to_be_focused()
    editor.fill("Muokattu *teksti*")
    page.locator(f"{thread} textarea[id*=edit] >> xpath=ancestor::form").locator(
        "button[type=submit]"
    ).click()
    page.wait_for_selector(f"{thread} .comment__body em")
    assert_accessible(page, "after commenting, liking and editing")
    assert page.js_errors == []


def test_note_with_htmx_updates_wall_and_cloud(page, live_server, sign_in, assert_accessible, space):
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(live_server.url + space["url"])
    wall = f"#notes-{space['notes']}"
    page.fill(f"#note-{space['notes']}-text", "Uteliaisuutta ja kokeiluja")
    page.locator(f"{wall} .note-form button[type=submit]").click()
    page.wait_for_selector(f"{wall} .note[data-focus]")
    assert page.url.endswith(space["url"])
    first = page.locator(f"{wall} .wordcloud li").first.inner_text()
    assert first.startswith("uteliaisuu")  # counted by its base form (uteliaisuus with Voikko)
    assert page.locator(f"#notes-{space['notes']}-status").inner_text().strip() != ""
    assert_accessible(page, "after posting a note")
    assert page.js_errors == []


def test_comment_without_javascript_redirects_to_the_comment(new_page, live_server, sign_in, space):
    page = new_page(java_script_enabled=False)
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(live_server.url + space["measure_url"])
    page.fill("#thread-measure-" + space["measure_url"].rsplit("/", 1)[1] + "-new", "Ilman JavaScriptiä")
    page.locator("form.comment-form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "#comment-" in page.url and page.url.split("#")[0].endswith(space["measure_url"])
    assert "Ilman JavaScriptiä" in page.content()
