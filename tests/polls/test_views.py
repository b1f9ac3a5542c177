"""Answering and results over HTTP, for every role, with htmx and without JavaScript."""

import re

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    ActivityKind,
    ActivityStatus,
    Answer,
    Membership,
    Respondent,
    ResultsVisibility,
    Role,
    WorkspaceAccess,
    WorkspaceStatus,
)
from ideaspace.models.ballot import Ballot
from ideaspace.polls import service

from .conftest import fill, fill_counts

HX = {"HX-Request": "true"}

pytestmark = pytest.mark.usefixtures("fresh_requests")


def answers(session, activity=None) -> int:
    query = select(func.count()).select_from(Answer)
    if activity is not None:
        query = query.where(Answer.activity_id == activity.id)
    return session.scalar(query)


def choose(activity, *indexes) -> dict:
    return {"option": [str(activity.options[i].id) for i in indexes]}


def person(world, role):
    return {
        "member": world.member,
        "outsider": world.outsider,
        "observer": world.observer,
        "moderator": world.moderator,
        "admin": world.admin,
    }[role]


# --- who may answer ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, session, world):
    response = client.post(world.url(world.single), data=choose(world.single, 0))
    assert response.status_code == 302 and "/login" in response.location
    assert client.get(world.url(world.single, "results")).status_code == 302
    assert answers(session) == 0


@pytest.mark.parametrize(("role", "status"), [("outsider", 403), ("observer", 403)])
def test_people_who_cannot_take_part_get_403(client, session, world, login, role, status):
    login(person(world, role))
    assert client.post(world.url(world.single), data=choose(world.single, 0)).status_code == status
    assert client.post(world.url(world.scale), data={"value": "5"}, headers=HX).status_code == status
    assert answers(session) == 0


@pytest.mark.parametrize("role", ["member", "moderator", "admin"])
def test_members_moderators_and_admins_answer_and_are_sent_back_to_the_activity(
    client, session, world, login, role
):
    login(person(world, role))
    response = client.post(world.url(world.single), data=choose(world.single, 1))
    assert response.status_code == 302
    assert response.location.endswith(
        f"/w/{world.workspace.slug}/themes/{world.theme.id}#activity-{world.single.id}"
    )
    assert answers(session, world.single) == 1
    page = client.get(response.location.split("#")[0])
    assert "Thank you! Your answer has been recorded." in page.text  # the flash message
    assert "You have answered." in page.text


def test_everyone_signed_in_may_answer_in_an_open_to_all_workspace(client, session, world, login):
    world.workspace.access = WorkspaceAccess.ALL_USERS
    session.commit()
    login(world.outsider)
    assert client.post(world.url(world.scale), data={"value": "9"}).status_code == 302
    assert answers(session, world.scale) == 1
    observer_response = login(world.observer).post(world.url(world.single), data=choose(world.single, 0))
    assert observer_response.status_code == 403


def test_an_activity_of_another_workspace_is_404(client, session, world, login):
    login(world.member)
    url = f"/w/{world.workspace.slug}/activities/{world.other_activity.id}/answer"
    assert client.post(url, data=choose(world.other_activity, 0)).status_code == 404
    assert (
        client.get(f"/w/{world.workspace.slug}/activities/{world.other_activity.id}/results").status_code
        == 404
    )
    assert (
        client.post(f"/w/nope/activities/{world.single.id}/answer", data=choose(world.single, 0)).status_code
        == 404
    )
    assert answers(session) == 0


def test_activities_that_are_not_polls_are_404_here(client, session, world, make, login):
    notes = make.activity(world.theme, ActivityKind.NOTES)
    login(world.member)
    assert client.post(f"/w/{world.workspace.slug}/activities/{notes.id}/answer", data={}).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client, session, world, login):
    login(world.member)
    client.csrf = False
    assert client.post(world.url(world.single), data=choose(world.single, 0)).status_code == 400
    assert answers(session) == 0


# --- bad input: a clear message, nothing saved -------------------------------------------------


