"""Quote routes for every role, bad input (422, nothing saved), and the "Pick as quote" links."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import MemberRole, Quote, Role
from ideaspace.quotes import service


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Quote))


def new_url(s, kind="comment", obj=None) -> str:
    obj = obj or getattr(s, kind)
    return f"/w/{s.workspace.slug}/quotes/new?source={kind}&id={obj.id}"


def form(s, kind="comment", obj=None, **kw) -> dict:
    obj = obj or getattr(s, kind)
    data = {
        "source": kind,
        "id": obj.id,
        "theme_id": s.theme.id,
        "excerpt": "",
        "attribution": "role",
        "language": "fi",
    }
    data.update(kw)
    return data


@pytest.fixture
def quote(setup, session):
    source = service.get_source(setup.workspace, "comment", setup.comment.id)
    q = service.pick(
        setup.moderator,
        setup.workspace,
        source,
        theme_id=setup.theme.id,
        excerpt=None,
        attribution="role",
        language="fi",
    )
    session.commit()  # a refused request rolls back: keep it for the requests that follow
    return q


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


@pytest.mark.parametrize(
    ("who", "expected"),
    [("participant", 403), ("observer", 403), ("other_moderator", 403), ("moderator", 200), ("admin", 200)],
)
def test_routes_by_role(client, login, make, setup, quote, session, who, expected):
    s = setup
    login(_user(make, s, who))
    slug = s.workspace.slug
    assert client.get(new_url(s)).status_code == expected
    assert client.get(f"/w/{slug}/quotes/{quote.id}/edit").status_code == expected
    before = count(session)
    response = client.post(f"/w/{slug}/quotes/new", data=form(s, "note"))
    assert response.status_code == (302 if expected == 200 else 403)
    assert count(session) == before + (1 if expected == 200 else 0)
    assert client.post(f"/w/{slug}/quotes/{quote.id}/move", data={"direction": "down"}).status_code == (
        302 if expected == 200 else 403
    )
    assert client.post(f"/w/{slug}/quotes/{quote.id}/remove").status_code == (302 if expected == 200 else 403)
    assert (session.get(Quote, quote.id) is None) == (expected == 200)


def test_anonymous_is_sent_to_sign_in(client, setup, quote):
    for response in (
        client.get(new_url(setup)),
        client.post(f"/w/{setup.workspace.slug}/quotes/{quote.id}/remove"),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pick_form_shows_the_source_and_picks(client, login, setup, session):
    s = setup
    login(s.moderator)
    html = client.get(new_url(s, "idea")).get_data(as_text=True)
    assert "Kokeilukulttuuri vaatii aikaa." in html
    assert f'<option selected value="{s.other_theme.id}">' in html  # the idea's own theme
    assert "Not available: the author has not agreed." in html
    response = client.post(f"/w/{s.workspace.slug}/quotes/new", data=form(s, "idea", excerpt="vaatii aikaa"))
    assert response.status_code == 302 and "/programme#quote-" in response.headers["Location"]
    quote = session.scalar(select(Quote))
    assert quote.idea_id == s.idea.id and quote.excerpt == "vaatii aikaa"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"excerpt": "Huono perehdytys"}, "word for word"),
        ({"attribution": "name"}, "not agreed"),
        ({"attribution": "whatever"}, "field__error"),
        ({"language": "de"}, "field__error"),
        ({"theme_id": "abc"}, "field__error"),
    ],
)
def test_bad_input_is_422_and_saves_nothing(client, login, setup, session, changes, message):
    s = setup
    login(s.moderator)
    response = client.post(f"/w/{s.workspace.slug}/quotes/new", data=form(s, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(session) == 0


def test_anonymous_source_cannot_be_named_nor_unit_shown(client, login, setup, session):
    s = setup
    login(s.moderator)
    for attribution in ("name", "role_and_unit"):
        response = client.post(
            f"/w/{s.workspace.slug}/quotes/new",
            data=form(s, obj=s.anonymous_comment, attribution=attribution),
        )
        assert response.status_code == 422
    assert count(session) == 0


def test_foreign_ids_are_404(client, login, make, setup):
    s = setup
    login(s.moderator)
    other = make.workspace()
    foreign_comment = make.comment(make.theme(other), None)
    assert client.get(new_url(s, obj=foreign_comment)).status_code == 404
    assert (
        client.post(f"/w/{s.workspace.slug}/quotes/new", data=form(s, obj=foreign_comment)).status_code == 404
    )
    assert client.get(f"/w/{s.workspace.slug}/quotes/new?source=comment&id=x").status_code == 404
    assert client.get(f"/w/{s.workspace.slug}/quotes/new?source=answer&id={s.comment.id}").status_code == 404
    foreign_quote = Quote(workspace_id=other.id, theme_id=make.theme(other).id, excerpt="x")
    make.session.add(foreign_quote)
    make.session.flush()
    assert client.get(f"/w/{s.workspace.slug}/quotes/{foreign_quote.id}/edit").status_code == 404
    assert client.post(f"/w/{s.workspace.slug}/quotes/{foreign_quote.id}/remove").status_code == 404


def test_edit_a_quote(client, login, setup, quote, session):
    s = setup
    login(s.moderator)
    path = f"/w/{s.workspace.slug}/quotes/{quote.id}/edit"
    bad = client.post(path, data={"excerpt": "Vastuu ei ole", "attribution": "role", "language": "fi"})
    assert bad.status_code == 422
    good = client.post(
        path, data={"excerpt": "Vastuu on kaikilla.", "attribution": "role_and_unit", "language": "fi"}
    )
    assert good.status_code == 302
    session.expire_all()
    quote = session.get(Quote, quote.id)
    assert quote.excerpt == "Vastuu on kaikilla." and quote.attributed_unit == "Varhaiskasvatus"


def test_the_programme_page_lists_the_quotes(client, login, setup, quote):
    login(setup.moderator)
    html = client.get(f"/w/{setup.workspace.slug}/programme").get_data(as_text=True)
    assert f'id="quote-{quote.id}"' in html and "Hyvä perehdytys" in html


def test_pick_links_are_shown_to_moderators_only(client, login, setup, make):
    s = setup
    theme_page = f"/w/{s.workspace.slug}/themes/{s.theme.id}"
    idea_page = f"/w/{s.workspace.slug}/ideas/{s.idea.id}"
    login(s.moderator)
    html = client.get(theme_page).get_data(as_text=True)
    assert f"source=comment&amp;id={s.comment.id}" in html
    assert f"source=note&amp;id={s.note.id}" in html
    idea_html = client.get(idea_page)
    assert idea_html.status_code == 200
    assert f"source=idea&amp;id={s.idea.id}" in idea_html.get_data(as_text=True)
    login(s.author)
    html = client.get(theme_page).get_data(as_text=True)
    assert "Pick as quote" not in html and "quotes/new" not in html
    assert "quotes/new" not in client.get(idea_page).get_data(as_text=True)
