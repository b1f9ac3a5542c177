"""The toolbar's preview (POST /preview/markdown): typed Markdown rendered and sanitized as saving
would, for anyone signed in; CSRF-protected; bombs get their message; nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.extensions import db
from ideaspace.markdown import MAX_NESTING, render
from ideaspace.models import Comment, Role

URL = "/preview/markdown"
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.OBSERVER, Role.MODERATOR, Role.ADMIN])
def test_everyone_signed_in_sees_the_text_as_saving_would_render_it(client, login, make, role):
    login(make.user(role))
    source = "Hei **kaikki**\n\n- yksi\n- [linkki](https://kokkola.fi)"
    response = client.post(URL, data={"text": source}, headers=HX)
    assert response.status_code == 200
    assert f'<div class="prose md-preview__text" hx-disable>{render(source)}</div>' in response.text


def test_nobody_signed_in_is_sent_to_sign_in(client):
    response = client.post(URL, data={"text": "**x**"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_without_the_csrf_token_it_is_refused(client, login, make):
    login(make.user())
    client.csrf = False
    assert client.post(URL, data={"text": "**x**"}, headers=HX).status_code == 400


@pytest.mark.parametrize(
    "payload",
    [
        '<script>alert("x")</script>',
        "[klikkaa](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        '<div hx-get="/admin" hx-trigger="load">x</div>',
    ],
)
def test_hostile_text_is_shown_as_text(client, login, make, payload):
    login(make.user())
    html = client.post(URL, data={"text": payload}, headers=HX).text
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "<div hx-get" not in html and "hx-disable" in html


def test_a_bomb_gets_its_message_and_nothing_is_stored(client, login, make):
    login(make.user())
    before = db.session.scalar(select(func.count()).select_from(Comment))
    response = client.post(URL, data={"text": "> " * (MAX_NESTING + 5) + "syvä"}, headers=HX)
    assert response.status_code == 422 and str(MAX_NESTING) in response.text
    assert "field__error" in response.text
    assert db.session.scalar(select(func.count()).select_from(Comment)) == before


def test_an_empty_text_says_so(client, login, make):
    login(make.user())
    for data in ({"text": "   "}, {}):
        response = client.post(URL, data=data, headers=HX)
        assert response.status_code == 200 and "Nothing to preview yet." in response.text


def test_every_page_with_a_markdown_field_offers_the_preview_to_the_signed_in(client, login, make):
    ws = make.workspace()
    user = make.user()
    make.member(ws, user)
    theme = make.theme(ws)
    db.session.commit()
    assert "data-preview-url" not in client.get("/accessibility").text  # nobody signed in
    login(user)
    page = client.get(f"/w/{ws.slug}/themes/{theme.id}").text
    assert f'data-preview-url="{URL}"' in page and "data-preview>" in page