def error_text(html: str) -> str:
    match = re.search(r'id="activity-\d+-error"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("which", "data", "message"),
    [
        ("single", lambda w: {}, "Choose an option."),
        ("single", lambda w: {"option": [str(w.other_activity.options[0].id)]}, "not part of this poll"),
        ("single", lambda w: {"option": ["abc"]}, "not part of this poll"),
        ("single", lambda w: choose(w.single, 0, 1), "Choose only one option."),
        ("multiple", lambda w: choose(w.multiple, 0, 1, 2), "Choose at most 2 options."),
        ("scale", lambda w: {}, "Choose a number from 0 to 10."),
        ("scale", lambda w: {"value": "abc"}, "whole number from 0 to 10"),
        ("scale", lambda w: {"value": "11"}, "whole number from 0 to 10"),
        ("scale", lambda w: {"value": "-1"}, "whole number from 0 to 10"),
        ("scale", lambda w: {"value": "5.5"}, "whole number from 0 to 10"),
    ],
)
def test_bad_answers_get_a_clear_message_and_nothing_is_saved(
    client, session, world, login, which, data, message, htmx
):
    login(world.member)
    activity = getattr(world, which)
    response = client.post(world.url(activity), data=data(world), headers=HX if htmx else {})
    assert response.status_code == 422
    assert message in error_text(response.text)
    assert answers(session) == 0
    assert session.scalar(select(func.count()).select_from(Respondent)) == 0
    if htmx:
        assert response.text.lstrip().startswith('<div class="poll" id="activity-')  # the panel alone
        assert "data-focus" in response.text
    else:
        assert "<html" in response.text and "aria-invalid" not in response.text


def test_a_bad_answer_keeps_what_was_chosen(client, session, world, login):
    login(world.member)
    response = client.post(world.url(world.multiple), data=choose(world.multiple, 0, 1, 3), headers=HX)
    for i in (0, 1, 3):
        assert re.search(rf'value="{world.multiple.options[i].id}" checked', response.text)
    assert f'value="{world.multiple.options[2].id}" checked' not in response.text


def test_answering_twice_says_so_and_counts_once(client, session, world, login):
    world.single.answers_changeable = False
    session.commit()
    login(world.member)
    assert client.post(world.url(world.single), data=choose(world.single, 0)).status_code == 302
    again = client.post(world.url(world.single), data=choose(world.single, 1), headers=HX)
    assert again.status_code == 422
    assert "You have already answered" in again.text
    assert answers(session, world.single) == 1


def test_answering_an_anonymous_poll_twice_says_it_cannot_be_changed(client, session, world, login):
    login(world.member)
    assert client.post(world.url(world.anonymous), data=choose(world.anonymous, 0)).status_code == 302
    again = client.post(world.url(world.anonymous), data=choose(world.anonymous, 1))
    assert again.status_code == 422 and "Anonymous answers cannot be changed" in again.text
    # One sealed answer waits in the ballot box (fewer than k people have answered).
    assert answers(session, world.anonymous) == 0
    assert session.scalar(select(func.count()).select_from(Ballot)) == 1


@pytest.mark.parametrize(
    ("activity_status", "workspace_status"),
    [(ActivityStatus.CLOSED, WorkspaceStatus.OPEN), (ActivityStatus.OPEN, WorkspaceStatus.CLOSED)],
)
def test_answering_a_closed_activity_or_in_a_closed_workspace_is_refused(
    client, session, world, login, activity_status, workspace_status
):
    world.single.status = activity_status
    world.workspace.status = workspace_status
    session.commit()
    login(world.member)
    response = client.post(world.url(world.single), data=choose(world.single, 0))
    assert response.status_code == 422
    assert "This activity is not open" in response.text
    assert answers(session) == 0


def test_a_draft_activity_is_not_answerable(client, session, world, login):
    world.single.status = ActivityStatus.DRAFT
    session.commit()
    login(world.member)
    assert client.post(world.url(world.single), data=choose(world.single, 0)).status_code == 403
    login(world.moderator)  # sees the draft, but it takes no answers
    response = client.post(world.url(world.single), data=choose(world.single, 0))
    assert response.status_code == 422 and "not open" in response.text
    assert answers(session) == 0


def test_a_draft_workspace_is_closed_to_participants(client, session, world, login):
    world.workspace.status = WorkspaceStatus.DRAFT
    session.commit()
    login(world.member)
    assert client.post(world.url(world.single), data=choose(world.single, 0)).status_code == 403
    login(world.moderator)
    assert client.post(world.url(world.single), data=choose(world.single, 0)).status_code == 422
    assert answers(session) == 0


# --- htmx ----------------------------------------------------------------------------------------


def test_htmx_answer_swaps_the_panel_to_a_confirmation_with_results(client, session, world, login):
    login(world.member)
    response = client.post(world.url(world.single), data=choose(world.single, 2), headers=HX)
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith(f'<div class="poll" id="activity-{world.single.id}-panel">')
    assert re.search(
        r'<h4 class="poll__confirmation"[^>]*data-focus>Thank you! Your answer has been recorded.</h4>', html
    )
    assert 'aria-live="polite"' in html
    assert "Results by option" in html and "100.00%" in html
    assert "<html" not in html


