"""A live workshop in a real browser: the facilitator starts it and paces it from the big screen by
keyboard (both arrows, R, W), two guest phones (390 px, no account) join by the QR link and by
typing the code, answer and post, and the big screen and the control view show the count, the wall
and the word cloud as they come, by their event streams (the backup poll is 30 s: the short waits
below would miss it); axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, User

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-workshop"
PHONE = {"width": 390, "height": 844}
LIVE = 5_000  # ms: an event stream's "changed" and one fetch, well inside the 30 s backup poll


@pytest.fixture(scope="module")
def room(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        supervisor = db.session.query(User).filter_by(email=PEOPLE["participant"][0]).one()
        ws = make.workspace(slug=SLUG)
        make.member(ws, supervisor)
        theme = make.theme(ws)
        poll = make.activity(
            theme, ActivityKind.SINGLE_CHOICE, options=["Joustavat työajat", "Koulutus"], position=1
        )
        wall = make.activity(theme, ActivityKind.NOTES, position=2)
        db.session.commit()
        return {"theme": f"/w/{SLUG}/themes/{theme.id}", "poll": poll.id, "wall": wall.id}


def _phone(new_page):
    page = new_page(locale="en-GB")
    page.set_viewport_size(PHONE)
    page.stream_urls = []
    page.on("request", lambda request: page.stream_urls.append(request.url))
    return page


def test_a_workshop_from_start_to_the_wall(new_page, live_server, sign_in, room, assert_accessible):
    facilitator = new_page(locale="en-GB")
    sign_in(facilitator, PEOPLE["participant"][0], PASSWORD)
    facilitator.goto(live_server.url + room["theme"])
    facilitator.get_by_role("link", name="Run a live workshop").click()
    facilitator.get_by_role("button", name="Start the session").click()
    expect(facilitator.get_by_role("heading", name="Facilitating a workshop")).to_be_visible()
    code = facilitator.locator(".workshop-code").inner_text().strip()
    assert re.fullmatch(r"[ACDEFHJKMNPRTWXY3479]{4}-[ACDEFHJKMNPRTWXY3479]{4}", code)
    join_link = facilitator.locator(f"a[href*='code={code}']").get_attribute("href")
    qr = facilitator.locator("img.workshop-qr")
    expect(qr).to_have_attribute("alt", re.compile("QR code"))
    assert facilitator.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0
    assert_accessible(facilitator, "the control view")
    facilitator.set_viewport_size(PHONE)  # a facilitator may run it from a phone
    assert_accessible(facilitator, "the control view at 390 px")
    assert facilitator.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    screen = facilitator.context.new_page()
    screen.js_errors = []
    screen.on("pageerror", lambda exc: screen.js_errors.append(str(exc)))
    big_screen = facilitator.locator("a", has_text="Open the big screen").get_attribute("href")
    screen.goto(live_server.url + big_screen)
    expect(screen.locator(".presenter__code")).to_have_text(code)
    expect(screen.locator(".presenter__count")).to_have_text("0 answers")
    assert_accessible(screen, "the big screen")

    # The first phone scans the QR code (its link), the second types the code.
    first = _phone(new_page)
    first.goto(join_link)
    expect(first.locator("#code")).to_have_value(code)
    assert_accessible(first, "the join page at 390 px")
    first.fill("#name", "<b>Pirjo</b>")
    first.get_by_role("button", name="Join").click()
    expect(first.get_by_role("heading", name=re.compile("Kysely|Enkät|Poll|\\w"))).to_be_visible()
    assert first.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(first, "the guest's step at 390 px")
    second = _phone(new_page)
    second.goto(live_server.url + "/join")
    second.fill("#code", code.lower().replace("-", " "))
    second.get_by_role("button", name="Join").click()

    first.get_by_label("Joustavat työajat").check()
    first.get_by_role("button", name="Send your answer").click()
    expect(first.locator("#workshop-step")).to_contain_text("your answer was counted")
    second.get_by_label("Koulutus").check()
    second.get_by_role("button", name="Send your answer").click()
    expect(second.locator("#workshop-step")).to_contain_text("your answer was counted")
    expect(screen.locator(".presenter__count")).to_have_text("2 answers", timeout=LIVE)
    expect(facilitator.locator("#control-live")).to_contain_text("2 answers.", timeout=LIVE)
    assert any("/live/events" in url for url in first.stream_urls), "the phone follows its stream"

    # The big screen by keyboard: R shows the results, the right arrow moves to the notes wall.
    screen.keyboard.press("r")
    expect(screen.locator(".presenter__bars")).to_contain_text("Joustavat työajat")
    screen.wait_for_load_state()
    screen.keyboard.press("ArrowRight")
    expect(screen.locator(".presenter__step")).to_have_text("Step 2 of 2")
    # The phones follow without reloading.
    expect(first.get_by_label("Your note")).to_be_visible(timeout=LIVE)
    expect(second.get_by_label("Your note")).to_be_visible(timeout=LIVE)
    first.get_by_label("Your note").fill("<script>alert(1)</script>Enemmän taukoja")
    first.get_by_role("button", name="Post the note").click()
    expect(first.locator("#workshop-step")).to_contain_text("Note posted")
    screen.wait_for_load_state()
    screen.keyboard.press("r")
    expect(screen.locator(".presenter__wall")).to_contain_text("<script>alert(1)</script>Enemmän taukoja")
    expect(screen.locator(".presenter__author")).to_contain_text("<b>Pirjo</b>")
    expect(screen.locator(".presenter__count")).to_have_text("1 note")
    second.get_by_label("Your note").fill("Taukoja useammin")
    second.get_by_role("button", name="Post the note").click()
    expect(screen.locator(".presenter__count")).to_have_text("2 notes", timeout=LIVE)
    # W shows the notes as a word cloud, counted by base form ("taukoja" twice: "tauko").
    screen.keyboard.press("w")
    expect(screen.locator(".presenter__cloud")).to_contain_text("tauko")
    expect(screen.locator(".presenter__wall")).to_have_count(0)
    assert_accessible(screen, "the big screen's word cloud")
    # The left arrow goes back a step, and the phones follow.
    screen.wait_for_load_state()
    screen.keyboard.press("ArrowLeft")
    expect(screen.locator(".presenter__step")).to_have_text("Step 1 of 2")
    expect(first.get_by_label("Your note")).to_have_count(0, timeout=LIVE)
    for page in (facilitator, screen, first, second):
        assert not page.js_errors, page.js_errors
