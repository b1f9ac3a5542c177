"""Discussion routes for every role, with bad input, htmx and without JavaScript."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, ActivityStatus, Comment, CommentLike, WorkspaceStatus, utcnow
from tests.crowd import crowd

from .world import READ, WRITE, switch_to

HX = {"HX-Request": "true"}
ROLES = list(READ)


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English source strings; the pages default to Finnish."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def count(model=Comment):
    return db.session.scalar(select(func.count()).select_from(model))


def as_role(world, login, client, role):
    user = world.role(role)
    if user is not None:
        login(user)
    return client


def theme_url(world):
    return f"/w/{world.ws.slug}/themes/{world.theme.id}"


def discussion_url(world):
    """The theme's discussion on its own page (the theme page shows its newest threads)."""
    return f"/w/{world.ws.slug}/comments/theme/{world.theme.id}"


def shown(html):
    """The numbers of the "Viesti <n>" comments on a page, in order."""
    return [int(n) for n in re.findall(r"<p>Viesti (\d+)</p>", html)]


# --- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_measure_page_for_every_role(world, client, login, make, role):
    make.comment(world.measure, world.member2, body="<p>Mittarista sanottua</p>")
    response = as_role(world, login, client, role).get(f"/w/{world.ws.slug}/measures/{world.measure.id}")
    assert response.status_code == READ[role]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
    if READ[role] == 200:
        assert "Mittarista sanottua" in response.text and "Toimenpide" in response.text
        assert 'id="thread-measure-' in response.text


def test_measure_of_another_workspace_is_not_found(world, client, login):
    login(world.member)
    assert client.get(f"/w/{world.ws.slug}/measures/{world.other_measure.id}").status_code == 404
    assert client.get(f"/w/{world.ws.slug}/measures/999999").status_code == 404


def test_theme_page_shows_threads_and_measure_comment_links(world, client, login, make):
    make.comment(world.theme, world.member2, body="<p>Teemasta</p>")
    make.comment(world.discussion, world.member2, body="<p>Keskustelusta</p>")
    make.comment(world.measure, world.member2)
    login(world.member)
    html = client.get(theme_url(world)).text
    assert "Teemasta" in html and "Keskustelusta" in html
    assert (
        f'id="thread-theme-{world.theme.id}"' in html
        and f'id="thread-activity-{world.discussion.id}"' in html
    )
    assert f'href="/w/{world.ws.slug}/measures/{world.measure.id}"' in html and "Comments (1)" in html
    assert html.count('role="status" aria-live="polite"') >= 2


def test_hidden_comments_only_shown_to_moderators(world, client, login, make):
    make.comment(world.theme, world.member2, body="<p>Asiaton kommentti</p>", hidden_at=utcnow())
    login(world.member)
    assert "Asiaton kommentti" not in client.get(theme_url(world)).text
    switch_to(login, world.moderator)
    html = client.get(theme_url(world)).text
    assert "Asiaton kommentti" in html and "Hidden by a moderator" in html


def test_theme_page_queries_do_not_grow_with_comments(world, client, login, make, count_queries):
    def fill(n):
        for _ in range(n):
            top = make.comment(world.theme, world.member2)
            make.comment(world.theme, world.moderator, parent=top)
            make.comment(world.discussion, world.member2)
            make.comment(world.measure, world.moderator)
            db.session.add(CommentLike(comment_id=top.id, user_id=world.member.id))
        db.session.flush()

    login(world.member)
    fill(5)
    client.get(theme_url(world))
    with count_queries() as few:
        assert client.get(theme_url(world)).status_code == 200
    fill(45)
    client.get(theme_url(world))
    with count_queries() as many:
        response = client.get(theme_url(world))
    # A preview each: the newest 5 threads with their replies on the theme, 5 on the activity; links
    # to the whole discussions with their exact counts.
    assert (
        response.text.count('class="comment"') + response.text.count('class="comment comment--reply"') == 15
    )
    assert f'href="{discussion_url(world)}">Show all 100 comments</a>' in response.text
    activity_page = f"/w/{world.ws.slug}/comments/activity/{world.discussion.id}"
    assert f'href="{activity_page}">Show all 50 comments</a>' in response.text
    assert "Earlier comments" not in response.text
    assert len(few) == len(many)


# --- posting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_post_comment_for_every_role(world, client, login, role):
    as_role(world, login, client, role)
    before = count()
    response = client.post(
        f"/w/{world.ws.slug}/comments/theme/{world.theme.id}",
        data={"body": "Hyvä teema", "next": theme_url(world)},
    )
    assert response.status_code == WRITE[role]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
    if role in ("member", "moderator", "admin"):
        comment = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
        assert count() == before + 1 and comment.author_id == world.role(role).id
        assert response.headers["Location"].endswith(f"{theme_url(world)}#comment-{comment.id}")
    else:
        assert count() == before