def test_changing_an_answer_through_htmx(client, session, world, login):
    login(world.member)
    client.post(world.url(world.multiple), data=choose(world.multiple, 0))
    response = client.post(world.url(world.multiple), data=choose(world.multiple, 1, 2), headers=HX)
    assert response.status_code == 200
    assert "Your answer has been changed." in response.text
    assert answers(session, world.multiple) == 1
    # The change form is there again, with the new choices.
    assert "Change your answer" in response.text
    assert re.search(rf'value="{world.multiple.options[1].id}" checked', response.text)


@pytest.mark.parametrize("poll", ["single", "multiple", "scale", "anonymous"])
def test_the_answer_response_shows_what_a_fresh_look_would(client, session, world, login, poll):
    """The panel after an answer is built from what was just written (no second look-up): it must
    be the panel the person gets on their next request, and its live results the current ones."""
    activity = getattr(world, poll)
    if poll == "scale":
        fill(session, activity, scale=[3, 9])
    else:
        fill_counts(session, activity, [1, 2] + [0] * (len(activity.options) - 2))
    login(world.member)
    data = {"value": "7"} if poll == "scale" else choose(activity, 1)
    answered = client.post(world.url(activity), data=data, headers=HX)
    assert answered.status_code == 200
    version = version_in(answered.text, activity)
    # The live results already count this answer: the first refresh finds nothing new.
    assert client.get(f"{world.url(activity, 'results')}?v={version}", headers=HX).status_code == 204
    fresh = client.get(world.url(activity, "results"), headers=HX)  # results fragment for comparison
    assert version_in(fresh.text, activity) == version
    if poll in ("single", "multiple"):  # named and changeable: the change form has the choice checked
        assert "Change your answer" in answered.text
        assert re.search(rf'value="{activity.options[1].id}" checked', answered.text)
    elif poll == "scale":
        assert re.search(r'value="7" checked', answered.text)
    else:  # anonymous: nothing to change, nothing checked
        assert "Change your answer" not in answered.text and " checked" not in answered.text
        assert "stored without your name" in answered.text


def test_answering_looks_up_once_whether_the_person_has_answered(
    client, session, world, make, login, count_queries
):
    world.member.unit = make.unit()  # a unit: its size decides whether the answer records it
    session.commit()
    login(world.member)
    client.get(world.theme_url)  # the visit is recorded on page views, not here
    with count_queries() as statements:
        response = client.post(world.url(world.single), data=choose(world.single, 0), headers=HX)
    assert response.status_code == 200
    lookups = [s for s in statements if s.lstrip().startswith("SELECT") and "respondent" in s]
    assert len(lookups) == 1, lookups  # with the activity, in the same query
    # The unit's size is checked inside the answer's INSERT, not by a query of its own.
    assert not [s for s in statements if s.lstrip().startswith("SELECT count") and "FROM user" in s]


def test_the_membership_comes_with_the_workspace_in_one_statement(
    client, session, world, make, login, count_queries
):
    login(world.member)
    client.get(world.theme_url)  # the visit is recorded on page views, not here
    url, data = world.url(world.single), choose(world.single, 0)
    with count_queries() as statements:
        response = client.post(url, data=data, headers=HX)
    assert response.status_code == 200
    reads = [s for s in statements if s.lstrip().startswith("SELECT")]
    membership = [s for s in reads if "FROM membership" in s or "JOIN membership" in s]
    assert len(membership) == 1 and "FROM workspace" in membership[0], membership
    assert len([s for s in reads if "FROM workspace" in s]) == 1
    # Seeded, not weakened: someone who is not a member of the invited workspace is still refused.
    outsider = make.user()
    session.commit()
    login(outsider)
    refused = client.post(world.url(world.single), data=choose(world.single, 1), headers=HX)
    assert refused.status_code in (403, 404)


def test_participation_is_recorded_on_the_first_answer(client, session, world, login):
    login(world.member)
    client.post(world.url(world.scale), data={"value": "10"})
    membership = session.scalar(select(Membership).where(Membership.user_id == world.member.id))
    assert membership.first_contribution_at is not None


# --- the theme page -------------------------------------------------------------------------------


def test_the_theme_page_shows_the_forms(client, session, world, login):
    login(world.member)
    html = client.get(world.theme_url).text
    base = f"activity-{world.single.id}"
    assert f'id="{base}-panel"' in html
    assert f'type="radio" name="option" id="{base}-option-{world.single.options[0].id}"' in html
    assert f'for="{base}-option-{world.single.options[0].id}"' in html
    assert f'type="checkbox" name="option" id="activity-{world.multiple.id}-option-' in html
    assert "Choose at most 2 options." in html
    for value in range(11):
        assert f'id="activity-{world.scale.id}-value-{value}" value="{value}"' in html
    assert "not at all likely" in html and "extremely likely" in html
    assert "<legend>" in html and 'style="' not in html and "onclick" not in html


