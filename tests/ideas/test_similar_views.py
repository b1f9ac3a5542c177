"""Duplicate suggestions in the idea barrel (issue 14, 3-4): the htmx suggestions while typing for
every role, the no-JavaScript check step (nothing lost), supporting instead, merged ideas that can
no longer be supported, and moderators' merge suggestions on the idea page and the queue."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import Idea, IdeaStatus, IdeaSupport
from ideaspace.moderation import workflow
from ideaspace.sanitize import clean_html

HX = {"HX-Request": "true"}
TITLE = "Kävelykerho lounastauolle"
BODY = "Perustetaan kävelykerho, joka lähtee lenkille lounastauon aikana."


@pytest.fixture
def walking(barrel, make):
    return make.idea(
        barrel.ws,
        barrel.other_member,
        title="Lounastauon kävelykerho henkilöstölle",
        body=clean_html("Kävellään yhdessä lounastauolla puolen tunnin lenkki."),
    )


def _similar(client, barrel, data, headers=HX):
    return client.post(f"/w/{barrel.ws.slug}/ideas/similar", data=data, headers=headers)


@pytest.mark.parametrize("role", ["member", "moderator", "admin"])
def test_writers_get_similar_ideas_while_typing(client, barrel, login, walking, role):
    login(getattr(barrel, role))
    response = _similar(client, barrel, {"title": TITLE, "body": BODY})
    assert response.status_code == 200
    assert walking.title in response.text and "Support this instead" in response.text
    assert "0 supporters" in response.text
    # A theme page's form has a prefix; its fields are read all the same.
    prefixed = _similar(client, barrel, {"activity9-title": TITLE, "activity9-body": BODY})
    assert walking.title in prefixed.text
    # Without htmx the endpoint has nothing to show: the barrel.
    assert _similar(client, barrel, {"title": TITLE}, headers={}).status_code == 302


@pytest.mark.parametrize("role", ["outsider", "observer"])
def test_readers_and_outsiders_get_no_suggestions(client, barrel, login, walking, role):
    login(getattr(barrel, role))
    assert _similar(client, barrel, {"title": TITLE, "body": BODY}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, barrel, walking):
    response = _similar(client, barrel, {"title": TITLE})
    assert response.status_code in (302, 401)


@pytest.mark.parametrize(
    "title",
    [
        "",
        " ",
        '" * NEAR : ) (',
        "<script>alert(1)</script>",
        "kävelykerho " * 1000,
        "x" * 10_000,
        "AND OR NOT",
    ],
)
def test_bad_input_gets_an_answer_never_a_500(client, barrel, login, walking, title):
    login(barrel.member)
    response = _similar(client, barrel, {"title": title, "body": title})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_the_barrel_form_has_a_polite_labelled_suggestion_region(client, barrel, login, walking):
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    assert 'aria-live="polite"' in html and 'id="similar-title"' in html
    assert "keyup changed delay:700ms from:#title" in html


def test_the_check_step_shows_similar_ideas_and_keeps_the_draft(client, barrel, login, session, walking):
    login(barrel.member)
    url = f"/w/{barrel.ws.slug}/ideas"
    response = client.post(url, data={"title": TITLE, "body": BODY})
    assert response.status_code == 200
    assert session.scalar(select(func.count()).select_from(Idea)) == 1  # nothing published yet
    html = response.text
    assert walking.title in html and "Publish anyway" in html and "Support this instead" in html
    assert f'value="{TITLE}"' in html and BODY in html  # nothing lost from the form
    # The htmx submission gets the same step as a fragment.
    fragment = client.post(url, data={"title": TITLE, "body": BODY}, headers=HX)
    assert fragment.status_code == 200 and "Publish anyway" in fragment.text
    published = client.post(url, data={"title": TITLE, "body": BODY, "publish_anyway": "1"})
    assert published.status_code == 302
    assert session.scalar(select(func.count()).select_from(Idea)) == 2


def test_an_unlike_idea_is_published_at_once(client, barrel, login, session, walking):
    login(barrel.member)
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas",
        data={"title": "Työvuorot kuukautta ennen", "body": "Julkaistaan ajoissa."},
    )
    assert response.status_code == 302


def test_support_instead_from_a_suggestion(client, barrel, login, session, walking):
    login(barrel.member)
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas/{walking.id}/support",
        data={"support": "1", "next": f"/w/{barrel.ws.slug}/ideas/{walking.id}"},
    )
    assert response.status_code == 302
    assert session.scalar(select(func.count()).where(IdeaSupport.idea_id == walking.id)) == 1
    html = _similar(client, barrel, {"title": TITLE, "body": BODY}).text
    assert "You support this idea." in html and "Support this instead" not in html


# --- merged ideas ------------------------------------------------------------------------------


@pytest.fixture
def merged(barrel, make, session, walking):
    duplicate = make.idea(barrel.ws, barrel.member, title=TITLE, body=clean_html(BODY))
    make.idea_support(duplicate, barrel.other_member)
    make.idea_support(walking, barrel.other_member)
    workflow.merge(barrel.moderator, duplicate, walking, "Sama idea")
    session.commit()
    return duplicate


def test_a_merged_idea_shows_no_support_button(client, barrel, login, merged, walking):
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas/{merged.id}").text
    assert f'id="support-{merged.id}"' in html
    assert f"/ideas/{merged.id}/support" not in html


def test_supporting_a_merged_idea_supports_the_kept_one_once(client, barrel, login, session, merged, walking):
    login(barrel.member)
    url = f"/w/{barrel.ws.slug}/ideas/{merged.id}/support"
    for _ in range(2):
        response = client.post(url, data={"support": "1"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/ideas/{walking.id}")
    supporters = session.scalars(select(IdeaSupport.user_id).where(IdeaSupport.idea_id == walking.id)).all()
    assert sorted(supporters) == sorted([barrel.member.id, barrel.other_member.id])
    page = client.get(response.headers["Location"]).text
    assert "your support counts there, once" in page
    htmx = client.post(url, data={"support": "1"}, headers=HX)
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].endswith(f"/ideas/{walking.id}")


def test_outsiders_cannot_support_through_a_merged_idea(client, barrel, login, merged):
    login(barrel.observer)
    assert (
        client.post(f"/w/{barrel.ws.slug}/ideas/{merged.id}/support", data={"support": "1"}).status_code
        == 403
    )


# --- moderators' merge suggestions ---------------------------------------------------------------


def test_moderators_see_likely_duplicates_and_merge_in_one_step(
    client, barrel, login, make, session, walking
):
    duplicate = make.idea(barrel.ws, barrel.member, title=TITLE, body=clean_html(BODY))
    make.idea_support(duplicate, barrel.other_member)
    make.idea_support(walking, barrel.other_member)
    make.idea_support(duplicate, barrel.member)
    login(barrel.member)
    assert "Likely duplicates" not in client.get(f"/w/{barrel.ws.slug}/ideas/{duplicate.id}").text
    login(barrel.moderator)
    page = client.get(f"/w/{barrel.ws.slug}/ideas/{duplicate.id}").text
    assert "Likely duplicates" in page and "% similar" in page and "This idea says the same as" in page
    queue = client.get(f"/w/{barrel.ws.slug}/moderation").text
    assert "Likely duplicates" in queue
    response = client.post(
        f"/w/{barrel.ws.slug}/moderation/ideas/{duplicate.id}/merge",
        data={
            "merged_into": walking.id,
            "reason": "Sama asia, jatketaan siellä.",
            "next": f"/w/{barrel.ws.slug}/moderation",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderation")
    session.refresh(duplicate)
    assert duplicate.status is IdeaStatus.MERGED and duplicate.status_reason == "Sama asia, jatketaan siellä."
    supporters = session.scalars(select(IdeaSupport.user_id).where(IdeaSupport.idea_id == walking.id)).all()
    assert sorted(supporters) == sorted([barrel.member.id, barrel.other_member.id])  # counted once


def test_suggestions_seen_while_typing_are_the_check_step(client, barrel, login, session, walking):
    """The typing answer joins publish_anyway to the idea form it came from (the form attribute), so
    the JavaScript submission publishes at once; with nothing similar it adds nothing."""
    login(barrel.member)
    slug = barrel.ws.slug
    barrel_page = client.get(f"/w/{slug}/ideas").text
    assert 'id="idea-form-title"' in barrel_page
    answer = _similar(client, barrel, {"title": TITLE, "body": BODY}).text
    assert '<input type="hidden" name="publish_anyway" value="1" form="idea-form-title">' in answer
    prefix = f"activity{barrel.activity.id}"
    theme_page = client.get(f"/w/{slug}/themes/{barrel.theme.id}").text
    assert f'id="idea-form-{prefix}-title"' in theme_page
    prefixed = _similar(client, barrel, {f"{prefix}-title": TITLE, f"{prefix}-body": BODY}).text
    assert f'form="idea-form-{prefix}-title"' in prefixed
    nothing = _similar(client, barrel, {"title": "Työvuorot kuukautta ennen", "body": "Ajoissa."}).text
    assert "publish_anyway" not in nothing
    # What htmx then posts (the form's elements, the joined input among them) publishes at once.
    published = client.post(
        f"/w/{slug}/ideas",
        data={
            f"{prefix}-title": TITLE,
            f"{prefix}-body": BODY,
            f"{prefix}-theme_id": barrel.theme.id,
            "activity_id": barrel.activity.id,
            "publish_anyway": "1",
        },
        headers=HX,
    )
    assert published.status_code == 200 and "Publish anyway" not in published.text
    assert session.scalar(select(func.count()).select_from(Idea)) == 2
