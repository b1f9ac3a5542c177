"""The account page's sessions: listed, this device marked, the others ended (POST, CSRF)."""

import pytest
from sqlalchemy import func, select

from ideaspace.auth import sessions
from ideaspace.models import Role, UserSession

from ..conftest import sign_in

ROLES = ["participant", "observer", "moderator", "admin"]


def count(session, user) -> int:
    return session.scalar(select(func.count()).where(UserSession.user_id == user.id))


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_their_sessions_and_ends_the_others(app, client, login, make, session, role):
    user = make.user(Role(role))
    other_person = make.user()
    sessions.start(other_person, "Someone else's browser")
    login(user)
    phone = app.test_client()
    sign_in(phone, user)
    sessions.start(user, "Firefox <b>on</b> a laptop")
    session.commit()
    html = client.get("/account").text
    assert "This device" in html and "Firefox &lt;b&gt;on&lt;/b&gt; a laptop" in html
    assert "Someone else" not in html
    assert html.count("End this session") == 2
    assert client.post("/account/sessions/end-others").status_code == 302
    assert count(session, user) == 1 and count(session, other_person) == 1
    assert phone.get("/account").status_code == 302  # ended: signed out there
    assert client.get("/account").status_code == 200


def test_one_other_session_ends_and_nobody_elses(app, client, login, make, session):
    user, stranger = make.user(), make.user()
    login(user)
    sessions.start(user, "laptop")
    theirs = sessions.start(stranger, "theirs")
    session.commit()
    rows = {row.user_agent: row.id for row in session.scalars(select(UserSession))}
    assert client.post(f"/account/sessions/{rows['theirs']}/end").status_code == 404
    assert client.post("/account/sessions/" + "0" * 64 + "/end").status_code == 404
    this = next(r for r in sessions.sessions_of(user) if r.user_agent == "pytest")
    assert client.post(f"/account/sessions/{this.id}/end").status_code == 404  # sign out instead
    assert client.post(f"/account/sessions/{rows['laptop']}/end").status_code == 302
    assert count(session, user) == 1
    assert sessions.load(theirs) is not None


def test_ending_sessions_needs_sign_in_and_csrf(client, login, make, session):
    assert client.post("/account/sessions/end-others").status_code == 302  # to sign-in
    user = make.user()
    login(user)
    sessions.start(user, "laptop")
    session.commit()
    client.csrf = False
    assert client.post("/account/sessions/end-others").status_code == 400
    assert count(session, user) == 2
