"""axe-core finds zero WCAG 2.1 A/AA violations on every page type, in Finnish, Swedish and English,
on the Kokkola demo, and again after each kind of htmx swap."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ideaspace.extensions import db
from ideaspace.models import (
    ActivityKind,
    Comment,
    Idea,
    Indicator,
    Measure,
    Note,
    Quote,
    Unit,
    User,
    Workspace,
)
from ideaspace.programme import versions

from .demo_state import demo_answers_restored

LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}
DEMO_PASSWORD = "demo-password-2023"
DEMO_SLUG = "henkilostoohjelma-2023-2025"
ADMIN = "admin@demo.ideaspace.fi"
# One supervisor per language for the swaps, so the languages do not answer each other's polls.
SUPERVISORS = {
    "fi": "esihenkilo5@demo.ideaspace.fi",
    "sv": "esihenkilo6@demo.ideaspace.fi",
    "en": "esihenkilo7@demo.ideaspace.fi",
}


@pytest.fixture(scope="module", autouse=True)
def _demo_results_kept(live_app):
    """Take back the answers this module adds to the demo polls (other tests read 34,29 %)."""
    with demo_answers_restored(live_app):
        yield


def switch_language(page, lang: str) -> None:
    page.locator(f".language-switcher button[lang={lang}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


@pytest.fixture(scope="module")
def demo(live_app):
    """Paths of every page type in the demo; two programme versions published so compare has pairs."""
    with live_app.app_context():
        ws = db.session.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
        themes = list(ws.themes)
        by_kind = {}
        for theme in themes:
            for activity in theme.activities:
                by_kind.setdefault(activity.kind, activity)
        measure = db.session.scalar(
            select(Measure).where(Measure.theme_id == themes[0].id).order_by(Measure.id)
        )
        indicator = db.session.scalar(select(Indicator).where(Indicator.measure_id == measure.id))
        idea = db.session.scalar(select(Idea).where(Idea.workspace_id == ws.id).order_by(Idea.id))
        comment = db.session.scalar(
            select(Comment)
            .where(Comment.activity_id == by_kind[ActivityKind.DISCUSSION].id)
            .order_by(Comment.id)
        )
        note = db.session.scalar(
            select(Note).where(Note.activity_id == by_kind[ActivityKind.NOTES].id).order_by(Note.id)
        )
        quote = db.session.scalar(select(Quote).where(Quote.workspace_id == ws.id).order_by(Quote.id))
        unit = db.session.scalar(select(Unit).order_by(Unit.id))
        supervisor = db.session.scalar(select(User).where(User.email == "esihenkilo2@demo.ideaspace.fi"))
        if not versions.versions(ws):
            versions.publish(None, ws, "Luonnos 1")
            versions.publish(None, ws, "Luonnos 2")
        db.session.commit()
        w = f"/w/{DEMO_SLUG}"
        return {
            "themes": [f"{w}/themes/{t.id}" for t in themes],
            "kinds": {kind: (themes.index(a.theme), a.id) for kind, a in by_kind.items()},
            "pages": {
                "workspaces index": "/",
                "workspace": f"{w}/",
                **{f"theme {i + 1}": f"{w}/themes/{t.id}" for i, t in enumerate(themes)},
                "measure": f"{w}/measures/{measure.id}",
                "idea barrel": f"{w}/ideas",
                "idea": f"{w}/ideas/{idea.id}",
                "my ideas": f"{w}/ideas/mine",
                "notes wall": f"{w}/activities/{by_kind[ActivityKind.NOTES].id}/notes",
                "discussion page": f"{w}/comments/activity/{by_kind[ActivityKind.DISCUSSION].id}",
                "poll page": f"{w}/activities/{by_kind[ActivityKind.SINGLE_CHOICE].id}/results",
                "statistics": f"{w}/statistics",
                "invitations": f"{w}/invitations",
                "reminders preview": f"{w}/invitations/reminders/not-visited",
                "people import": "/admin/people/import",
                "admin users": "/admin/users",
                "admin user form (new)": "/admin/users/new",
                "admin user form (edit)": f"/admin/users/{supervisor.id}",
                "erase a person": f"/admin/users/{supervisor.id}/erase",
                "admin units": "/admin/units",
                "admin unit form (new)": "/admin/units/new",
                "admin unit form (edit)": f"/admin/units/{unit.id}",
                "audit log": "/admin/audit",
                "moderation queue": f"{w}/moderation",
                "report a comment": f"{w}/report/comment/{comment.id}",
                "hide a note": f"{w}/moderation/note/{note.id}/hide",
                "decide an idea": f"{w}/moderation/ideas/{idea.id}/status",
                "merge an idea": f"{w}/moderation/ideas/{idea.id}/merge",
                "promote an idea": f"{w}/moderation/ideas/{idea.id}/promote",
                "pick a quote": f"{w}/quotes/new?source=comment&id={comment.id}",
                "edit a quote": f"{w}/quotes/{quote.id}/edit",
                "programme": f"{w}/programme",
                "programme preview": f"{w}/programme/preview",
                "programme versions": f"{w}/programme/versions",
                "programme version": f"{w}/programme/versions/1",
                "programme compare": f"{w}/programme/compare?a=1&b=2",
                "printable export": f"{w}/export.html",
                "follow-up": f"{w}/follow-up",
                "manage workspace": f"{w}/manage/",
                "manage theme": f"{w}/manage/themes/{themes[0].id}/",
                "edit measure": f"{w}/manage/measures/{measure.id}/edit",
                "edit indicator": f"{w}/manage/indicators/{indicator.id}/edit",
                "edit poll": f"{w}/manage/activities/{by_kind[ActivityKind.SINGLE_CHOICE].id}/edit",
                "account settings": "/account",
                "change password": "/account/password",
                "accessibility statement": "/accessibility",
                "not found (404)": "/no-such-page",
            },
        }


def sweep(page, base: str, pages: dict[str, str], assert_accessible) -> list[str]:
    """Run axe on every page; return every failure instead of stopping at the first."""
    failures = []
    for name, path in pages.items():
        page.goto(base + path)
        try:
            assert_accessible(page, name)
        except AssertionError as error:
            failures.append(str(error))
    return failures


@pytest.mark.parametrize("lang", LOCALES)
def test_every_page_type_has_no_axe_violations(new_page, live_server, sign_in, assert_accessible, demo, lang):
    anonymous = new_page(locale=LOCALES[lang])
    failures = sweep(
        anonymous,
        live_server.url,
        {
            "sign in": "/login",
            "accessibility statement (signed out)": "/accessibility",
            "sign-in link problem (signed out)": "/signin/not-a-real-token",
            "email me a sign-in link": "/login/link",
            "sign-in link sent": "/login/link/sent",
            "forgot password": "/password/forgot",
            "password reset link sent": "/password/forgot/sent",
        },
        assert_accessible,
    )
    assert anonymous.locator("html").get_attribute("lang") == lang

    page = new_page(locale=LOCALES[lang])
    sign_in(page, ADMIN, DEMO_PASSWORD)
    try:
        switch_language(page, lang)
        failures += sweep(page, live_server.url, demo["pages"], assert_accessible)
        assert page.js_errors == []
    finally:
        switch_language(page, "fi")  # the demo admin's saved language, for other tests

    # 403 as seen by a supervisor.
    supervisor = new_page(locale=LOCALES[lang])
    sign_in(supervisor, "esihenkilo2@demo.ideaspace.fi", DEMO_PASSWORD)
    response = supervisor.goto(live_server.url + "/admin/users")
    assert response.status == 403
    try:
        assert_accessible(supervisor, "forbidden (403)")
    except AssertionError as error:
        failures.append(str(error))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("lang", LOCALES)
def test_no_violations_after_htmx_swaps(new_page, live_server, sign_in, assert_accessible, demo, lang):
    """Answer polls, comment, post a note and support an idea with htmx; axe after each swap."""
    page = new_page(locale=LOCALES[lang])
    sign_in(page, SUPERVISORS[lang], DEMO_PASSWORD)
    switch_language(page, lang)
    base = live_server.url

    theme_index, activity = demo["kinds"][ActivityKind.SINGLE_CHOICE]
    page.goto(base + demo["themes"][theme_index])
    panel = page.locator(f"#activity-{activity}-panel")
    panel.locator("input[type=radio]").first.check()
    panel.locator("button[type=submit]").click()
    expect(page.locator(f"#activity-{activity}-confirmation")).to_be_focused()
    assert_accessible(page, "after answering the single-choice poll")

    theme_index, activity = demo["kinds"][ActivityKind.SCALE]
    page.goto(base + demo["themes"][theme_index])
    panel = page.locator(f"#activity-{activity}-panel")
    panel.locator("button[type=submit]").click()  # nothing chosen: the error swaps in
    expect(page.locator(f"#activity-{activity}-error")).to_be_focused()
    assert_accessible(page, "after a scale error")
    page.locator(f"label[for=activity-{activity}-value-8]").click()
    panel.locator("button[type=submit]").click()
    expect(page.locator(f"#activity-{activity}-confirmation")).to_be_focused()
    assert_accessible(page, "after answering the scale")

    theme_index, activity = demo["kinds"][ActivityKind.DISCUSSION]
    page.goto(base + demo["themes"][theme_index])
    thread = f"#thread-activity-{activity}"
    page.fill(f"{thread}-new", f"Saavutettava kommentti ({lang})")
    page.locator(f"{thread} form.comment-form >> nth=-1").locator("button[type=submit]").click()
    expect(page.locator(f"{thread} article.comment__card[data-focus]")).to_be_focused()
    assert_accessible(page, "after posting a comment")

    theme_index, activity = demo["kinds"][ActivityKind.NOTES]
    page.goto(base + demo["themes"][theme_index])
    page.fill(f"#note-{activity}-text", f"Kokeilukulttuuri {lang}")
    page.locator(f"#notes-{activity} .note-form button[type=submit]").click()
    page.wait_for_selector(f"#notes-{activity} .note[data-focus]")
    assert_accessible(page, "after posting a note")

    page.goto(base + demo["pages"]["idea barrel"])
    card_id = page.locator(
        "li.idea-card", has=page.locator("button[aria-pressed=false]")
    ).first.get_attribute("id")
    page.locator(f"#{card_id} button[aria-pressed=false]").click()
    expect(page.locator(f"#{card_id} button[aria-pressed=true]")).to_be_visible()
    assert_accessible(page, "after supporting an idea")
    assert page.js_errors == []