def test_the_seed_poll_in_finnish_shows_finnish_percentages(client, session, world, make, login):
    poll = make.activity(world.theme, ActivityKind.SINGLE_CHOICE, options=5)
    fill_counts(session, poll, [3, 12, 2, 8, 10])
    world.member.locale = "fi"
    session.commit()
    login(world.member)
    html = client.get(world.theme_url).text
    for text in ("8,57\u00a0%", "34,29\u00a0%", "5,71\u00a0%", "22,86\u00a0%", "28,57\u00a0%"):
        assert text in html
    assert 'class="bars__fill w-34"' in html


def test_the_seed_poll_in_english(client, session, world, make, login):
    poll = make.activity(world.theme, ActivityKind.SINGLE_CHOICE, options=5)
    fill_counts(session, poll, [3, 12, 2, 8, 10])
    world.member.locale = "en"
    session.commit()
    login(world.member)
    html = client.get(world.theme_url).text
    assert "34.29%" in html and "35 answers" in html
    # A real table for screen readers, with the count and the share as text.
    assert re.search(
        r'<th scope="row"><span lang="fi">Vaihtoehto 2</span></th>\s*<td class="number">12</td>', html
    )


def test_multiple_choice_results_say_they_are_shares_of_respondents(client, session, world, login):
    a, b, *_ = (option.id for option in world.multiple.options)
    fill(session, world.multiple, [[a, b], [a]])
    login(world.member)
    html = client.get(world.theme_url).text
    assert "Share of respondents" in html
    assert "Percent of respondents; one person could choose several" in html
    assert "2 respondents, 3 choices" in html
    assert "100.00%" in html and "50.00%" in html


def test_scale_results_show_a_signed_enps_and_the_distribution(client, session, world, login):
    fill(session, world.scale, scale=[0, 0, 3, 5, 6, 9, 10, 10, 7, 8])  # 3 promoters, 5 detractors
    login(world.member)
    html = client.get(world.theme_url).text
    assert '<strong class="enps__value">\u221220</strong>' in html
    assert "Distribution of the answers" in html and "Promoters (9–10)" in html


def test_no_answers_yet(client, session, world, login):
    login(world.member)
    assert "No answers yet." in client.get(world.theme_url).text


@pytest.mark.parametrize(
    ("rule", "note"),
    [
        (ResultsVisibility.AFTER_ANSWERING, "The results are shown once you have answered."),
        (ResultsVisibility.AFTER_CLOSING, "The results are shown when the activity closes"),
        (ResultsVisibility.MODERATORS, "seen by the moderators only"),
    ],
)
def test_hidden_results_say_when_they_will_be_shown(client, session, world, login, rule, note):
    world.single.results_visibility = rule
    fill_counts(session, world.single, [4, 0, 0])
    login(world.member)
    html = client.get(world.theme_url).text
    panel = html.split(f'id="activity-{world.single.id}-panel"')[1].split('class="activity ')[0]
    assert note in panel and "Results by option" not in panel
    moderator_html = login(world.moderator).get(world.theme_url).text
    panel = moderator_html.split(f'id="activity-{world.single.id}-panel"')[1].split('class="activity ')[0]
    assert "Results by option" in panel


def test_an_observer_sees_results_but_no_form(client, session, world, login):
    fill_counts(session, world.single, [1, 0, 0])
    login(world.observer)
    html = client.get(world.theme_url).text
    assert "You can follow this activity but not answer it." in html
    assert 'name="option"' not in html and "Results by option" in html


def test_a_closed_activity_shows_results_and_no_form(client, session, world, login):
    world.single.status = ActivityStatus.CLOSED
    world.single.results_visibility = ResultsVisibility.AFTER_CLOSING
    fill_counts(session, world.single, [1, 1, 0])
    login(world.member)
    html = client.get(world.theme_url).text
    panel = html.split(f'id="activity-{world.single.id}-panel"')[1].split('class="activity ')[0]
    assert "answers are no longer accepted" in panel and "Results by option" in panel
    assert "hx-trigger" not in panel  # nothing to refresh once closed


