"""A form sent with a stale CSRF token comes back with what was typed, ready to send again."""

import html
import json
import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from ideaspace.extensions import db
from ideaspace.models import Comment

from ..discussion.world import READ, WRITE, build
from ..test_translations import compiled  # noqa: F401  (a fixture: the real catalogues)

ROLES = list(READ)
PAYLOAD = '<script>alert("x")</script></textarea><i hx-get="/admin" hx-trigger="load">'


@pytest.fixture
def world(make, session):
    built = build(make)
    session.commit()  # a refused request (4xx rolls back) keeps the world in place
    return built


def comments() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def stale_token(client, *, hours: float = 13) -> str:
    """A token of this browser session, signed `hours` ago (longer than SESSION_MAX_HOURS)."""
    with client.session_transaction() as sess:
        raw = sess.setdefault("csrf_token", "a" * 40)
    signer = URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token")
    real_time = time.time
    time.time = lambda: real_time() - hours * 3600  # itsdangerous stamps with time.time()
    try:
        return signer.dumps(raw)
    finally:
        time.time = real_time


def post_stale(client, url, data, *, token=None, headers=None):
    client.csrf = False
    data = {**data, "csrf_token": token or stale_token(client)}
    return client.post(url, data=data, headers=headers or {})


def resubmit_form(page: str) -> tuple[str, dict[str, list[str]]]:
    """The expired page's form: its action and the fields it would send."""
    form = re.search(r'<form id="resubmit" method="post" action="([^"]*)"[^>]*>(.*?)</form>', page, re.S)
    assert form, page
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)):
        fields.setdefault(html.unescape(name), []).append(html.unescape(value))
    for name, value in re.findall(
        r'<textarea [^>]*name="([^"]+)"[^>]*>\n(.*?)</textarea>', form.group(2), re.S
    ):
        fields.setdefault(html.unescape(name), []).append(html.unescape(value))
    return html.unescape(form.group(1)), fields


def comment_url(world) -> str:
    return f"/w/{world.ws.slug}/comments/theme/{world.theme.id}"


def test_an_expired_comment_comes_back_and_one_press_sends_it(world, client, login):
    login(world.member)
    before = comments()
    body = "Hyvä teema.\nToinen rivi " + PAYLOAD
    response = post_stale(client, comment_url(world), {"body": body, "next": "/somewhere"})
    assert response.status_code == 400 and comments() == before
    page = response.text
    assert "The form had expired" in page and "Send again" in page
    assert response.headers["Cache-Control"] == "no-store"
    # The text is shown escaped, in an editable field: nothing of it is markup.
    assert "<script>" not in page and "<i hx-get" not in page and "&lt;/textarea&gt;" in page
    assert re.search(r"<div hx-disable>\s*<div class=\"field\">", page)
    action, fields = resubmit_form(page)
    assert action == comment_url(world)
    assert fields["body"] == [body] and fields["next"] == ["/somewhere"]
    assert "csrf_token" in fields and fields["csrf_token"][0] != stale_token(client)
    # Sending it again (the browser's own post: the form's fields only) saves the comment once.
    client.csrf = False
    sent = client.post(action, data={name: values[0] for name, values in fields.items()})
    assert sent.status_code == 302 and comments() == before + 1
    saved = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert saved.author_id == world.member.id and "Toinen rivi" in saved.body


