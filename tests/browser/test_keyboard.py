"""Voting by keyboard alone on the Kokkola measures poll: Tab to it, arrows and space to choose,
Enter to send; focus lands on the confirmation, the results sit in an aria-live region, and every
element reached along the way shows a visible focus indicator."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ideaspace.extensions import db
from ideaspace.models import Activity, ActivityKind, Theme, Workspace

from .demo_state import demo_answers_restored

DEMO_PASSWORD = "demo-password-2023"
DEMO_SLUG = "henkilostoohjelma-2023-2025"
SUPERVISOR = "esihenkilo9@demo.ideaspace.fi"

FOCUS_STYLE = """el => {
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const text = (el.textContent || '').trim().slice(0, 40);
  return {outline, shadow: s.boxShadow !== 'none', tag: el.tagName, text};
}"""


@pytest.fixture(scope="module", autouse=True)
def _demo_results_kept(live_app):
    """Take back the answers this module adds to the demo polls (other tests read 34,29 %)."""
    with demo_answers_restored(live_app):
        yield


@pytest.fixture(scope="module")
def measures_poll(live_app):
    with live_app.app_context():
        poll = db.session.scalar(
            select(Activity)
            .join(Theme)
            .join(Workspace)
            .where(Workspace.slug == DEMO_SLUG, Activity.kind == ActivityKind.SINGLE_CHOICE)
        )
        return {"url": f"/w/{DEMO_SLUG}/themes/{poll.theme_id}", "id": poll.id}


def test_vote_by_keyboard_alone(page, live_server, sign_in, assert_accessible, measures_poll):
    sign_in(page, SUPERVISOR, DEMO_PASSWORD)
    page.goto(live_server.url + measures_poll["url"])
    base = f"activity-{measures_poll['id']}"
    radios = page.locator(f"#{base}-panel input[type=radio]")
    unfocused = []
    for _ in range(150):
        page.keyboard.press("Tab")
        style = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
        if not (style["outline"] or style["shadow"]):
            unfocused.append(style)
        if page.evaluate("document.activeElement.type === 'radio'"):
            break
    else:
        pytest.fail("Tab never reached the poll")
    assert unfocused == [], f"focused without a visible indicator: {unfocused}"
    expect(radios.first).to_be_focused()  # a radio group is one Tab stop, entered at its first option

    page.keyboard.press("ArrowDown")  # moves to and selects the second option
    expect(radios.nth(1)).to_be_focused()
    expect(radios.nth(1)).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(radios.nth(2)).to_be_checked()
    style = radios.nth(2).evaluate(FOCUS_STYLE)
    assert style["outline"] or style["shadow"]

    page.keyboard.press("Enter")  # implicit submission of the poll form
    confirmation = page.locator(f"#{base}-confirmation")
    expect(confirmation).to_be_focused()
    assert page.url.endswith(measures_poll["url"])  # swapped in place, no reload
    style = confirmation.evaluate(FOCUS_STYLE)
    assert style["outline"] or style["shadow"], style
    region = page.locator(f"#{base}-results-region")
    assert region.get_attribute("aria-live") == "polite"
    expect(region).to_contain_text("36")  # the demo's 35 votes and this one
    assert_accessible(page, "after voting by keyboard")
    assert page.js_errors == []


def test_the_skip_link_and_the_language_switcher_by_keyboard(page, live_server, sign_in):
    sign_in(page, SUPERVISOR, DEMO_PASSWORD)
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    style = page.locator(".skip-link").evaluate(FOCUS_STYLE)
    assert style["outline"] or style["shadow"]
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
