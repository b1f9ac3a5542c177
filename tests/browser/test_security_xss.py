"""The nastiest XSS payloads, stored as people would store them, in a real browser: no dialog opens
and the CSP reports no violation (nothing even tried to run)."""

from __future__ import annotations

import pytest

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, User
from ideaspace.sanitize import clean_html, clean_text

from ..factories import Factories
from ..security.xss import NASTIEST
from .seed import PASSWORD, PEOPLE

SLUG = "browser-xss"


@pytest.fixture(scope="module")
def space(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        users = {
            key: db.session.query(User).filter_by(email=email).one() for key, (email, _r) in PEOPLE.items()
        }
        sample = " ".join(NASTIEST[:6])
        ws = make.workspace(slug=SLUG, title={"fi": f"XSS {sample}"[:200]})
        make.member(ws, users["participant"])
        make.member(ws, users["moderator"], MemberRole.MODERATOR)
        theme = make.theme(ws, title={"fi": NASTIEST[0]}, introduction={"fi": clean_html(" ".join(NASTIEST))})
        make.measure(theme, text={"fi": NASTIEST[1]}, goal={"fi": NASTIEST[2]})
        discussion = make.activity(theme, ActivityKind.DISCUSSION, title={"fi": NASTIEST[3]})
        notes = make.activity(theme, ActivityKind.NOTES, title={"fi": NASTIEST[4]})
        make.activity(theme, ActivityKind.IDEAS)
        make.activity(theme, ActivityKind.SINGLE_CHOICE, options=list(NASTIEST[:5]))
        ideas = []
        for payload in NASTIEST:
            make.comment(discussion, users["participant"], body=clean_html(payload))
            make.comment(theme, users["participant"], body=clean_html(payload))
            make.note(notes, users["participant"], text=clean_text(payload)[:280])
            ideas.append(
                make.idea(
                    ws,
                    users["participant"],
                    theme=theme,
                    title=clean_text(payload)[:200],
                    body=clean_html(payload),
                ).id
            )
        db.session.commit()
        return {
            "pages": [
                f"/w/{SLUG}/",
                f"/w/{SLUG}/themes/{theme.id}",
                f"/w/{SLUG}/activities/{notes.id}/notes",
                f"/w/{SLUG}/ideas",
                *[f"/w/{SLUG}/ideas/{i}" for i in ideas[:5]],
            ],
            "moderator_pages": [
                f"/w/{SLUG}/manage/",
                f"/w/{SLUG}/manage/themes/{theme.id}/",
                f"/w/{SLUG}/moderation",
            ],
        }


def _visit_all(page, live_server, urls):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{dialog.type}: {dialog.message}"), dialog.dismiss()))
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        # Hover and focus what is there, so handlers that wait for people would fire too.
        for locator in page.locator("main a, main p, main li").all()[:40]:
            try:
                locator.hover(timeout=500)
            except Exception:  # noqa: BLE001 - hidden or detached elements are fine to skip
                pass
        page.keyboard.press("Tab")
    return dialogs


def test_no_payload_runs_for_a_participant(page, live_server, sign_in, space):
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    dialogs = _visit_all(page, live_server, space["pages"])
    assert not dialogs, dialogs
    assert not page.js_errors, page.js_errors  # CSP violations and script errors


def test_no_payload_runs_for_a_moderator(page, live_server, sign_in, space):
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    dialogs = _visit_all(page, live_server, space["pages"][:2] + space["moderator_pages"])
    assert not dialogs, dialogs
    assert not page.js_errors, page.js_errors


def test_the_dialog_listener_works(page, live_server):
    """Not vacuous: a dialog that does open is seen (opened from Playwright, the CSP allows that)."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + "/login")
    page.evaluate("() => alert('seen')")
    assert dialogs == ["seen"]
