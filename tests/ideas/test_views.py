"""Every route of the idea barrel, for every role, with bad input and ids from another workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    ActivityStatus,
    AuditLog,
    Comment,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSupport,
    Membership,
    WorkspaceStatus,
    utcnow,
)
from tests.crowd import crowd

HX = {"HX-Request": "true"}
READERS = ["member", "observer", "moderator", "admin"]
WRITERS = ["member", "moderator", "admin"]


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _urls(b, idea):
    base = f"/w/{b.ws.slug}/ideas"
    return {"barrel": base, "mine": f"{base}/mine", "idea": f"{base}/{idea.id}"}


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["barrel", "mine", "idea"])
def test_anonymous_visitors_are_sent_to_sign_in(client, barrel, make, page):
    url = _urls(barrel, make.idea(barrel.ws))[page]
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("page", ["barrel", "mine", "idea"])
def test_non_members_get_403(client, barrel, make, login, page):
    url = _urls(barrel, make.idea(barrel.ws))[page]
    login(barrel.outsider)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("page", ["barrel", "mine", "idea"])
def test_readers_see_the_pages(client, barrel, make, login, role, page):
    idea = make.idea(barrel.ws, author=barrel.member, theme=barrel.theme, title="Mentoring programme")
    login(getattr(barrel, role))
    response = client.get(_urls(barrel, idea)[page])
    assert response.status_code == 200, response.text
    html = response.text
    assert "<script>alert" not in html
    if page != "mine" or role == "member":
        assert "Mentoring programme" in html


@pytest.mark.parametrize("role", READERS)
def test_submit_form_only_for_writers(client, barrel, login, role):
    login(getattr(barrel, role))
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    assert (f'action="/w/{barrel.ws.slug}/ideas"' in html and 'name="title"' in html) == (role in WRITERS)


def test_barrel_marks_hidden_ideas_for_moderators_only(client, barrel, make, login):
    make.idea(barrel.ws, title="Visible idea")
    make.idea(barrel.ws, title="Hidden idea", hidden_at=utcnow(), hidden_reason="Off topic")
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    assert "Visible idea" in html and "Hidden idea" not in html
    login(barrel.moderator)
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    assert "Hidden idea" in html and "badge--hidden" in html


def test_hidden_idea_page_for_moderators_and_its_author_only(client, barrel, make, login):
    idea = make.idea(barrel.ws, author=barrel.member, hidden_at=utcnow(), hidden_reason="Personal data")
    url = f"/w/{barrel.ws.slug}/ideas/{idea.id}"
    login(barrel.other_member)
    assert client.get(url).status_code == 404
    login(barrel.observer)
    assert client.get(url).status_code == 404
    login(barrel.member)
    response = client.get(url)
    assert response.status_code == 200 and "Personal data" in response.text
    login(barrel.moderator)
    assert client.get(url).status_code == 200


def test_ids_from_another_workspace_lead_nowhere(client, barrel, other_ws, login, session):
    login(barrel.moderator)
    base = f"/w/{barrel.ws.slug}/ideas/{other_ws.idea.id}"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/support", data={"support": "1"}).status_code == 404
    assert client.post(f"{base}/status", data={"status": "under_review"}).status_code == 404
    assert client.get("/w/no-such-workspace/ideas").status_code == 404
    assert _count(session, IdeaSupport) == 0 and _count(session, IdeaStatusChange) == 0


def test_search_sort_and_filter_by_get(client, barrel, make, login):
    make.idea(barrel.ws, title="Sauna evenings", created_at=utcnow() - timedelta(days=2))
    popular = make.idea(barrel.ws, title="Flexible hours", theme=barrel.theme, status=IdeaStatus.UNDER_REVIEW)
    make.idea_support(popular, barrel.other_member)
    make.idea(barrel.ws, title="50% remote", created_at=utcnow() - timedelta(days=1))
    login(barrel.member)
    base = f"/w/{barrel.ws.slug}/ideas"
    html = client.get(base, query_string={"q": "SAUNA"}).text
    assert "Sauna evenings" in html and "Flexible hours" not in html
    html = client.get(base, query_string={"q": "%"}).text
    assert "50% remote" in html and "Sauna" not in html
    html = client.get(base, query_string={"sort": "supported"}).text
    assert html.index("Flexible hours") < html.index("Sauna evenings")
    html = client.get(base, query_string={"theme": barrel.theme.id, "status": "under_review"}).text
    assert "Flexible hours" in html and "Sauna" not in html and "50% remote" not in html
    # Nonsense parameters are ignored, not errors.
    assert (
        client.get(
            base, query_string={"sort": "evil", "status": "x", "page": "abc", "theme": "y"}
        ).status_code
        == 200
    )
    html = client.get(base, query_string={"q": "nothing like this"}).text
    assert "No ideas match your search" in html


def test_htmx_search_returns_only_the_list(client, barrel, make, login):
    make.idea(barrel.ws, title="Sauna evenings")
    login(barrel.member)
    response = client.get(
        f"/w/{barrel.ws.slug}/ideas", query_string={"q": "sauna"}, headers={**HX, "HX-Target": "idea-list"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="idea-list"') and "Sauna evenings" in response.text
    assert 'id="idea-list-count" data-focus' in response.text  # focus (and the reader) go to the count
    assert "<html" not in response.text


def test_pagination_links_keep_the_filters(client, barrel, make, login):
    for n in range(23):
        make.idea(barrel.ws, title=f"Numbered idea {n}")
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas", query_string={"q": "numbered"}).text
    assert "page 1 of 2" in html and "q=numbered" in html and 'rel="next"' in html
    html = client.get(f"/w/{barrel.ws.slug}/ideas", query_string={"q": "numbered", "page": 2}).text
    assert html.count('class="card idea-card') == 3


def test_barrel_queries_do_not_grow_with_ideas(client, barrel, make, login, count_queries, session):
    def fill(n):
        for _ in range(n):
            idea = make.idea(barrel.ws, author=barrel.other_member, theme=barrel.theme)
            make.idea_support(idea, barrel.other_member)
            session.add(Comment(workspace_id=barrel.ws.id, idea_id=idea.id, body="<p>c</p>"))
        session.commit()

    login(barrel.member)
    url = f"/w/{barrel.ws.slug}/ideas"
    fill(5)
    client.get(url)  # the first visit of the day records a Visit row
    with count_queries() as few:
        assert client.get(url).status_code == 200
    fill(55)
    with count_queries() as many:
        html = client.get(url).text
    assert html.count('class="card idea-card') == 20
    assert len(few) == len(many) <= 16, many


def test_idea_page_shows_author_unit_status_history_and_reason(client, barrel, make, login, session):
    idea = make.idea(barrel.ws, author=barrel.member, theme=barrel.theme, status=IdeaStatus.UNDER_REVIEW)
    session.add(
        IdeaStatusChange(
            idea_id=idea.id,
            from_status=IdeaStatus.NEW,
            to_status=IdeaStatus.UNDER_REVIEW,
            reason="Looking into the costs",
            changed_by_id=barrel.moderator.id,
        )
    )
    idea.status_reason = "Looking into the costs"
    session.commit()
    login(barrel.other_member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text
    assert barrel.member.name in html and "Yksikkö" in html
    assert "Looking into the costs" in html and "Under review" in html and "Status history" in html
    assert "What happened to your idea" not in html
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text
    assert "What happened to your idea" in html
    assert 'aria-pressed="false"' in html


def test_anonymous_idea_shows_no_name(client, barrel, make, login):
    idea = make.idea(barrel.ws, author=None, title="Nameless")
    login(barrel.other_member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text
    assert "Anonymous" in html


def test_my_ideas_lists_only_mine_with_reasons(client, barrel, make, login):
    make.idea(
        barrel.ws,
        author=barrel.member,
        title="Mine declined",
        status=IdeaStatus.NOT_TAKEN,
        status_reason="Already done by HR",
    )
    make.idea(barrel.ws, author=barrel.member, title="Mine hidden", hidden_at=utcnow())
    make.idea(barrel.ws, author=barrel.other_member, title="Someone else's")
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas/mine").text
    assert "Mine declined" in html and "Already done by HR" in html and "Not taken forward" in html
    assert "Mine hidden" in html
    assert "Someone else&#39;s" not in html and "Someone else's" not in html


# --- submitting ------------------------------------------------------------------------------


def test_anonymous_visitor_cannot_submit(client, barrel, session):
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "An idea", "body": "Text"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _count(session, Idea) == 0


@pytest.mark.parametrize("role", ["outsider", "observer"])
def test_non_writers_cannot_submit(client, barrel, login, session, role):
    login(getattr(barrel, role))
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "An idea", "body": "Text"})
    assert response.status_code == 403
    assert _count(session, Idea) == 0


@pytest.mark.parametrize("role", WRITERS)
def test_writers_submit_and_are_redirected_to_their_idea(client, barrel, login, session, role):
    user = getattr(barrel, role)
    login(user)
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas",
        data={
            "title": "Mentors for newcomers",
            "body": "Each newcomer gets a mentor.",
            "theme_id": barrel.theme.id,
        },
    )
    assert response.status_code == 302, response.text
    idea = session.scalar(select(Idea))
    assert response.headers["Location"].endswith(f"/w/{barrel.ws.slug}/ideas/{idea.id}")
    assert idea.author_id == user.id and idea.theme_id == barrel.theme.id
    page = client.get(response.headers["Location"]).text
    assert "Your idea is now in the idea barrel" in page


def test_submit_records_the_first_contribution(client, barrel, login, session):
    login(barrel.member)
    client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "An idea", "body": "Text"})
    membership = session.scalar(select(Membership).where(Membership.user_id == barrel.member.id))
    assert membership.first_contribution_at is not None


def test_anonymous_collection_stores_no_author(client, barrel, login, session, make):
    barrel.activity.is_anonymous = True
    session.commit()
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    assert "Ideas are submitted anonymously" in html
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "Quiet idea", "body": "Text"})
    assert response.status_code == 302
    assert session.scalar(select(Idea)) is None  # sealed in the ballot box
    page = client.get(response.headers["Location"]).text
    assert "Your anonymous idea is in the ballot box" in page and "Quiet idea" in page  # own, via cookie
    for person in crowd(make, barrel.ws, 4):
        login(person)
        client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "Other idea", "body": "Text"})
    idea = session.scalar(select(Idea).where(Idea.title == "Quiet idea"))
    assert idea.author_id is None and idea.unit_id is None
    assert _count(session, AuditLog, AuditLog.object_type == "idea") == 0
    login(barrel.member)
    assert "Anonymous" in client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text
    assert "Quiet idea" not in client.get(f"/w/{barrel.ws.slug}/ideas/mine").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "Text"}, "Write a title of at least 3 characters."),
        ({"title": "ab", "body": "Text"}, "Write a title of at least 3 characters."),
        ({"title": "x" * 201, "body": "Text"}, "The title can be at most 200 characters long."),
        ({"title": "An idea", "body": ""}, "Describe your idea."),
        ({"title": "An idea", "body": ">\n\n- "}, "Describe your idea."),
        ({"title": "An idea", "body": "y" * 5001}, "The description can be at most 5000 characters long."),
        ({"title": "An idea", "body": "Text", "theme_id": "999999"}, "Choose one of this workspace"),
    ],
)
def test_bad_input_gives_422_and_saves_nothing(client, barrel, login, session, data, message):
    login(barrel.member)
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data=data)
    assert response.status_code == 422
    assert message in response.text and 'id="error-summary"' in response.text
    assert _count(session, Idea) == 0
    assert (
        session.scalar(select(Membership.first_contribution_at).where(Membership.user_id == barrel.member.id))
        is None
    )


def test_theme_of_another_workspace_is_refused(client, barrel, other_ws, login, session):
    login(barrel.member)
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas", data={"title": "An idea", "body": "Text", "theme_id": other_ws.theme.id}
    )
    assert response.status_code == 422 and "Choose one of this workspace" in response.text
    assert _count(session, Idea, Idea.workspace_id == barrel.ws.id) == 0


def test_script_payloads_are_stored_and_rendered_inert(client, barrel, login, session):
    login(barrel.member)
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas",
        data={
            "title": '<script>alert("t")</script> Title',
            "body": '<p onmouseover="alert(1)">Hi <a href="javascript:alert(2)">x</a></p>'
            '<script>alert("b")</script>',
        },
    )
    assert response.status_code == 302
    idea = session.scalar(select(Idea))
    # The body is Markdown: typed HTML is kept as text, escaped, and never becomes markup.
    assert "<script" not in idea.body and 'href="javascript:' not in idea.body
    assert "<p onmouseover" not in idea.body
    for url in (response.headers["Location"], f"/w/{barrel.ws.slug}/ideas"):
        html = client.get(url).text
        assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_closed_collection_or_workspace_refuses_ideas(client, barrel, login, session):
    login(barrel.member)
    barrel.activity.status = ActivityStatus.CLOSED
    session.commit()
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    assert "The idea barrel is closed" in html and 'name="title"' not in html
    assert (
        client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "Late", "body": "Text"}).status_code == 403
    )
    barrel.activity.status = ActivityStatus.OPEN
    barrel.ws.status = WorkspaceStatus.CLOSED
    session.commit()
    assert (
        client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "Late", "body": "Text"}).status_code == 403
    )
    assert _count(session, Idea) == 0


def test_a_post_without_csrf_token_is_refused(client, barrel, login, session):
    login(barrel.member)
    client.csrf = False
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "An idea", "body": "Text"})
    assert response.status_code == 400
    assert _count(session, Idea) == 0


def test_htmx_submit_swaps_the_barrel_and_focuses_the_new_idea(client, barrel, login, session):
    login(barrel.member)
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas",
        data={"title": "Swapped in", "body": "Text"},
        headers={**HX, "HX-Target": "idea-barrel"},
    )
    assert response.status_code == 200
    idea = session.scalar(select(Idea))
    html = response.text
    assert 'hx-swap-oob="innerHTML"' in html and "Your idea is now in the idea barrel" in html
    assert f'id="idea-{idea.id}" data-focus' in html and '<div id="idea-barrel"' in html
    assert "<html" not in html


def test_htmx_submit_with_bad_input_returns_the_form_with_errors(client, barrel, login, session):
    login(barrel.member)
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data={"title": "", "body": "Text"}, headers=HX)
    assert response.status_code == 422
    assert '<div id="idea-barrel"' in response.text and 'id="error-summary"' in response.text
    assert "data-focus" not in response.text  # focus goes to the error summary
    assert _count(session, Idea) == 0


# --- the theme page --------------------------------------------------------------------------


def test_theme_page_shows_the_collection_with_its_latest_ideas(client, barrel, make, login):
    make.idea(barrel.ws, theme=barrel.theme, title="Theme idea")
    make.idea(barrel.ws, theme=barrel.other_theme, title="Other theme idea")
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/themes/{barrel.theme.id}").text
    assert "Theme idea" in html and "Other theme idea" not in html
    assert f'name="activity_id" value="{barrel.activity.id}"' in html
    assert f'name="activity{barrel.activity.id}-title"' in html
    login(barrel.observer)
    html = client.get(f"/w/{barrel.ws.slug}/themes/{barrel.theme.id}").text
    assert "Theme idea" in html and "activity_id" not in html


def test_submitting_from_the_theme_page(client, barrel, login, session):
    login(barrel.member)
    prefix = f"activity{barrel.activity.id}"
    data = {
        "activity_id": barrel.activity.id,
        f"{prefix}-theme_id": barrel.theme.id,
        f"{prefix}-title": "From the theme",
        f"{prefix}-body": "Text",
    }
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data=data, headers=HX)
    assert response.status_code == 200
    idea = session.scalar(select(Idea))
    assert idea.theme_id == barrel.theme.id and idea.title == "From the theme"
    assert f'id="theme-ideas-{barrel.activity.id}"' in response.text
    assert f'id="theme-idea-{idea.id}" data-focus' in response.text
    bad = client.post(f"/w/{barrel.ws.slug}/ideas", data={**data, f"{prefix}-title": "x"}, headers=HX)
    assert bad.status_code == 422 and f'id="theme-ideas-{barrel.activity.id}"' in bad.text
    assert "Write a title of at least 3 characters." in bad.text
    # Without JavaScript the form posts and redirects to the new idea.
    response = client.post(f"/w/{barrel.ws.slug}/ideas", data={**data, f"{prefix}-title": "No JS idea"})
    assert response.status_code == 302 and "/ideas/" in response.headers["Location"]
    assert _count(session, Idea) == 2


def test_workspace_page_links_to_the_barrel_when_it_collects_ideas(client, barrel, make, login):
    login(barrel.member)
    assert f'href="/w/{barrel.ws.slug}/ideas"' in client.get(f"/w/{barrel.ws.slug}/").text
    other = make.workspace()
    make.theme(other)
    make.member(other, barrel.member)
    assert f'href="/w/{other.slug}/ideas"' not in client.get(f"/w/{other.slug}/").text


# --- supporting ------------------------------------------------------------------------------


def test_anonymous_visitor_cannot_support(client, barrel, make, session):
    idea = make.idea(barrel.ws)
    response = client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/support", data={"support": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _count(session, IdeaSupport) == 0


@pytest.mark.parametrize("role", ["outsider", "observer"])
def test_non_writers_cannot_support(client, barrel, make, login, session, role):
    idea = make.idea(barrel.ws)
    login(getattr(barrel, role))
    assert (
        client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/support", data={"support": "1"}).status_code == 403
    )
    assert _count(session, IdeaSupport) == 0


@pytest.mark.parametrize("role", WRITERS)
def test_support_once_and_withdraw(client, barrel, make, login, session, role):
    idea = make.idea(barrel.ws)
    user = getattr(barrel, role)
    login(user)
    url = f"/w/{barrel.ws.slug}/ideas/{idea.id}/support"
    response = client.post(url, data={"support": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert client.post(url, data={"support": "1"}).status_code == 302  # twice: still one
    assert _count(session, IdeaSupport, IdeaSupport.idea_id == idea.id) == 1
    assert 'aria-pressed="true"' in client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text
    client.post(url, data={"support": "0"})
    assert _count(session, IdeaSupport, IdeaSupport.idea_id == idea.id) == 0


def test_support_toggle_with_htmx_swaps_the_count(client, barrel, make, login, session):
    idea = make.idea(barrel.ws)
    make.idea_support(idea, barrel.other_member)
    login(barrel.member)
    url = f"/w/{barrel.ws.slug}/ideas/{idea.id}/support"
    html = client.post(url, headers=HX).text  # no value: a toggle
    assert f'id="support-{idea.id}"' in html and 'aria-pressed="true"' in html and "2 supporters" in html
    assert 'aria-live="polite"' in html and "data-focus" in html
    html = client.post(url, headers=HX).text
    assert 'aria-pressed="false"' in html and "1 supporter" in html
    assert client.post(url, data={"support": "2"}).status_code == 400


def test_support_redirects_back_to_a_safe_next(client, barrel, make, login):
    idea = make.idea(barrel.ws)
    login(barrel.member)
    url = f"/w/{barrel.ws.slug}/ideas/{idea.id}/support"
    response = client.post(url, data={"support": "1", "next": f"/w/{barrel.ws.slug}/ideas?sort=supported"})
    assert response.headers["Location"].endswith(f"/w/{barrel.ws.slug}/ideas?sort=supported")
    response = client.post(url, data={"support": "1", "next": "https://evil.example/"})
    assert "evil" not in response.headers["Location"]


def test_support_records_the_first_contribution(client, barrel, make, login, session):
    idea = make.idea(barrel.ws)
    login(barrel.member)
    client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/support", data={"support": "1"})
    membership = session.scalar(select(Membership).where(Membership.user_id == barrel.member.id))
    assert membership.first_contribution_at is not None


def test_cannot_support_a_hidden_idea(client, barrel, make, login, session):
    idea = make.idea(barrel.ws, hidden_at=utcnow())
    login(barrel.moderator)
    assert (
        client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/support", data={"support": "1"}).status_code == 404
    )
    assert _count(session, IdeaSupport) == 0


def test_cannot_support_when_the_barrel_is_closed(client, barrel, make, login, session):
    idea = make.idea(barrel.ws)
    barrel.activity.status = ActivityStatus.CLOSED
    session.commit()
    login(barrel.member)
    assert (
        client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/support", data={"support": "1"}).status_code == 403
    )
    assert "Support this idea" not in client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text


@pytest.mark.parametrize("role", [*WRITERS, "outsider", "observer"])
@pytest.mark.parametrize("barrel_open", [True, False])
def test_the_list_offers_support_exactly_where_the_route_allows_it(
    client, barrel, make, login, session, role, barrel_open
):
    """The list asks whether this person may support ideas here once, then each idea's half:
    together they must still answer what the support route answers, idea by idea."""
    visible = make.idea(barrel.ws)
    hidden = make.idea(barrel.ws, hidden_at=utcnow())  # listed for moderators, never supportable
    if not barrel_open:
        barrel.activity.status = ActivityStatus.CLOSED
        session.commit()
    login(getattr(barrel, role))
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    base = f"/w/{barrel.ws.slug}/ideas"
    offered = {idea.id for idea in (visible, hidden) if f'action="{base}/{idea.id}/support"' in html}
    allowed = {
        idea.id
        for idea in (visible, hidden)
        if client.post(f"{base}/{idea.id}/support", data={"support": "1"}).status_code == 302
    }
    assert offered == allowed == ({visible.id} if barrel_open and role in WRITERS else set())


# --- changing the status ---------------------------------------------------------------------


def test_anonymous_visitor_cannot_change_status(client, barrel, make):
    idea = make.idea(barrel.ws)
    response = client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/status", data={"status": "under_review"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["outsider", "member", "observer"])
def test_only_moderators_change_status(client, barrel, make, login, session, role):
    idea = make.idea(barrel.ws)
    login(getattr(barrel, role))
    assert "Change the status" not in client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text
    response = client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/status", data={"status": "under_review"})
    assert response.status_code == 403
    assert _count(session, IdeaStatusChange) == 0


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_change_status_and_the_author_sees_it(client, barrel, make, login, session, role):
    idea = make.idea(barrel.ws, author=barrel.member)
    login(getattr(barrel, role))
    url = f"/w/{barrel.ws.slug}/ideas/{idea.id}"
    assert "Change the status" in client.get(url).text
    assert client.post(f"{url}/status", data={"status": "under_review", "reason": ""}).status_code == 302
    response = client.post(
        f"{url}/status", data={"status": "not_taken", "reason": "Already in the programme"}
    )
    assert response.status_code == 302
    assert _count(session, IdeaStatusChange, IdeaStatusChange.idea_id == idea.id) == 2
    assert _count(session, AuditLog, AuditLog.action == "idea.status_changed") == 2
    login(barrel.member)
    html = client.get(url).text
    assert "What happened to your idea" in html and "Already in the programme" in html
    assert "Already in the programme" in client.get(f"/w/{barrel.ws.slug}/ideas/mine").text


@pytest.mark.parametrize(
    ("start", "data", "message"),
    [
        (IdeaStatus.UNDER_REVIEW, {"status": "accepted", "reason": " "}, "Give the reason"),
        (IdeaStatus.NEW, {"status": "accepted", "reason": "Good"}, "cannot move from this status"),
        (IdeaStatus.NEW, {"status": "bogus"}, "cannot move from this status"),
        (
            IdeaStatus.UNDER_REVIEW,
            {"status": "merged", "reason": "Dup", "merged_into": "999999"},
            "merge into",
        ),
        (IdeaStatus.UNDER_REVIEW, {"status": "not_taken", "reason": "r" * 2001}, "2000"),
    ],
)
def test_bad_status_changes_give_422(client, barrel, make, login, session, start, data, message):
    idea = make.idea(barrel.ws, status=start)
    login(barrel.moderator)
    response = client.post(f"/w/{barrel.ws.slug}/ideas/{idea.id}/status", data=data)
    assert response.status_code == 422 and message in response.text
    session.expire_all()
    assert session.get(Idea, idea.id).status is start
    assert _count(session, IdeaStatusChange) == 0


def test_merge_into_an_idea_of_another_workspace_is_refused(client, barrel, make, other_ws, login, session):
    idea = make.idea(barrel.ws, status=IdeaStatus.UNDER_REVIEW)
    login(barrel.moderator)
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas/{idea.id}/status",
        data={"status": "merged", "reason": "Same", "merged_into": other_ws.idea.id},
    )
    assert response.status_code == 422
    target = make.idea(barrel.ws, title="The bigger idea")
    response = client.post(
        f"/w/{barrel.ws.slug}/ideas/{idea.id}/status",
        data={"status": "merged", "reason": "Same", "merged_into": target.id},
    )
    assert response.status_code == 302
    assert "The bigger idea" in client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text


def test_idea_page_has_the_comment_thread(client, barrel, make, login):
    idea = make.idea(barrel.ws, title="Discussed idea")
    make.comment(idea, author=barrel.other_member, body="<p>I like this a lot</p>")
    make.comment(idea, author=barrel.other_member, body="<p>Hidden remark</p>", hidden_at=utcnow())
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas/{idea.id}").text
    assert "I like this a lot" in html and f'id="discussion-idea-{idea.id}"' in html
    assert "Hidden remark" not in html
    assert "1 comment" in client.get(f"/w/{barrel.ws.slug}/ideas").text
