"""The search page in a real browser: typed query, marked results, no JavaScript needed, axe at
390 and 1280 px."""

from __future__ import annotations

import pytest

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, User

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-search"


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
        notes = make.activity(theme, ActivityKind.NOTES)
        make.note(notes, users["moderator"], text="Perehdytysalustan pitäisi olla selkeämpi <b>heti</b>")
        make.note(notes, None, text="Perehdytys kestää liian kauan")
        for i in range(25):
            make.note(notes, users["moderator"], text=f"Rekrytointi {i}")
        db.session.commit()
        return {"url": f"/w/{SLUG}/search", "notes": notes.id}


@pytest.mark.parametrize("width", [390, 1280])
def test_search_finds_inflected_forms_and_is_accessible(
    page, live_server, sign_in, assert_accessible, space, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(live_server.url + space["url"])
    assert_accessible(page, f"empty search page at {width} px")
    page.fill("#search-q", "perehdytys")
    page.keyboard.press("Enter")
    page.wait_for_selector(".search-hit")
    assert page.locator(".search-hit").count() == 2
    marked = page.locator(".search-hit mark").all_inner_texts()
    assert sorted(marked) == ["Perehdytys", "Perehdytysalustan"]
    assert "<b>heti</b>" in page.locator(".search-hit__excerpt").first.inner_text() or "<b>heti</b>" in (
        page.locator(".search-hit__excerpt").last.inner_text()
    )
    assert_accessible(page, f"search results at {width} px")
    page.fill("#search-q", "rekrytointi")
    page.keyboard.press("Enter")
    page.wait_for_selector("nav.pagination")
    page.locator("a[rel=next]").click()
    page.wait_for_selector("a[rel=prev]")
    assert page.locator(".search-hit").count() == 5
    assert not page.js_errors


def test_search_works_without_javascript(new_page, live_server, space):
    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server.url}/login")
    page.fill("#email", PEOPLE["participant"][0])
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(live_server.url + space["url"])
    page.fill("#search-q", "perehdytysalustalla")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_selector(".search-hit")
    assert page.locator(".search-hit mark").all_inner_texts() == ["Perehdytysalustan"]
