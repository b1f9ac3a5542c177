"""The invited list in a real browser (issue 18, 3): a moderator searches it, the list alone is
swapped (htmx) with focus on its count, pages on, and a batch with a bad address lists it with its
reason; axe at 390 and 1280 px after each."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import MemberRole, User

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-invitations"


@pytest.fixture(scope="module")
def space(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        moderator = db.session.query(User).filter_by(email=PEOPLE["moderator"][0]).one()
        ws = make.workspace(slug=SLUG)
        make.member(ws, moderator, MemberRole.MODERATOR)
        school, roads = make.unit("Perusopetus"), make.unit("Kuntatekniikka")
        for n, unit in enumerate((school, roads)):
            make.member(
                ws, make.user(name="Anders Lindholm", email=f"anders{n}@browser.example.fi", unit=unit)
            )
        for n in range(55):
            make.member(ws, make.user(name=f"Zeta {n:02d}", unit=roads))
        make.user(email="invite.me@browser.example.fi", name="Invite Me")
        db.session.commit()
        return f"/w/{SLUG}/invitations"


@pytest.mark.parametrize("width", [390, 1280])
def test_search_page_and_a_batch_with_a_bad_address(
    page, live_server, sign_in, assert_accessible, space, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    page.goto(live_server.url + space)
    roster = page.locator("#roster")
    expect(roster.locator("tbody tr")).to_have_count(50)
    expect(roster.get_by_text("anders1@browser.example.fi")).to_be_visible()
    assert_accessible(page, f"invitations, 58 invited, at {width} px")

    search = page.get_by_role("search")
    search.locator("#q").fill("lindholm")
    search.get_by_role("button").first.click()
    expect(roster.locator("tbody tr")).to_have_count(2)
    expect(page.locator("#roster-count")).to_be_focused()  # the list alone was swapped
    assert "q=lindholm" in page.url
    expect(roster.get_by_text("2 samannimistä")).to_have_count(2)  # the page speaks Finnish
    assert_accessible(page, f"invitations searched at {width} px")

    page.goto(live_server.url + space)
    expect(page.locator("#roster")).not_to_contain_text("Zeta 54")
    page.locator("#roster a[rel=next]").click()
    expect(page.locator("#roster")).to_contain_text("Zeta 54")  # the last name, on the second page
    expect(page.locator("#roster-count")).to_be_focused()

    page.locator("#emails").fill("invite.me@browser.example.fi, not-an-address")
    page.locator("form[method=post][action$='/invitations'] button[type=submit]").click()
    rejected = page.locator("#rejected")
    expect(rejected).to_contain_text("not-an-address")
    expect(rejected).to_contain_text("Sähköpostiosoite ei ole kelvollinen.")
    expect(page.locator("#emails")).to_have_value("not-an-address")
    assert_accessible(page, f"invitations with a rejected address at {width} px")
