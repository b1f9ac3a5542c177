"""Server-side sessions: a copied cookie dies with sign-out, lifetimes, last seen, sign-in links."""

from datetime import timedelta

from sqlalchemy import func, select

from ideaspace.auth import load_user, sessions
from ideaspace.models import Role, UserSession, utcnow

from ..factories import PASSWORD


def rows(session, user) -> int:
    return session.scalar(select(func.count()).where(UserSession.user_id == user.id))


def test_a_copy_of_the_cookie_taken_before_sign_out_opens_nothing(app, client, make, session):
    user = make.user(email="anna@example.fi")
    session.commit()
    assert client.post("/login", data={"email": "anna@example.fi", "password": PASSWORD}).status_code == 302
    assert rows(session, user) == 1
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    assert copy.get("/account").status_code == 200
    assert client.post("/logout").status_code == 302
    assert rows(session, user) == 0
    response = copy.get("/account")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_the_cookie_carries_only_a_random_token_and_the_database_only_its_hash(client, make, session):
    user = make.user(email="anna@example.fi")
    session.commit()
    client.post("/login", data={"email": "anna@example.fi", "password": PASSWORD})
    with client.session_transaction() as sess:
        token = sess["_user_id"]
    assert str(user.id) not in token.split("-") and len(token) >= 40
    row = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.id != token and row.sudo_at is not None  # a password sign-in is re-authentication
    assert row.user_agent == "Werkzeug/3.1.3" or row.user_agent.startswith("Werkzeug")


def test_idle_and_absolute_lifetimes_end_a_session(app, make, session):
    user = make.user()
    token = sessions.start(user, "x")
    row = user.current_session
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    assert load_user(token) is None
    row.last_seen_at = utcnow()
    row.created_at = utcnow() - timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)
    assert load_user(token) is None
    row.created_at = utcnow() - timedelta(hours=1)
    assert load_user(token) is user
    # Expired rows go when someone signs in.
    row.created_at = utcnow() - timedelta(days=2)
    session.flush()
    sessions.start(make.user(), "y")
    assert rows(session, user) == 0


def test_last_seen_is_written_at_most_once_a_minute(make, session):
    user = make.user()
    token = sessions.start(user, "x")
    row = user.current_session
    seen = row.last_seen_at
    load_user(token)
    assert row.last_seen_at == seen and row not in session.dirty
    row.last_seen_at = seen - timedelta(minutes=2)
    load_user(token)
    assert row.last_seen_at > seen - timedelta(minutes=1)


def test_the_user_agent_is_cleaned_and_cut(make):
    user = make.user()
    sessions.start(user, "Evil\u202e<script>" + "x" * 500)
    assert user.current_session.user_agent.startswith("Evil<script>")
    assert len(user.current_session.user_agent) == 200


def test_a_role_change_or_deactivation_by_an_admin_ends_every_session(app, client, make, session):
    from ..conftest import sign_in

    target = make.user(Role.PARTICIPANT, email="t@example.fi", name="T")
    admin = make.user(Role.ADMIN)
    victim = app.test_client()
    sign_in(victim, target)
    sign_in(client, admin, sudo=True)
    assert victim.get("/account").status_code == 200
    data = {"name": "T", "email": "t@example.fi", "role": "observer", "unit": "", "locale": "", "active": "y"}
    assert client.post(f"/admin/users/{target.id}", data=data).status_code == 302
    assert rows(session, target) == 0
    assert victim.get("/account").status_code == 302


def test_csrf_tokens_expire_with_the_longest_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == app.config["SESSION_MAX_HOURS"] * 3600


def test_people_are_equal_only_to_themselves_signed_in_or_not(make, session):
    """User equality is the row's, not the session token's (None for everyone not signed in)."""
    first, second = make.user(), make.user()
    assert first != second and first not in [second]
    sessions.start(first, "pytest")
    assert first != second and first == session.get(type(first), first.id)
