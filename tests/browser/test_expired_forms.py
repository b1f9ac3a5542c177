"""A comment sent after the form's token went stale, in a real browser: nothing typed is lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, User

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-expired"
EMAIL = "expired-forms@example.fi"


@pytest.fixture(scope="module")
def space(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        # A person of these tests' own: the language switch below stores their language.
        participant = make.user(email=EMAIL, name="Vanhentunut Lomake")
        moderator = db.session.query(User).filter_by(email=PEOPLE["moderator"][0]).one()
        ws = make.workspace(slug=SLUG)
        make.member(ws, participant)
        make.member(ws, moderator, MemberRole.MODERATOR)
        theme = make.theme(ws)
        discussion = make.activity(theme, ActivityKind.DISCUSSION)
        db.session.commit()
        return {"url": f"/w/{SLUG}/themes/{theme.id}", "discussion": discussion.id}


def sign_in_again_elsewhere(page, sign_in):
    """Another tab of the same browser signs out and in: the session's CSRF token is a new one,
    and the first tab's form still carries the old."""
    other = page.context.new_page()
    page.context.clear_cookies()
    sign_in(other, EMAIL, PASSWORD)
    other.close()


def test_htmx_keeps_the_text_and_sends_it_on_the_second_press(page, live_server, sign_in, space):
    sign_in(page, EMAIL, PASSWORD)
    page.goto(live_server.url + space["url"])
    thread = f"#thread-activity-{space['discussion']}"
    before = page.locator(f"{thread} .comment__body").count()
    page.fill(f"{thread}-new", "Pitkään mietitty kommentti")
    sign_in_again_elsewhere(page, sign_in)

    submit = page.locator(f"{thread} form.comment-form >> nth=-1").locator("button[type=submit]")
    submit.click()
    notice = page.locator("#flash #form-expired")
    expect(notice).to_contain_text("Lomake oli vanhentunut")
    expect(notice).to_be_focused()
    expect(page.locator(f"{thread}-new")).to_have_value("Pitkään mietitty kommentti")
    assert page.locator(f"{thread} .comment__body").count() == before

    submit.click()  # the page's forms took the new token
    expect(page.locator(f"{thread} .comment__body").last).to_contain_text("Pitkään mietitty kommentti")
    assert page.js_errors == []


def test_a_plain_form_gets_the_page_and_it_passes_axe(page, live_server, sign_in, space, assert_accessible):
    """The language switch is a plain form (no htmx): the full page, then one press sends it."""
    sign_in(page, EMAIL, PASSWORD)
    page.goto(live_server.url + space["url"])
    sign_in_again_elsewhere(page, sign_in)
    page.locator(".language-switcher button[lang=sv]").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Lomake oli vanhentunut")
    assert_accessible(page, "the expired form's page")
    page.locator("#resubmit button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + space["url"]
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.locator(".language-switcher button[lang=fi]").click()  # back to Finnish for the other tests
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "fi")


def test_without_javascript_the_page_gives_the_text_back(new_page, live_server, sign_in, space):
    page = new_page(java_script_enabled=False)
    sign_in(page, EMAIL, PASSWORD)
    page.goto(live_server.url + space["url"])
    thread = f"#thread-activity-{space['discussion']}"
    page.fill(f"{thread}-new", "Ilman JavaScriptiä </textarea><b>lihavoitu</b>")
    sign_in_again_elsewhere(page, sign_in)

    page.locator(f"{thread} form.comment-form >> nth=-1").locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Lomake oli vanhentunut")
    expect(page.locator("#resubmit textarea")).to_have_value("Ilman JavaScriptiä </textarea><b>lihavoitu</b>")
    assert page.locator("#resubmit b").count() == 0

    page.locator("#resubmit button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.startswith(live_server.url + space["url"])
    expect(page.locator(f"{thread} .comment__body").last).to_contain_text("Ilman JavaScriptiä")
