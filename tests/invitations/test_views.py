import pytest
from flask import g
from sqlalchemy import func, select

from ideaspace import create_app
from ideaspace.auth import load_user
from ideaspace.extensions import db, limiter
from ideaspace.invitations import service as invitations
from ideaspace.invitations import tokens
from ideaspace.models import MemberRole, Membership, Role, SigninToken
from ideaspace.outbox import drain
from tests.conftest import CsrfClient

from .conftest import link_path


@pytest.fixture
def world(make, session):
    ws = make.workspace(title={"fi": "Henkilöstöohjelma", "sv": "Personalprogram"})
    other_ws = make.workspace()
    moderator = make.user(Role.MODERATOR, name="Helena HR")
    make.member(ws, moderator, MemberRole.MODERATOR)
    other_moderator = make.user(Role.MODERATOR)
    make.member(other_ws, other_moderator, MemberRole.MODERATOR)
    member = make.user()
    make.member(ws, member)
    people = {
        "nonmember": make.user(),
        "member": member,
        "observer": make.user(Role.OBSERVER),
        "other_moderator": other_moderator,
        "moderator": moderator,
        "admin": make.user(Role.ADMIN),
    }
    session.commit()  # a refused request rolls back; keep the world for the requests that follow
    return ws, people


def as_user(login, user):
    g.pop("_login_user", None)  # the test's app context outlives requests: forget the cached user
    g.pop("_memberships", None)
    return login(user)


def signed_in_id(client):
    """The id of the person whose session the client's cookie opens ("" when none)."""
    with client.session_transaction() as sess:
        token = sess.get("_user_id")
    g.pop("_login_user", None)
    user = load_user(token) if token else None
    return str(user.id) if user is not None else ""


def memberships(session, ws) -> int:
    return session.scalar(
        select(func.count()).select_from(Membership).where(Membership.workspace_id == ws.id)
    )


def pages(slug):
    return [
        ("get", f"/w/{slug}/invitations"),
        ("post", f"/w/{slug}/invitations"),
        ("get", f"/w/{slug}/invitations/reminders/not_visited"),
        ("post", f"/w/{slug}/invitations/reminders/not_visited"),
    ]


def test_anonymous_is_sent_to_sign_in(client, world):
    ws, _ = world
    for method, path in pages(ws.slug):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


@pytest.mark.parametrize("role", ["nonmember", "member", "observer", "other_moderator"])
def test_others_may_not_invite(client, login, session, smtp, world, role):
    ws, people = world
    as_user(login, people[role])
    before = memberships(session, ws)
    for method, path in pages(ws.slug):
        data = {"emails": people["nonmember"].email} if method == "post" else None
        assert getattr(client, method)(path, data=data).status_code == 403, path
    assert memberships(session, ws) == before and smtp.messages == []


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_see_the_page(client, login, world, role):
    ws, people = world
    as_user(login, people[role])
    response = client.get(f"/w/{ws.slug}/invitations")
    assert response.status_code == 200
    assert people["member"].name in response.text  # the invited list
    assert f"/w/{ws.slug}/invitations/reminders/not_visited" in response.text
    assert client.get("/w/no-such-workspace/invitations").status_code == 404
    assert client.get(f"/w/{ws.slug}/invitations/reminders/everyone").status_code == 404
    assert client.post(f"/w/{ws.slug}/invitations/reminders/everyone").status_code == 404