@pytest.mark.parametrize("kind", ["measure", "activity", "idea"])
def test_post_on_other_targets_comes_back_to_the_page(world, client, login, make, kind):
    target = {
        "measure": world.measure,
        "activity": world.discussion,
        "idea": make.idea(world.ws, world.member2),
    }[kind]
    login(world.member)
    response = client.post(f"/w/{world.ws.slug}/comments/{kind}/{target.id}", data={"body": "Kommentti"})
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert getattr(comment, f"{kind}_id") == target.id
    expected = {
        "measure": f"/w/{world.ws.slug}/measures/{target.id}",
        "activity": theme_url(world),
        "idea": f"/w/{world.ws.slug}/ideas/{target.id}",
    }[kind]
    assert response.headers["Location"] == f"{expected}#comment-{comment.id}"


def test_membership_records_the_first_contribution(world, client, login):
    from ideaspace.models import Membership

    login(world.member)
    client.post(f"/w/{world.ws.slug}/comments/theme/{world.theme.id}", data={"body": "Ensimmäinen"})
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == world.member.id, Membership.workspace_id == world.ws.id
        )
    )
    assert membership.first_contribution_at is not None


@pytest.mark.parametrize(
    "change",
    ["activity_closed", "activity_draft", "workspace_closed", "workspace_draft", "workspace_archived"],
)
def test_closed_or_draft_refuses_comments(world, client, login, change):
    if change.startswith("activity"):
        world.discussion.status = ActivityStatus.CLOSED if change.endswith("closed") else ActivityStatus.DRAFT
    else:
        world.ws.status = WorkspaceStatus(change.split("_")[1])
    db.session.flush()
    login(world.member)
    before = count()
    response = client.post(
        f"/w/{world.ws.slug}/comments/activity/{world.discussion.id}", data={"body": "Myöhässä"}
    )
    assert response.status_code == 403
    assert count() == before