def test_the_theme_page_query_count_does_not_grow_with_activities_or_answers(
    client, session, world, make, login, count_queries
):
    login(world.member)
    client.get(world.theme_url)  # warm up: first visit of the day
    service.answer(world.member, world.workspace, world.single, None, option_ids=[world.single.options[0].id])
    session.commit()
    session.expire_all()
    with count_queries() as few:
        assert client.get(world.theme_url).status_code == 200
    for kind in (ActivityKind.SINGLE_CHOICE, ActivityKind.MULTIPLE_CHOICE, ActivityKind.SCALE) * 3:
        activity = make.activity(world.theme, kind, options=0 if kind is ActivityKind.SCALE else 5)
        if kind is ActivityKind.SCALE:
            fill(session, activity, scale=list(range(11)) * 3)
        else:
            fill(session, activity, [[o.id] for o in activity.options] * 4)
        service.answer(
            world.member,
            world.workspace,
            activity,
            None,
            **(
                {"scale_value": 4} if kind is ActivityKind.SCALE else {"option_ids": [activity.options[0].id]}
            ),
        )
    fill_counts(session, world.single, [30, 20, 10])
    session.commit()
    session.expire_all()
    with count_queries() as many:
        assert client.get(world.theme_url).status_code == 200
    assert len(many) == len(few), "\n=====\n".join(
        ["\n".join(s.split("\n")[0][:150] for s in few), "\n".join(s.split("\n")[0][:150] for s in many)]
    )


# --- live results ----------------------------------------------------------------------------------


def version_in(html: str, activity) -> str:
    match = re.search(rf'hx-get="/w/[^"]+/activities/{activity.id}/results\?v=([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_the_results_refresh_every_10_seconds_while_open(client, session, world, login):
    login(world.member)
    html = client.get(world.theme_url).text
    assert 'hx-trigger="every 10s"' in html
    version = version_in(html, world.single)
    url = world.url(world.single, "results")
    # Nothing changed: 204, and htmx leaves the region (and the screen reader) alone.
    unchanged = client.get(f"{url}?v={version}", headers=HX)
    assert unchanged.status_code == 204 and unchanged.data == b""
    fill_counts(session, world.single, [0, 2, 0])
    changed = client.get(f"{url}?v={version}", headers=HX)
    assert changed.status_code == 200
    assert changed.text.lstrip().startswith(f'<div class="results" id="activity-{world.single.id}-results"')
    assert "2 answers" in changed.text and version_in(changed.text, world.single) != version


def test_the_live_results_respect_visibility(client, session, world, login):
    world.single.results_visibility = ResultsVisibility.MODERATORS
    fill_counts(session, world.single, [3, 0, 0])
    login(world.member)
    response = client.get(world.url(world.single, "results"), headers=HX)
    assert response.status_code == 200
    assert "seen by the moderators only" in response.text and "Results by option" not in response.text
    assert "hx-get" not in response.text  # nothing to poll for


@pytest.mark.parametrize("role", ["member", "observer", "moderator", "admin"])
def test_the_results_page_without_javascript(client, session, world, login, role):
    login(person(world, role))
    response = client.get(world.url(world.single, "results"))
    assert response.status_code == 200
    assert "<h1" in response.text and f'id="activity-{world.single.id}-panel"' in response.text


def test_results_are_403_for_outsiders_and_draft_activities_for_participants(client, session, world, login):
    login(world.outsider)
    assert client.get(world.url(world.single, "results")).status_code == 403
    world.single.status = ActivityStatus.DRAFT
    session.commit()
    login(world.member)
    assert client.get(world.url(world.single, "results"), headers=HX).status_code == 403
    login(world.moderator)
    assert client.get(world.url(world.single, "results"), headers=HX).status_code == 200


def test_option_labels_are_escaped(client, session, world, make, login):
    poll = make.activity(world.theme, ActivityKind.SINGLE_CHOICE, options=['<script>alert("x")</script>'])
    fill_counts(session, poll, [1])
    login(world.member)
    html = client.get(world.theme_url).text
    assert '<script>alert("x")' not in html and "&lt;script&gt;" in html


def test_admin_role_check(world):
    assert world.admin.role is Role.ADMIN


def test_scale_results_draw_the_enps_gauge_with_a_real_minus_sign(client, session, world, login):
    fill(session, world.scale, scale=[0, 0, 3, 5, 6, 9, 10, 10, 7, 8])  # eNPS −20
    login(world.member)
    html = client.get(world.theme_url).text
    gauge = html[html.index('<svg class="gauge"') : html.index("</svg>", html.index('<svg class="gauge"'))]
    assert 'aria-hidden="true"' in gauge and "gauge__value--negative" in gauge
    assert '<text class="gauge__number" x="100" y="96" text-anchor="middle">\u221220</text>' in gauge
    assert 'stroke-dasharray="100.53 300"' in gauge  # (−20 + 100) / 200 of the half circle's 251.33
    assert "style=" not in gauge
