"""Polls in a real browser: htmx answer swap, focus, live results, the no-JS fallback, axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, Answer, AnswerChoice, MemberRole, User, utcnow

from ..factories import Factories
from .seed import PASSWORD, PEOPLE

SLUG = "browser-polls"


@pytest.fixture(scope="module")
def polls(live_app):
    with live_app.app_context():
        make = Factories(db.session)
        users = {
            key: db.session.query(User).filter_by(email=email).one() for key, (email, _r) in PEOPLE.items()
        }
        ws = make.workspace(slug=SLUG)
        make.member(ws, users["participant"])
        make.member(ws, users["moderator"], MemberRole.MODERATOR)
        theme = make.theme(ws)
        single = make.activity(
            theme, ActivityKind.SINGLE_CHOICE, options=["Turvallisuus", "Koulutus", "Hyvinvointi"]
        )
        multiple = make.activity(
            theme,
            ActivityKind.MULTIPLE_CHOICE,
            options=["Ikä", "Kieli", "Kulttuuri"],
            max_selections=2,
            is_anonymous=True,
        )
        scale = make.activity(theme, ActivityKind.SCALE)
        for option, n in zip(single.options, (3, 12, 2), strict=True):
            for _ in range(n):
                db.session.add(
                    Answer(
                        activity_id=single.id,
                        answered_on=utcnow().date(),
                        choices=[AnswerChoice(option_id=option.id)],
                    )
                )
        db.session.commit()
        return {
            "url": f"/w/{SLUG}/themes/{theme.id}",
            "single": single.id,
            "multiple": multiple.id,
            "scale": scale.id,
            "first_option": single.options[0].id,
        }


def test_answer_with_htmx_swaps_the_panel_and_moves_focus(
    page, live_server, sign_in, assert_accessible, polls
):
    sign_in(page, PEOPLE["participant"][0], PASSWORD)
    page.goto(live_server.url + polls["url"])
    assert_accessible(page, "theme page with polls")

    panel = f"#activity-{polls['single']}-panel"
    page.locator(f"{panel} label", has_text="Koulutus").click()
    page.locator(f"{panel} button[type=submit]").click()
    page.wait_for_selector(f"#activity-{polls['single']}-confirmation")
    assert page.url.endswith(polls["url"])  # no reload
    expect(page.locator(f"#activity-{polls['single']}-confirmation")).to_be_focused()
    results = page.locator(f"#activity-{polls['single']}-results")
    assert "18" in results.inner_text()
    assert "72,22" in results.inner_text()  # 13 of 18, in Finnish
    assert_accessible(page, "after answering")
    assert page.js_errors == []


def test_a_scale_error_is_shown_and_focused_then_the_answer_goes_in(
    page, live_server, sign_in, assert_accessible, polls
):
    sign_in(page, PEOPLE["moderator"][0], PASSWORD)
    page.goto(live_server.url + polls["url"])
    panel = f"#activity-{polls['scale']}-panel"
    page.locator(f"{panel} button[type=submit]").click()
    page.wait_for_selector(f"#activity-{polls['scale']}-error")
    expect(page.locator(f"#activity-{polls['scale']}-error")).to_be_focused()
    assert_accessible(page, "scale error")
    page.locator(f"label[for=activity-{polls['scale']}-value-9]").click()
    page.locator(f"{panel} button[type=submit]").click()
    page.wait_for_selector(f"#activity-{polls['scale']}-confirmation")
    assert "+100" in page.locator(f"#activity-{polls['scale']}-results").inner_text()
    assert page.js_errors == []


def test_without_javascript_the_form_posts_and_comes_back_to_the_activity(
    new_page, live_server, sign_in, polls
):
    page = new_page(java_script_enabled=False)
    sign_in(page, PEOPLE["admin"][0], PASSWORD)
    page.goto(live_server.url + polls["url"])
    panel = f"#activity-{polls['multiple']}-panel"
    page.locator(f"{panel} label", has_text="Ikä").click()
    page.locator(f"{panel} label", has_text="Kieli").click()
    page.locator(f"{panel} button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{polls['url']}#activity-{polls['multiple']}")
    assert page.locator("#flash").inner_text().strip()
    # The poll is anonymous: the answer waits in the ballot box until k people have answered, and
    # the panel says how many answers are still needed instead of showing a distribution.
    assert page.locator(f"{panel} table.results__table").count() == 0
    assert page.locator(f"{panel} .results__held").count() == 1


def test_results_refresh_live_while_open(page, live_server, live_app, sign_in, polls):
    page.clock.install()
    sign_in(page, PEOPLE["observer"][0], PASSWORD)
    page.goto(live_server.url + polls["url"])
    results = page.locator(f"#activity-{polls['single']}-results")
    before = results.inner_text()
    total = page.locator(f"#activity-{polls['single']}-results .results__total")
    answers_before = int(re.search(r"\d+", total.inner_text()).group())
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/results" in r.url else None)
    page.clock.run_for(11_000)  # nothing changed: the server answers 204, the region stays
    page.wait_for_timeout(300)
    assert requests and results.inner_text() == before
    with live_app.app_context():
        db.session.add(
            Answer(
                activity_id=polls["single"],
                answered_on=utcnow().date(),
                choices=[AnswerChoice(option_id=polls["first_option"])],
            )
        )
        db.session.commit()
    page.clock.run_for(11_000)
    # Locator assertions, not wait_for_function: a string predicate is eval'd, which the CSP forbids.
    expect(page.locator(f"#activity-{polls['single']}-results")).not_to_have_text(before)
    assert int(re.search(r"\d+", total.inner_text()).group()) == answers_before + 1
    assert page.js_errors == []
