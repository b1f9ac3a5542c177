"""The idea barrel in a real browser: htmx swaps, focus, live regions, no-JS fallback, axe."""


from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, User

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-ideas"


@pytest.fixture(scope="module")
def idea_workspace(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        users = {
            key: db.session.query(User).filter_by(email=email).one() for key, (email, _r) in PEOPLE.items()
        }
        ws = make.workspace(slug=SLUG)
        make.member(ws, users["participant"])
        make.member(ws, users["moderator"], MemberRole.MODERATOR)
        theme = make.theme(ws)
        make.activity(theme, ActivityKind.IDEAS)
        for title in ("Mentoring for new supervisors", "Sauna evenings", "Flexible hours"):
            make.idea(ws, theme=theme, title=title, author=users["moderator"])
        db.session.commit()
        return {"theme_id": theme.id}


def test_barrel_submit_support_and_search_with_htmx(
    page, live_server, sign_in, assert_accessible, idea_workspace
):
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/ideas")
    assert_accessible(page, "barrel")

    page.fill("#title", "Shared calendar for trainings")
    page.fill("#body", "One calendar for every internal training.")
    page.locator(".idea-submit button[type=submit]").click()
    new_item = page.locator(".idea-card", has_text="Shared calendar for trainings")
    new_item.wait_for()
    assert page.url.endswith(f"/w/{SLUG}/ideas")  # swapped in place, no reload
    expect(new_item).to_be_focused()
    # The page is Finnish: "Thank you! Your idea is now in the idea barrel."
    assert "Ideatynnyrissä" in page.locator("#flash").inner_text()
    assert_accessible(page, "after submit")

    button = new_item.locator("button[aria-pressed]")
    button.click()
    page.wait_for_selector(".idea-card:has-text('Shared calendar') button[aria-pressed=true]")
    assert "1" in new_item.locator(".support__count").inner_text()

    page.fill("#q", "sauna")
    page.locator(".idea-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=sauna"))
    expect(page.locator(".idea-card")).to_have_count(1)
    expect(page.locator("#idea-list-count")).to_be_focused()
    assert page.locator(".idea-card").inner_text().startswith("Sauna evenings")
    assert page.js_errors == []


def test_idea_and_theme_pages_are_accessible(page, live_server, sign_in, assert_accessible, idea_workspace):
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/ideas")
    page.locator(".idea-card h3 a").first.click()
    page.wait_for_load_state()
    assert page.locator("#idea-moderate-heading").count() == 1
    assert_accessible(page, "idea page")
    page.goto(f"{live_server.url}/w/{SLUG}/themes/{idea_workspace['theme_id']}")
    assert page.locator(".theme-ideas").count() == 1
    assert_accessible(page, "theme page")
    page.goto(f"{live_server.url}/w/{SLUG}/ideas/mine")
    assert_accessible(page, "my ideas")
    assert page.js_errors == []


def test_barrel_works_without_javascript(new_page, live_server, sign_in, idea_workspace):
    page = new_page(java_script_enabled=False)
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/ideas")
    page.fill("#title", "Idea without scripts")
    page.fill("#body", "Posted the old way.")
    page.locator(".idea-submit button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"/ideas/\d+$", page.url)
    assert page.locator("h1").inner_text() == "Idea without scripts"
    page.locator(".support button").click()
    page.wait_for_load_state()
    assert page.locator(".support button").get_attribute("aria-pressed") == "true"


def test_observer_reads_but_cannot_write(page, live_server, sign_in, idea_workspace):
    sign_in(page, PEOPLE["observer"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/ideas")
    assert page.locator(".idea-card").count() >= 3
    assert page.locator(".idea-submit").count() == 0 and page.locator(".support button").count() == 0
