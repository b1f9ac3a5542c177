import re

import pytest
from flask import g

from ideaspace import create_app
from ideaspace.auth import sessions
from ideaspace.config import Settings
from ideaspace.extensions import db, limiter
from ideaspace.models import Role, User, utcnow

from ..factories import PASSWORD

ERROR = "The email or password is not correct."


def post_login(client, email, password=PASSWORD, next_=None):
    data = {"email": email, "password": password}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login", data=data)


def error_summary(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return match.group(0) if match else ""


def signed_in_user_id(client):
    with client.session_transaction() as sess:
        return sess.get("_user_id")


# --- signing in ---------------------------------------------------------------------------


def test_sign_in_with_email_and_password_redirects_to_the_workspaces(client, make):
    user = make.user(email="anna@example.fi")
    response = post_login(client, "anna@example.fi")
    assert response.status_code == 302
    assert response.location == "/"
    assert signed_in_user_id(client) == user.get_id()
    assert client.get("/").status_code == 200


def test_sign_in_ignores_the_case_of_the_email(client, make):
    user = make.user(email="Anna.Aho@example.fi")
    assert post_login(client, "ANNA.aho@EXAMPLE.fi").status_code == 302
    assert signed_in_user_id(client) == user.get_id()


def test_sign_in_starts_a_new_session(client, make):
    make.user(email="anna@example.fi")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker before sign-in"
    assert post_login(client, "anna@example.fi").status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert "_user_id" in sess


def test_sign_in_keeps_the_language_chosen_before_when_the_user_has_none(client, make, session):
    user = make.user(email="anna@example.fi")
    client.post("/language", data={"language": "sv", "next": "/login"})
    assert post_login(client, "anna@example.fi").status_code == 302
    session.refresh(user)
    assert user.locale == "sv"


@pytest.mark.parametrize(
    "case",
    ["wrong password", "unknown email", "inactive", "erased"],
)
def test_failed_sign_in_gives_one_clear_error_that_reveals_nothing(client, make, session, case):
    make.user(email="known@example.fi")
    make.user(email="inactive@example.fi", is_active_account=False)
    make.user(email="erased@example.fi", erased_at=utcnow())
    session.commit()  # a failed request rolls back; keep the people for the second attempt
    email, password = {
        "wrong password": ("known@example.fi", "not the password"),
        "unknown email": ("unknown@example.fi", PASSWORD),
        "inactive": ("inactive@example.fi", PASSWORD),
        "erased": ("erased@example.fi", PASSWORD),
    }[case]
    response = post_login(client, email, password)
    assert response.status_code == 422
    summary = error_summary(response.text)
    assert summary.count(ERROR) == 1
    # Exactly the same summary for each case, so nobody learns whether an address exists.
    assert summary == error_summary(post_login(client, "known@example.fi", "other wrong one").text)
    assert signed_in_user_id(client) is None
    assert PASSWORD not in response.text


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "", "password": ""},
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "a" * 250 + "@example.fi", "password": PASSWORD},
        {"email": "anna@example.fi", "password": "x" * 201},
    ],
)
def test_sign_in_form_with_bad_input_gives_422(client, make, data):
    make.user(email="anna@example.fi")
    response = client.post("/login", data=data)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.text
    assert signed_in_user_id(client) is None


def test_sign_in_without_csrf_token_is_refused(client, make):
    make.user(email="anna@example.fi")
    client.csrf = False
    response = post_login(client, "anna@example.fi")
    assert response.status_code == 400
    assert signed_in_user_id(client) is None


def test_login_page_has_labelled_fields_with_autocomplete(client):
    html = client.get("/login?next=/admin/users").text
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert '<label class="field__label" for="email">' in html
    assert 'name="next" type="hidden" value="/admin/users"' in html


def test_signed_in_user_visiting_login_is_sent_on(client, make, login):
    login(make.user())
    response = client.get("/login?next=/w/x/")
    assert response.status_code == 302 and response.location == "/w/x/"
    response = client.get("/login?next=//evil.com")
    assert response.status_code == 302 and response.location == "/"


