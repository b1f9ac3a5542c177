"""Duplicate suggestions in a real browser (issue 14): typing an idea announces similar ones in a
polite live region, "Support this instead" supports the existing idea, and without JavaScript the
check step shows them before publishing, nothing lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, User
from ideaspace.sanitize import clean_html

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-duplicates"
EXISTING = "Lounastauon kävelykerho henkilöstölle"


@pytest.fixture(scope="module")
def duplicate_workspace(live_app):
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
        make.idea(
            ws,
            theme=theme,
            title=EXISTING,
            author=users["moderator"],
            body=clean_html("Kävellään yhdessä lounastauolla puolen tunnin lenkki."),
        )
        make.idea(ws, theme=theme, title="Työvuorolistat kuukausi etukäteen", author=users["moderator"])
        db.session.commit()


def test_typing_an_idea_announces_similar_ones_and_supports_instead(
    page, live_server, sign_in, assert_accessible, duplicate_workspace
):
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/ideas")
    region = page.locator("#similar-title")
    expect(region).to_have_attribute("aria-live", "polite")
    page.locator("#title").press_sequentially("Kävelykerho lounastauolle", delay=20)
    suggestion = region.locator(".similar-idea", has_text=EXISTING)
    suggestion.wait_for()
    expect(region).not_to_contain_text("Työvuorolistat")
    assert_accessible(page, "suggestions")
    button = suggestion.get_by_role("button", name="Tue tätä mieluummin")
    button.focus()  # reachable by keyboard
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/w/{SLUG}/ideas/*")
    expect(page.locator("h1")).to_have_text(EXISTING)
    expect(page.locator(".support__count")).to_contain_text("1")


def test_without_javascript_the_check_step_keeps_the_draft(
    new_page, live_server, sign_in, duplicate_workspace
):
    page = new_page(java_script_enabled=False)
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/ideas")
    page.fill("#title", "Kävelykerho lounastauolla")
    page.fill("#body", "Lähdetään yhdessä kävelylle lounastauon aikana.")
    page.locator(".idea-submit button[type=submit]").click()
    expect(page.locator("#similar-title")).to_contain_text(EXISTING)
    expect(page.locator("#title")).to_have_value("Kävelykerho lounastauolla")
    expect(page.locator("#body")).to_have_value("Lähdetään yhdessä kävelylle lounastauon aikana.")
    page.get_by_role("button", name="Julkaise silti").click()
    expect(page.locator("h1")).to_have_text("Kävelykerho lounastauolla")


def test_having_seen_the_suggestions_while_typing_publishes_in_one_click(
    page, live_server, sign_in, duplicate_workspace
):
    """The suggestions shown while typing are the check: no second step on submitting."""
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(f"{live_server.url}/w/{SLUG}/ideas")
    page.locator("#title").press_sequentially("Kävelykerho lounastauon ajaksi", delay=20)
    page.locator("#body").press_sequentially("Kävellään yhdessä lounastauolla.", delay=10)
    page.locator("#similar-title .similar-idea", has_text=EXISTING).wait_for()
    page.locator(".idea-submit form:has(#title) button[type=submit]").click()
    expect(page.locator("#similar-title")).not_to_contain_text(EXISTING)
    expect(page.get_by_role("button", name="Julkaise silti")).to_have_count(0)
    expect(page.get_by_text("Kiitos! Ideasi on nyt Ideatynnyrissä.").first).to_be_visible()