def test_password_fields_are_never_echoed(world, client, login):
    login(world.admin)
    response = post_stale(
        client,
        f"/admin/users/{world.member.id}",
        {
            "name": "Maija Meikäläinen-Virta",
            "password": "secret-one 1",
            "new_password": "secret-two 2",
            "carried": json.dumps([["role", "admin"], ["password", "secret-three 3"]]),
        },
    )
    assert response.status_code == 400
    assert "secret-" not in response.text and "Maija Meikäläinen-Virta" in response.text
    _action, fields = resubmit_form(response.text)
    assert not any("password" in name for name in fields)
    assert json.loads(fields["carried"][0]) == [["role", "admin"]]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_page_and_the_resubmit_gets_the_route_s_answer(world, client, login, role):
    user = world.role(role)
    if user is not None:
        login(user)
    before = comments()
    response = post_stale(client, comment_url(world), {"body": "Hyvä teema", "next": "/x"})
    assert response.status_code == 400 and "The form had expired" in response.text
    assert ("You are no longer signed in" in response.text) == (user is None)
    action, fields = resubmit_form(response.text)
    assert fields["body"] == ["Hyvä teema"]
    client.csrf = False
    sent = client.post(action, data={name: values[0] for name, values in fields.items()})
    # The fresh token passes; what follows is the route's own rule for this role.
    assert sent.status_code == WRITE[role]
    assert comments() == before + (1 if WRITE[role] == 302 and user is not None else 0)


def test_a_missing_token_is_a_plain_refusal_with_nothing_echoed(world, client, login):
    login(world.member)
    before = comments()
    client.csrf = False
    response = client.post(comment_url(world), data={"body": "Ilman tunnistetta " + PAYLOAD})
    assert response.status_code == 400 and comments() == before
    assert "The form had expired" not in response.text and "Ilman tunnistetta" not in response.text


def test_a_bad_token_also_brings_the_text_back(world, client, login):
    """A token that is not ours any more (a new secret key, a tampered page): the same page."""
    login(world.member)
    response = post_stale(client, comment_url(world), {"body": "Uusi yritys"}, token="not-a-token")
    assert response.status_code == 400 and "The form had expired" in response.text
    assert resubmit_form(response.text)[1]["body"] == ["Uusi yritys"]


def test_a_token_of_another_browser_session_brings_the_text_back(world, client, login):
    """Signed in again in another tab: the session's token changed, the form's did not."""
    login(world.member)
    token = stale_token(client, hours=0)
    with client.session_transaction() as sess:
        sess["csrf_token"] = "b" * 40
    response = post_stale(client, comment_url(world), {"body": "Toisessa välilehdessä"}, token=token)
    assert response.status_code == 400 and "Toisessa välilehdessä" in response.text


def test_a_post_from_another_site_is_refused_without_echo(world, client, login):
    login(world.member)
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        response = post_stale(client, comment_url(world), {"body": "Väärennetty"}, headers=headers)
        assert response.status_code == 400 and "Väärennetty" not in response.text
        assert "The form had expired" not in response.text


def test_a_post_from_our_own_page_says_so_and_is_answered(world, client, login):
    login(world.member)
    for headers in (
        {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "https://localhost"},
    ):
        response = post_stale(client, comment_url(world), {"body": "Omalta sivulta"}, headers=headers)
        assert response.status_code == 400 and "Omalta sivulta" in response.text


def test_htmx_gets_a_notice_for_the_live_region_and_a_new_token(world, client, login):
    login(world.member)
    before = comments()
    response = post_stale(
        client, comment_url(world), {"body": "Hyvä teema " + PAYLOAD}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422 and comments() == before
    assert response.headers["HX-Retarget"] == "#flash" and response.headers["HX-Reswap"] == "innerHTML"
    assert 'id="form-expired"' in response.text and "still in the form" in response.text
    assert "Hyvä teema" not in response.text  # the text stays where it was typed
    token = json.loads(response.headers["HX-Trigger"])["ideaspace:csrf-token"]
    client.csrf = False
    sent = client.post(
        comment_url(world), data={"body": "Hyvä teema"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert sent.status_code == 200 and comments() == before + 1


@pytest.mark.parametrize(
    ("language", "title"),
    [("fi", "Lomake oli vanhentunut"), ("sv", "Formuläret hade gått ut"), ("en", "The form had expired")],
)
def test_the_page_is_translated(request, world, client, login, language, title):
    login(world.member)
    request.getfixturevalue("compiled")  # the real catalogues, inside the test's app context
    response = post_stale(
        client, comment_url(world), {"body": "Teksti"}, headers={"Accept-Language": language}
    )
    assert f'<html lang="{language}">' in response.text and title in response.text