# --- next: only local paths ---------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "http:evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
        "/\t/evil.com",
        "///evil.com",
        "evil.com",
    ],
)
def test_sign_in_never_redirects_off_site(client, make, target):
    make.user(email="anna@example.fi")
    response = post_login(client, "anna@example.fi", next_=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_sign_in_follows_a_local_next(client, make):
    make.user(email="anna@example.fi")
    response = post_login(client, "anna@example.fi", next_="/admin/units?x=1")
    assert response.location == "/admin/units?x=1"


# --- cookies -------------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax(client, make):
    make.user(email="anna@example.fi")
    cookie = session_cookie(post_login(client, "anna@example.fi"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    make.user(email="anna@example.fi")
    cookie = session_cookie(post_login(client, "anna@example.fi"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_setting_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECURE_COOKIES", "1")
    config = Settings.from_environ(str(tmp_path)).as_flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("SECURE_COOKIES", "0")
    assert Settings.from_environ(str(tmp_path)).as_flask_config()["SESSION_COOKIE_SECURE"] is False


# --- signing out ---------------------------------------------------------------------------


def test_sign_out_is_post_only_and_ends_the_session(client, make, login, session):
    login(make.user())
    session.commit()
    with client.session_transaction() as sess:
        sess["something"] = "kept in the session"
    assert client.get("/logout").status_code == 405
    assert signed_in_user_id(client) is not None
    response = client.post("/logout")
    assert response.status_code == 302 and response.location == "/login"
    with client.session_transaction() as sess:
        assert "_user_id" not in sess and "something" not in sess
    assert client.get("/").status_code == 302


def test_sign_out_without_csrf_token_is_refused(client, make, login, session):
    login(make.user())
    session.commit()
    client.csrf = False
    assert client.post("/logout").status_code == 400
    assert signed_in_user_id(client) is not None


def test_sign_out_when_signed_out_goes_to_sign_in(client):
    response = client.post("/logout")
    assert response.status_code == 302 and response.location.startswith("/login")


# --- sessions that end ---------------------------------------------------------------------


def test_ended_sessions_or_deactivation_end_an_existing_session(client, make, login, session):
    user = make.user()
    login(user)
    assert client.get("/").status_code == 200
    sessions.end_all(user)
    session.flush()
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")

    other = make.user()
    login(other)
    assert client.get("/").status_code == 200
    other.is_active_account = False
    session.flush()
    assert client.get("/").status_code == 302


# --- rate limit ----------------------------------------------------------------------------


def test_the_sixth_failed_sign_in_to_one_account_is_refused(app, tmp_path):
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path),
        }
    )
    try:
        client = limited.test_client()
        for _ in range(5):
            response = client.post("/login", data={"email": "nobody@example.fi", "password": "guess"})
            assert response.status_code == 422
        response = client.post(
            "/login",
            data={"email": "nobody@example.fi", "password": "guess"},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 429
        assert "Too many failed sign-in attempts" in response.text
        assert client.get("/login").status_code == 200  # reading the page is not limited
    finally:
        # The limiter is one object shared by every app in this process: switch it back off.
        limiter.enabled = False
        with limited.app_context():
            db.engine.dispose()


# --- language ------------------------------------------------------------------------------


def test_anonymous_language_choice_is_kept_in_the_session(client):
    del client.environ_base["HTTP_ACCEPT_LANGUAGE"]  # a browser that states no language
    assert '<html lang="fi">' in client.get("/login").text
    response = client.post("/language", data={"language": "sv", "next": "/login"})
    assert response.status_code == 302 and response.location == "/login"
    html = client.get("/login").text
    assert '<html lang="sv">' in html
    assert re.search(r'value="sv" lang="sv"\s+aria-current="true"', html)
    assert not re.search(r'value="fi" lang="fi"\s+aria-current', html)


def test_signed_in_language_choice_persists_across_a_new_session(app, client, make, login, session):
    user = make.user()
    login(user)
    client.post("/language", data={"language": "sv", "next": "/"})
    session.refresh(user)
    assert user.locale == "sv"

    fresh = app.test_client()  # a new browser: nothing in its session
    g.__dict__.clear()
    response = fresh.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        headers={"X-CSRFToken": fresh.csrf_token()},
    )
    assert response.status_code == 302
    g.__dict__.clear()
    html = fresh.get("/").text
    assert '<html lang="sv">' in html
    assert re.search(r'value="sv" lang="sv"\s+aria-current="true"', html)


def test_user_language_wins_over_the_browser(client, make, login):
    login(make.user(locale="en"))
    html = client.get("/", headers={"Accept-Language": "sv"}).text
    assert '<html lang="en">' in html


def test_language_switch_with_bad_input_changes_nothing(client, make, login, session):
    user = make.user(locale="fi")
    login(user)
    session.commit()
    assert client.post("/language", data={"language": "de", "next": "/"}).status_code == 400
    assert client.post("/language", data={}).status_code == 400
    session.refresh(user)
    assert user.locale == "fi"
    client.csrf = False
    assert client.post("/language", data={"language": "sv"}).status_code == 400
    session.refresh(user)
    assert user.locale == "fi"


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/language", data={"language": "en", "next": "//evil.com"})
    assert response.status_code == 302 and response.location == "/"


def test_language_choice_of_anonymous_visitor_is_not_stored_on_anyone(client, make, session):
    user = make.user()
    client.post("/language", data={"language": "en", "next": "/login"})
    assert session.get(User, user.id).locale is None
    assert user.role is Role.PARTICIPANT


# --- the auth routes for every role -------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "participant", "observer", "moderator", "admin"])
def test_auth_routes_for_every_role(client, make, login, session, role):
    if role != "anonymous":
        login(make.user(Role(role)))
    session.commit()
    response = client.get("/login")
    if role == "anonymous":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response.location == "/"
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.status_code == 302 and response.location == "/login"
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.location == ("/login?next=%2Flogout" if role == "anonymous" else "/login")
    assert signed_in_user_id(client) is None