def test_invite_by_unit_and_email_then_sign_in_by_link(client, login, make, session, smtp, world):
    ws, people = world
    unit = make.unit("Sivistyspalvelut")
    child = make.unit("Varhaiskasvatus", parent=unit)
    a, b = make.user(unit=unit, locale="sv"), make.user(unit=child)
    session.commit()
    as_user(login, people["moderator"])
    response = client.post(
        f"/w/{ws.slug}/invitations",
        data={
            "units": [str(unit.id)],
            "include_subunits": "y",
            "emails": people["nonmember"].email,
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "3 people were invited." in page.text and "3 messages are waiting to be sent." in page.text
    drain()
    assert smtp.recipients == sorted([a.email, b.email, people["nonmember"].email])

    # The same again: nobody is invited twice, and the page says so.
    again = client.post(
        f"/w/{ws.slug}/invitations",
        data={"units": [str(unit.id)], "include_subunits": "y"},
        follow_redirects=True,
    )
    drain()
    assert "were invited already" in again.text and len(smtp.messages) == 3

    # b follows the link: GET shows a button and does not use the link up.
    path = link_path(smtp.to(b.email))
    client.post("/logout")
    g.pop("_login_user", None)
    landing = client.get(path)
    assert landing.status_code == 200 and "Continue" in landing.text
    assert landing.headers["Referrer-Policy"] == "no-referrer"
    assert landing.headers["Cache-Control"] == "no-store"
    raw = path.rsplit("/", 1)[1]
    assert raw not in landing.text  # the token is in no link, form action or field of the page
    assert client.get(path).status_code == 200
    signed = client.post(path)
    assert signed.status_code == 302 and signed.headers["Location"].endswith(f"/w/{ws.slug}/")
    assert signed.headers["Referrer-Policy"] == "no-referrer"
    assert signed_in_id(client) == str(b.id)
    g.pop("_login_user", None)
    assert client.get(f"/w/{ws.slug}/").status_code == 200
    used = client.post(path)
    assert used.status_code == 410 and "already been used" in used.text
    assert used.headers["Referrer-Policy"] == "no-referrer"
    assert client.get(path).status_code == 410


def test_one_persons_link_never_signs_in_another(client, login, make, session, world):
    ws, people = world
    alice, bob = make.user(), make.user()
    raw_alice, _ = tokens.issue_token(alice, ws)
    raw_bob, _ = tokens.issue_token(bob, ws)
    session.commit()
    as_user(login, bob)  # Bob is signed in on this browser and opens Alice's link
    landing = client.get(f"/signin/{raw_alice}")
    assert "Continuing signs you out" in landing.text
    assert client.post(f"/signin/{raw_alice}").status_code == 302
    assert signed_in_id(client) == str(alice.id)
    bob_token = session.scalar(
        select(SigninToken).where(SigninToken.token_hash == tokens.hash_token(raw_bob))
    )
    assert bob_token.used_at is None


def test_expired_and_unknown_links(client, make, session, world):
    ws, _ = world
    user = make.user()
    from datetime import timedelta

    from ideaspace.models import utcnow

    raw, _ = tokens.issue_token(user, ws, now=utcnow() - timedelta(hours=100))
    session.commit()
    for response in (client.get(f"/signin/{raw}"), client.post(f"/signin/{raw}")):
        assert response.status_code == 410 and "expired" in response.text
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "/login" in response.text
    assert client.post(f"/signin/{'x' * 43}").status_code == 404
    assert client.get("/signin/short").status_code == 404
    assert signed_in_id(client) == ""


def test_sign_in_post_needs_csrf(client, make, session, world):
    ws, _ = world
    raw, _ = tokens.issue_token(make.user(), ws)
    session.commit()
    client.csrf = False
    assert client.post(f"/signin/{raw}").status_code == 400
    assert tokens.find_token(raw)[0] == tokens.VALID


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one unit or write an email address."),
        ({"emails": "not-an-address, x@"}, "Not a valid email address."),
        ({"emails": "stranger@nowhere.fi"}, "Nobody in IdeaSpace has this address."),
        ({"units": ["999999"]}, "not a valid choice"),
    ],
)
def test_bad_invitations_are_refused(client, login, session, smtp, world, data, message):
    ws, people = world
    as_user(login, people["moderator"])
    before = memberships(session, ws)
    response = client.post(f"/w/{ws.slug}/invitations", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert memberships(session, ws) == before and smtp.messages == []


def test_an_empty_unit_is_refused(client, login, make, session, smtp, world):
    ws, people = world
    empty = make.unit("Tyhjä")
    session.commit()
    as_user(login, people["moderator"])
    response = client.post(f"/w/{ws.slug}/invitations", data={"units": [str(empty.id)]})
    assert response.status_code == 422 and "nobody in the chosen units" in response.text


def test_reminder_preview_and_send(client, login, make, session, smtp, world):
    ws, people = world
    sv = make.user(locale="sv")
    make.member(ws, sv)
    session.commit()
    as_user(login, people["moderator"])
    preview = client.get(f"/w/{ws.slug}/invitations/reminders/not_visited?language=sv")
    assert preview.status_code == 200
    assert "This reminder goes to 2 people." in preview.text
    assert "Personalprogram" in preview.text and "Send 2 reminders" in preview.text
    assert smtp.messages == []  # previewing sends nothing
    sent = client.post(f"/w/{ws.slug}/invitations/reminders/not_visited", follow_redirects=True)
    assert "2 reminders were sent." in sent.text
    drain()
    assert smtp.recipients == sorted([people["member"].email, sv.email])
    again = client.get(f"/w/{ws.slug}/invitations/reminders/not_visited")
    assert "Nobody needs this reminder now" in again.text and "Send" not in again.text.split("Nobody")[1]
    client.post(f"/w/{ws.slug}/invitations/reminders/not_visited")
    drain()
    assert len(smtp.messages) == 2


def test_undelivered_mail_is_shown_where_it_was_sent(client, login, make, session, smtp, world):
    ws, people = world
    bad, good = make.user(email="bounce.x@kokkola.fi"), make.user(email="ok.x@kokkola.fi")
    other = make.workspace()
    session.commit()
    as_user(login, people["moderator"])
    client.post(f"/w/{ws.slug}/invitations", data={"emails": f"{bad.email}, {good.email}"})
    invitations.invite(None, other, [make.user(email="bounce.y@kokkola.fi")])  # another workspace's
    session.commit()
    assert drain().failed == 2
    page = client.get(f"/w/{ws.slug}/invitations")
    assert "1 message could not be delivered" in page.text
    assert "bounce.x@kokkola.fi" in page.text and "550" in page.text
    assert "bounce.y@kokkola.fi" not in page.text and "ok.x@kokkola.fi" not in page.text.split("Invited")[0]
    assert smtp.recipients == ["ok.x@kokkola.fi"]


def test_cli_invite(app, make, session, smtp, world):
    ws, people = world
    unit = make.unit("Tekniset palvelut")
    person = make.user(unit=unit)
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "invite",
            ws.slug,
            "--unit",
            "tekniset palvelut",
            "--email",
            people["nonmember"].email,
            "--by",
            people["moderator"].email,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Invited 2; already invited 0." in result.output
    assert runner.invoke(args=["worker", "--once"]).output.startswith("Sent 2;")
    assert smtp.recipients == sorted([person.email, people["nonmember"].email])
    assert runner.invoke(args=["invite", ws.slug, "--unit", "Nowhere"]).exit_code != 0
    assert runner.invoke(args=["invite", "no-such", "--email", person.email]).exit_code != 0
    assert runner.invoke(args=["invite", ws.slug]).exit_code != 0


def test_signin_post_is_rate_limited(app):
    """20 failed link sign-ins a minute per address; the 21st is refused (successes do not count)."""
    config = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME", "MAIL_FILE_DIR")
    }
    limited = create_app(
        {**config, "TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    )
    limited.test_client_class = CsrfClient
    try:
        client = limited.test_client()
        codes = [client.post(f"/signin/{'y' * 43}").status_code for _ in range(21)]
        assert codes[:20] == [404] * 20
        assert codes[20] == 429
    finally:
        limiter.enabled = False  # the limiter is one object for every app in this process
        with limited.app_context():
            db.engine.dispose()