def test_targets_of_another_workspace_or_kind_are_not_found(world, client, login, make):
    login(world.member)
    poll = make.activity(world.theme, kind=ActivityKind.SINGLE_CHOICE, options=2)
    db.session.commit()
    for path in (
        f"comments/theme/{world.other_theme.id}",
        f"comments/measure/{world.other_measure.id}",
        f"comments/activity/{world.other_discussion.id}",
        f"comments/activity/{poll.id}",
        f"comments/activity/{world.notes.id}",
        "comments/theme/999999",
    ):
        assert client.post(f"/w/{world.ws.slug}/{path}", data={"body": "x"}).status_code == 404, path
    assert (
        client.post(f"/w/{world.ws.slug}/comments/nonsense/{world.theme.id}", data={"body": "x"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a comment before publishing."),
        ("   ", "Write a comment before publishing."),
        ("x" * 5001, "at most 5000 characters"),
        # Markdown bombs: refused with a message, in bounded time (ideaspace/markdown.py).
        (">" * 2000 + " syvä", "nested at most"),
        ("*" * 2000 + "x" + "*" * 2000, "nested at most"),
        ("https://x.fi " * 201, "at most 200 links"),
    ],
)
def test_bad_comment_is_refused_with_a_clear_message(world, client, login, body, message):
    login(world.member)
    before = count()
    response = client.post(f"/w/{world.ws.slug}/comments/theme/{world.theme.id}", data={"body": body})
    assert response.status_code == 422
    assert message in response.text and 'id="error-summary"' in response.text
    assert count() == before
    response = client.post(
        f"/w/{world.ws.slug}/comments/theme/{world.theme.id}", data={"body": body}, headers=HX
    )
    assert response.status_code == 422
    assert (
        message in response.text and 'aria-invalid="true"' in response.text and "data-focus" in response.text
    )
    assert count() == before


def test_without_csrf_token_nothing_is_saved(world, client, login):
    login(world.member)
    client.csrf = False
    before = count()
    assert (
        client.post(f"/w/{world.ws.slug}/comments/theme/{world.theme.id}", data={"body": "x"}).status_code
        == 400
    )
    assert count() == before


def test_script_payloads_render_inert(world, client, login):
    login(world.member)
    payload = (
        '<script>alert("x")</script> <img src=x onerror=alert(1)> <a href="javascript:alert(2)">a</a> '
        "[b](javascript:alert(3)) <svg onload=alert(4)>"
    )
    client.post(f"/w/{world.ws.slug}/comments/theme/{world.theme.id}", data={"body": payload})
    html = client.get(theme_url(world)).text
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg" not in html
    assert 'href="javascript' not in html.lower() and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert" in html  # shown as the text that was typed


def test_formatting_and_links_render(world, client, login):
    login(world.member)
    client.post(
        f"/w/{world.ws.slug}/comments/theme/{world.theme.id}",
        data={"body": "**Tärkeää** ja *kursiivi*\n\n- yksi\n- kaksi\n\nhttps://www.kokkola.fi"},
    )
    html = client.get(theme_url(world)).text
    assert "<strong>Tärkeää</strong>" in html and "<em>kursiivi</em>" in html and "<li>yksi</li>" in html
    assert '<a href="https://www.kokkola.fi" rel="nofollow noopener">' in html


def test_reply_and_reply_to_reply(world, client, login, make):
    top = make.comment(world.theme, world.member2)
    reply = make.comment(world.theme, world.moderator, parent=top)
    login(world.member)
    url = f"/w/{world.ws.slug}/comments/theme/{world.theme.id}"
    assert client.post(url, data={"body": "Vastaan", "parent_id": reply.id}).status_code == 302
    newest = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert newest.parent_id == top.id


def test_parent_from_another_target_or_workspace_is_not_found(world, client, login, make):
    on_measure = make.comment(world.measure, world.member2)
    elsewhere = make.comment(world.other_theme, world.member)
    db.session.commit()
    login(world.member)
    before = count()
    url = f"/w/{world.ws.slug}/comments/theme/{world.theme.id}"
    for parent in (on_measure, elsewhere):
        assert client.post(url, data={"body": "x", "parent_id": parent.id}).status_code == 404
    assert count() == before


def test_htmx_post_swaps_the_thread_and_announces(world, client, login):
    login(world.member)
    response = client.post(
        f"/w/{world.ws.slug}/comments/theme/{world.theme.id}",
        data={"body": "Nopeasti", "next": theme_url(world)},
        headers=HX,
    )
    assert response.status_code == 200
    comment = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    html = response.text
    assert f'id="comment-{comment.id}"' in html and 'tabindex="-1" data-focus' in html
    assert f'id="thread-theme-{world.theme.id}-status" hx-swap-oob="innerHTML">Comment published.' in html
    assert "<html" not in html
    # Forms in the fragment still come back to the theme page without JavaScript.
    assert f'name="next" value="{theme_url(world)}"' in html


def test_on_behalf_of_unit_shows_the_unit(world, client, login):
    login(world.member)
    client.post(
        f"/w/{world.ws.slug}/comments/theme/{world.theme.id}",
        data={"body": "Yksikön puolesta", "on_behalf": "y"},
    )
    comment = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert comment.on_behalf_of_unit
    html = client.get(theme_url(world)).text
    assert "posted by Maija Meikäläinen for Henkilöstöpalvelut" in html


def test_anonymous_discussion_stores_and_shows_no_author(world, client, login, make):
    world.discussion.is_anonymous = True
    db.session.flush()
    url = f"/w/{world.ws.slug}/comments/activity/{world.discussion.id}"
    login(world.member)
    response = client.post(url, data={"body": "Salainen ajatus"}, follow_redirects=True)
    assert "Your anonymous comment is in the ballot box" in response.text
    assert db.session.scalar(select(Comment)) is None  # sealed until k people have written
    for person in crowd(make, world.ws, 4, unit=world.big_unit):
        login(person)
        client.post(url, data={"body": "Minäkin"})
    comment = db.session.scalar(select(Comment).where(Comment.body.contains("Salainen")))
    assert comment.author_id is None and comment.unit_id == world.big_unit.id
    switch_to(login, world.member2)
    html = client.get(theme_url(world)).text
    section = html[html.index(f'id="thread-activity-{world.discussion.id}"') :]
    assert "Anonymous" in section and "Maija Meikäläinen" not in html
    switch_to(login, world.member)
    html = client.get(theme_url(world)).text
    assert f"/comments/{comment.id}/edit" not in html  # nobody can claim it, the author included


# --- editing and withdrawing ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES + ["member2"])
def test_edit_only_by_the_author(world, client, login, make, role):
    comment = make.comment(world.theme, world.member, body="<p>Alkuperäinen</p>")
    db.session.commit()
    as_role(world, login, client, role)
    url = f"/w/{world.ws.slug}/comments/{comment.id}/edit"
    get = client.get(url)
    post = client.post(url, data={"body": "Muokattu"})
    if role == "member":
        assert get.status_code == 200 and "Alkuperäinen" in get.text
        assert post.status_code == 302 and comment.body == "<p>Muokattu</p>" and comment.edited_at
    else:
        expected = 302 if role == "anonymous" else 403
        assert get.status_code == expected and post.status_code == expected
        assert comment.body == "<p>Alkuperäinen</p>"


def test_edit_window_expires(world, client, login, make, app):
    comment = make.comment(world.theme, world.member, body="<p>Vanha</p>")
    comment.created_at = utcnow() - timedelta(minutes=app.config["COMMENT_EDIT_MINUTES"] + 1)
    db.session.commit()
    login(world.member)
    assert (
        client.post(f"/w/{world.ws.slug}/comments/{comment.id}/edit", data={"body": "Uusi"}).status_code
        == 403
    )
    assert comment.body == "<p>Vanha</p>"
    page = client.get(theme_url(world)).text
    assert f'id="comment-{comment.id}"' in page and f"/comments/{comment.id}/edit" not in page


def test_edit_with_htmx_and_bad_input(world, client, login, make):
    comment = make.comment(world.theme, world.member, body="<p>**Lihava** teksti</p>")
    login(world.member)
    url = f"/w/{world.ws.slug}/comments/{comment.id}/edit"
    form = client.get(f"{url}?next={theme_url(world)}", headers=HX)
    assert form.status_code == 200 and f'id="thread-theme-{world.theme.id}-edit-{comment.id}"' in form.text
    assert "data-focus" in form.text
    bad = client.post(url, data={"body": ""}, headers=HX)
    assert bad.status_code == 422 and "Write a comment before publishing." in bad.text
    bad_page = client.post(url, data={"body": "x" * 5001})
    assert bad_page.status_code == 422 and "at most 5000 characters" in bad_page.text
    assert comment.edited_at is None
    good = client.post(url, data={"body": "Uusi *teksti*", "next": theme_url(world)}, headers=HX)
    assert good.status_code == 200 and "<em>teksti</em>" in good.text and "Comment updated." in good.text


def test_comment_of_another_workspace_is_not_found(world, client, login, make):
    elsewhere = make.comment(world.other_theme, world.member)
    db.session.commit()
    login(world.member)
    for action in ("edit", "withdraw", "like"):
        assert (
            client.post(
                f"/w/{world.ws.slug}/comments/{elsewhere.id}/{action}", data={"body": "x"}
            ).status_code
            == 404
        )


@pytest.mark.parametrize("role", ROLES + ["member2"])
def test_withdraw_only_by_the_author(world, client, login, make, role):
    comment = make.comment(world.theme, world.member, body="<p>Peruttava</p>")
    reply = make.comment(world.theme, world.member2, parent=comment, body="<p>Vastaus jää</p>")
    as_role(world, login, client, role)
    response = client.post(
        f"/w/{world.ws.slug}/comments/{comment.id}/withdraw", data={"next": theme_url(world)}
    )
    if role == "member":
        assert response.status_code == 302 and comment.withdrawn_at is not None
        html = client.get(theme_url(world)).text
        assert "Comment withdrawn" in html and "Peruttava" not in html and "Vastaus jää" in html
        assert db.session.get(Comment, reply.id).withdrawn_at is None
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert comment.withdrawn_at is None


# --- liking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_like_for_every_role(world, client, login, make, role):
    comment = make.comment(world.theme, world.member2)
    as_role(world, login, client, role)
    response = client.post(f"/w/{world.ws.slug}/comments/{comment.id}/like", data={"liked": "1"})
    assert response.status_code == WRITE[role]
    assert count(CommentLike) == (1 if WRITE[role] == 302 and role != "anonymous" else 0)


def test_like_once_then_unlike_with_htmx(world, client, login, make):
    comment = make.comment(world.theme, world.member2)
    login(world.member)
    url = f"/w/{world.ws.slug}/comments/{comment.id}/like"
    first = client.post(url, data={"liked": "1"}, headers=HX)
    again = client.post(url, data={"liked": "1"}, headers=HX)
    assert first.status_code == again.status_code == 200
    assert count(CommentLike) == 1
    assert 'aria-pressed="true"' in again.text and "1 like" in again.text and "data-focus" in again.text
    off = client.post(url, data={"liked": "0"}, headers=HX)
    assert 'aria-pressed="false"' in off.text and count(CommentLike) == 0


def test_own_withdrawn_or_closed_comments_cannot_be_liked(world, client, login, make):
    own = make.comment(world.theme, world.member)
    withdrawn = make.comment(world.theme, world.member2, withdrawn_at=utcnow())
    closed = make.comment(world.discussion, world.member2)
    world.discussion.status = ActivityStatus.CLOSED
    db.session.commit()
    login(world.member)
    for comment in (own, withdrawn, closed):
        assert (
            client.post(f"/w/{world.ws.slug}/comments/{comment.id}/like", data={"liked": "1"}).status_code
            == 403
        )
    assert count(CommentLike) == 0


def test_like_without_javascript_comes_back_to_the_comment(world, client, login, make):
    comment = make.comment(world.measure, world.member2)
    login(world.member)
    response = client.post(f"/w/{world.ws.slug}/comments/{comment.id}/like", data={"liked": "1"})
    assert (
        response.headers["Location"] == f"/w/{world.ws.slug}/measures/{world.measure.id}#comment-{comment.id}"
    )


def test_next_must_stay_on_this_site(world, client, login):
    login(world.member)
    response = client.post(
        f"/w/{world.ws.slug}/comments/theme/{world.theme.id}",
        data={"body": "x", "next": "https://evil.example/"},
    )
    assert response.headers["Location"].startswith(theme_url(world) + "#comment-")


def test_show_thread_fragment_page_and_redirect(world, client, login, make):
    make.comment(world.theme, world.member2, body="<p>Näkyy</p>")
    make.comment(world.measure, world.member2, body="<p>Mittarista</p>")
    login(world.member)
    url = discussion_url(world)
    fragment = client.get(url, headers=HX).text
    assert "Näkyy" in fragment and "<html" not in fragment
    # Without JavaScript: a theme's discussion has its own page, a measure's is on the measure's page.
    page = client.get(url)
    assert page.status_code == 200 and "Näkyy" in page.text and 'aria-current="page"' in page.text
    assert f'href="{theme_url(world)}"' in page.text  # the breadcrumb back to the theme
    measure = client.get(f"/w/{world.ws.slug}/comments/measure/{world.measure.id}")
    assert (
        measure.headers["Location"]
        == f"/w/{world.ws.slug}/measures/{world.measure.id}#thread-measure-{world.measure.id}"
    )
    activity = client.get(f"/w/{world.ws.slug}/comments/activity/{world.discussion.id}")
    assert activity.status_code == 200 and "No comments yet." in activity.text


def test_theme_page_shows_the_newest_threads_and_the_discussion_page_pages_them_all(
    world, client, login, make
):
    tops = [make.comment(world.theme, world.member2, body=f"<p>Viesti {i}</p>") for i in range(25)]
    make.comment(world.theme, world.moderator, parent=tops[24], body="<p>Vastaus uusimpaan</p>")
    make.comment(world.theme, world.moderator, parent=tops[3], body="<p>Vastaus vanhaan</p>")
    login(world.member)
    preview = client.get(theme_url(world)).text
    # The 5 newest threads (oldest of them first, as in the whole thread), with their replies.
    assert shown(preview) == [20, 21, 22, 23, 24]
    assert "Vastaus uusimpaan" in preview and "Vastaus vanhaan" not in preview
    assert "27 comments" in preview and f'href="{discussion_url(world)}">Show all 27 comments</a>' in preview
    assert "Page 1 of" not in preview and "Earlier comments" not in preview
    # The discussion's page: 20 threads a page, the newest page first, the same count.
    first = client.get(discussion_url(world)).text
    assert shown(first) == list(range(5, 25)) and "27 comments" in first and "Page 1 of 2" in first
    assert "Show all" not in first
    earlier_link = f"{discussion_url(world)}?thread=theme-{world.theme.id}&amp;page=2"
    assert earlier_link in first
    earlier = client.get(f"{discussion_url(world)}?thread=theme-{world.theme.id}&page=2").text
    assert shown(earlier) == [0, 1, 2, 3, 4] and "Vastaus vanhaan" in earlier and "Later comments" in earlier
    # A reply with htmx on the earlier page swaps in that page, with the reply to focus.
    response = client.post(
        discussion_url(world),
        data={
            "body": "Vastaus sivulla",
            "parent_id": tops[0].id,
            "next": f"{discussion_url(world)}?thread=theme-{world.theme.id}&page=2",
        },
        headers=HX,
    )
    reply = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert response.status_code == 200 and f'id="comment-{reply.id}"' in response.text
    assert shown(response.text) == [0, 1, 2, 3, 4]
    # A new comment with htmx on the theme page swaps the preview back in: newest threads only.
    response = client.post(
        discussion_url(world), data={"body": "Uusin", "next": theme_url(world)}, headers=HX
    )
    newest = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert response.status_code == 200 and f'id="comment-{newest.id}"' in response.text
    assert "data-focus" in response.text and shown(response.text) == [21, 22, 23, 24]
    assert f'href="{discussion_url(world)}">Show all 29 comments</a>' in response.text
