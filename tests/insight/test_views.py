"""The clusters routes for every role, bad input (400, nothing saved), and the links to them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaspace.insight import service
from ideaspace.insight.models import ClusterCache, ClusterMove, ClusterName, ThemeHeard
from ideaspace.models import MemberRole, Role


def _user(make, s, who):
    if who == "participant":
        return s.author
    if who == "observer":
        return make.user(role=Role.OBSERVER)
    if who == "other_moderator":
        user = make.user(role=Role.MODERATOR)
        make.member(make.workspace(), user, MemberRole.MODERATOR)
        return user
    if who == "moderator":
        return s.moderator
    return make.user(role=Role.ADMIN)


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def _clusters(s):
    return service.clusters(service.theme_scope(s.workspace, s.theme.id))


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("participant", False),
        ("observer", False),
        ("other_moderator", False),
        ("moderator", True),
        ("admin", True),
    ],
)
def test_routes_by_role(client, login, make, setup, session, who, allowed):
    s = setup
    slug = s.workspace.slug
    views = _clusters(s)
    session.commit()
    login(_user(make, s, who))
    for url in (
        f"/w/{slug}/clusters",
        f"/w/{slug}/themes/{s.theme.id}/clusters",
        f"/w/{slug}/activities/{s.wall.id}/clusters",
    ):
        assert client.get(url).status_code == (200 if allowed else 403), url
    scope = f"theme:{s.theme.id}"
    posts = [
        ("rename", {"scope": scope, "cluster": views[0].anchor, "name": "Perehdytys"}),
        ("move", {"scope": scope, "item": views[0].rest[0].key, "to": views[1].anchor}),
        ("heard", {"scope": scope, "cluster": views[0].anchor, "summary": "Kuulimme"}),
    ]
    for action, data in posts:
        response = client.post(f"/w/{slug}/clusters/{action}", data=data)
        assert response.status_code == (302 if allowed else 403), action
    assert client.post(f"/w/{slug}/themes/{s.theme.id}/heard/remove").status_code == (302 if allowed else 403)
    assert _count(session, ClusterName) == _count(session, ClusterMove) == (1 if allowed else 0)
    assert _count(session, ThemeHeard) == 0  # sent, then removed


def test_signed_out_is_sent_to_sign_in(client, setup):
    response = client.get(f"/w/{setup.workspace.slug}/themes/{setup.theme.id}/clusters")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_shows_clusters_quotes_links_and_forms(client, login, setup):
    s = setup
    login(s.moderator)
    html = client.get(f"/w/{s.workspace.slug}/themes/{s.theme.id}/clusters").get_data(as_text=True)
    assert html.count('class="cluster card"') == 3
    assert "perehdytys" in html and "<details" in html
    assert f"/w/{s.workspace.slug}/quotes/new?source=" in html  # pick as quote, through the quotes service
    note = s.items["orientation"][0][1]
    assert f"/w/{s.workspace.slug}/activities/{s.wall.id}/notes#note-{note.id}" in html
    assert "Maija" not in html  # no author shown
    assert "piilotettu" not in html  # nor anything hidden


def test_the_theme_page_links_to_its_clusters_for_moderators_only(client, login, setup):
    s = setup
    url = f"/w/{s.workspace.slug}/themes/{s.theme.id}"
    login(s.moderator)
    assert f"{url}/clusters" in client.get(url).get_data(as_text=True)
    login(s.author)
    assert f"{url}/clusters" not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("rename", {"name": ""}, "Give the cluster a name"),
        ("rename", {"name": "x" * 121}, "at most 120"),
        ("rename", {"name": "Nimi", "cluster": "note:999999"}, "not among these clusters"),
        ("move", {"to": "other"}, "not among these clusters"),
        ("move", {"item": "foreign"}, "not among these clusters"),
        ("move", {"item": "note:abc"}, "not among these clusters"),
        ("heard", {"summary": ""}, "own words"),
        ("heard", {"summary": "x" * 5001}, "at most"),
    ],
)
def test_bad_input_is_400_and_saves_nothing(client, login, setup, session, action, data, message):
    s = setup
    views = _clusters(s)
    other = service.clusters(service.theme_scope(s.workspace, s.other_theme.id))
    session.commit()
    login(s.moderator)
    form = {"scope": f"theme:{s.theme.id}", "cluster": views[0].anchor, "item": views[0].items[0].key}
    form["to"] = views[1].anchor
    form.update(data)
    if form.get("to") == "other":
        form["to"] = other[0].anchor  # a cluster of another theme
    if form.get("item") == "foreign":
        form["item"] = f"note:{s.foreign_note.id}"  # another workspace's note
    response = client.post(f"/w/{s.workspace.slug}/clusters/{action}", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(session, ClusterName) == _count(session, ClusterMove) == _count(session, ThemeHeard) == 0


@pytest.mark.parametrize("scope", ["", "theme", "theme:abc", "galaxy:1", "theme:0"])
def test_a_malformed_scope_is_a_bad_request(client, login, setup, scope):
    login(setup.moderator)
    response = client.post(f"/w/{setup.workspace.slug}/clusters/rename", data={"scope": scope, "name": "x"})
    assert response.status_code == 400


def test_another_workspaces_theme_is_not_found(client, login, setup, make):
    login(setup.moderator)
    foreign = make.theme(make.workspace())
    slug = setup.workspace.slug
    assert client.get(f"/w/{slug}/themes/{foreign.id}/clusters").status_code == 404
    response = client.post(f"/w/{slug}/clusters/rename", data={"scope": f"theme:{foreign.id}", "name": "x"})
    assert response.status_code == 404


def test_heard_shows_in_the_preview_and_the_markdown_export(client, login, setup, session):
    s = setup
    views = _clusters(s)
    session.commit()
    login(s.moderator)
    data = {"scope": f"theme:{s.theme.id}", "cluster": views[0].anchor, "summary": "Kuulimme *paljon*."}
    response = client.post(f"/w/{s.workspace.slug}/clusters/heard", data=data)
    assert response.status_code == 302 and "/programme#heard-" in response.headers["Location"]
    preview = client.get(f"/w/{s.workspace.slug}/programme/preview").get_data(as_text=True)
    assert "<em>paljon</em>" in preview and "What we heard" in preview
    curation = client.get(f"/w/{s.workspace.slug}/programme").get_data(as_text=True)
    assert "<em>paljon</em>" in curation and f"/themes/{s.theme.id}/heard/remove" in curation
    markdown = client.get(f"/w/{s.workspace.slug}/export.md?lang=fi")
    assert markdown.status_code == 200, markdown.status_code
    text = markdown.get_data(as_text=True)
    assert "*paljon*" in text and "http" in text


def test_the_page_takes_the_same_queries_for_more_items(client, login, setup, make, session, count_queries):
    """No query per item or per cluster: 15 items and 75 items, cold (computed) and cached."""
    s = setup
    url = f"/w/{s.workspace.slug}/themes/{s.theme.id}/clusters"
    login(s.moderator)
    client.get(url)  # the sign-in's own first-request work out of the way

    def counted() -> tuple[int, int]:
        with count_queries() as cold:
            assert client.get(url).status_code == 200
        with count_queries() as cached:
            assert client.get(url).status_code == 200
        return len(cold), len(cached)

    session.execute(sa.delete(ClusterCache))
    session.commit()
    small = counted()
    for n in range(60):
        make.note(s.wall, s.author, text=f"Vuorolistat ja yövuorot {n}")
    session.commit()
    assert counted() == small


@pytest.mark.parametrize(("action", "field", "limit"), [("rename", "name", 120), ("heard", "summary", 5000)])
def test_a_long_paste_is_kept_with_a_counter_not_cut(client, login, setup, session, action, field, limit):
    """No maxlength that would cut a pasted text without a word: a counter shows the limit, and the
    server's error keeps what was written."""
    s = setup
    views = _clusters(s)
    session.commit()
    login(s.moderator)
    page = client.get(f"/w/{s.workspace.slug}/themes/{s.theme.id}/clusters").get_data(as_text=True)
    assert "maxlength" not in page
    assert f'id="{field}-' in page and f'data-max="{limit}"' in page
    too_long = "pasted " + "y" * limit
    form = {"scope": f"theme:{s.theme.id}", "cluster": views[0].anchor, field: too_long}
    response = client.post(f"/w/{s.workspace.slug}/clusters/{action}", data=form)
    assert response.status_code == 400
    assert too_long in response.get_data(as_text=True)
