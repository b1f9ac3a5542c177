"""The clusters page in a real browser: renaming and moving by keyboard alone, axe at 390 and 1280 px."""

from __future__ import annotations

import pytest

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, User

from ..factories import Factories
from ..insight.conftest import TOPICS
from .seed import PASSWORD, PEOPLE

SLUG = "browser-clusters"


@pytest.fixture(scope="module")
def space(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        moderator = db.session.query(User).filter_by(email=PEOPLE["moderator"][0]).one()
        ws = make.workspace(slug=SLUG)
        make.member(ws, moderator, MemberRole.MODERATOR)
        theme = make.theme(ws)
        wall = make.activity(theme, ActivityKind.NOTES)
        for texts in TOPICS.values():
            for text in texts:
                make.note(wall, moderator, text=text)
        db.session.commit()
        return {"url": f"/w/{SLUG}/themes/{theme.id}/clusters"}


def _tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element has the focus (the keyboard's way there)."""
    target = page.locator(selector)
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never took the focus")


@pytest.mark.parametrize("width", [390, 1280])
def test_rename_and_move_by_keyboard(page, live_server, sign_in, assert_accessible, space, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    page.goto(live_server.url + space["url"])
    clusters = page.locator("section.cluster")
    assert clusters.count() == 3
    assert_accessible(page, f"clusters at {width} px")
    first = clusters.first
    section_id = first.get_attribute("id")
    # open the first cluster's tools and rename it, keyboard only
    _tab_to(page, f"#{section_id} .cluster__edit > summary")
    page.keyboard.press("Enter")
    assert_accessible(page, f"a cluster's tools open at {width} px")
    _tab_to(page, f"#{section_id} input[name=name]")
    page.keyboard.press("Control+A")
    page.keyboard.type(f"Perehdytys {width}")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"h2:has-text('Perehdytys {width}')")
    # move the renamed cluster's first item into the next cluster
    renamed = page.locator("section.cluster", has=page.locator(f"h2:has-text('Perehdytys {width}')"))
    section_id = renamed.get_attribute("id")
    before = renamed.locator(".card__meta").inner_text()
    _tab_to(page, f"#{section_id} .cluster__edit > summary")
    page.keyboard.press("Enter")
    _tab_to(page, f"#{section_id} select[name=item]")
    target = page.locator(f"#{section_id} select[name=to]").input_value()
    _tab_to(page, f"#{section_id} form[action$='/clusters/move'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**#cluster-{target.replace(':', '-')}")  # back on the page, at the target
    renamed = page.locator("section.cluster", has=page.locator(f"h2:has-text('Perehdytys {width}')"))
    assert renamed.locator(".card__meta").inner_text() != before  # one item fewer
    assert_accessible(page, f"clusters after a move at {width} px")
    assert not page.js_errors
