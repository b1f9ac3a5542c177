"""Self-service sign-in (issue #16, 1): a sign-in link by email, set/change/reset a password, password
sign-in off, the link pages in the recipient's language, and nothing revealed about who has an account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from ideaspace import outbox
from ideaspace.auth import links, sessions
from ideaspace.invitations import tokens
from ideaspace.models import OutboxMessage, Role, SigninToken, User, UserSession, utcnow
from ideaspace.settings import service as settings

from ..factories import PASSWORD
from ..invitations.conftest import Inbox, free_port, text_of

NEW = "a brand new passphrase"
ROLES = [Role.PARTICIPANT, Role.OBSERVER, Role.MODERATOR, Role.ADMIN]


def passwords_off(make):
    settings.put(make.user(role=Role.ADMIN), "password_sign_in", "off")
    g.__dict__.clear()


def queued(session, kind=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return session.scalars(query).all()


def sent_link(message) -> str:
    """Render the queued message as the worker would; the path of its link (or None: skipped)."""
    mail = outbox.KINDS[message.kind](message)
    if mail is None:
        return None
    match = re.search(r"https?://[^/\s]+(/\S+)", mail.text)
    return match.group(1)


def token_of(path: str) -> str:
    return path.rstrip("/").split("/")[-1]


def neutral(response):
    """What a link request answers: status, where it goes, and no trace of the address."""
    return response.status_code, response.location


# --- asking for a sign-in link -------------------------------------------------------------


def test_the_login_page_offers_a_link_and_a_reset(client):
    html = client.get("/login").text
    assert 'href="/login/link"' in html and 'href="/password/forgot"' in html
    assert 'name="password"' in html


def test_a_link_request_answers_the_same_for_every_address(client, make, session):
    active = make.user(email="anna@example.fi")
    make.user(email="inactive@example.fi", is_active_account=False)
    make.user(email="erased@example.fi", erased_at=utcnow())
    answers = set()
    for email in [
        "anna@example.fi",
        "ANNA@example.fi ",
        "nobody@example.fi",
        "inactive@example.fi",
        "erased@example.fi",
    ]:
        response = client.post("/login/link", data={"email": email})
        answers.add(neutral(response))
    assert answers == {(302, "/login/link/sent")}
    page = client.get("/login/link/sent")
    assert page.status_code == 200 and "If the address belongs to an account here" in page.text
    # The request did the same work for all: one message each, nothing looked up, no token yet.
    messages = queued(session, links.SIGNIN_LINK)
    assert len(messages) == 5 and all(m.user_id is None for m in messages)
    assert session.scalar(select(func.count()).select_from(SigninToken)) == 0
    # At send time only the active person gets a link.
    paths = [sent_link(m) for m in messages]
    assert paths[0] and paths[1] and paths[2:] == [None, None, None]
    assert session.scalar(select(func.count()).select_from(SigninToken)) == 2
    token = session.scalars(select(SigninToken)).first()
    assert token.user_id == active.id
    assert timedelta(minutes=19) < token.expires_at - token.created_at <= timedelta(minutes=20)


def test_no_working_link_is_stored_in_the_outbox(client, make, session):
    make.user(email="anna@example.fi")
    client.post("/login/link", data={"email": "anna@example.fi"})
    client.post("/password/forgot", data={"email": "anna@example.fi"})
    for message in queued(session):
        path = sent_link(message)
        raw = token_of(path)
        stored = session.execute(
            select(OutboxMessage.about, OutboxMessage.email, OutboxMessage.last_error)
        ).all()
        assert raw not in repr(stored)
        assert raw not in repr(session.execute(select(SigninToken.token_hash)).all())


def test_a_malformed_address_is_a_clear_form_error(client, session):
    for bad in ["", "not-an-address", "a@", "x" * 300 + "@example.fi"]:
        response = client.post("/login/link", data={"email": bad})
        assert response.status_code == 422
        assert 'class="field__error"' in response.text
    assert queued(session) == []


def test_a_sign_in_link_signs_in_once(client, make, session):
    user = make.user(email="anna@example.fi", password_hash=None)
    client.post("/login/link", data={"email": "anna@example.fi"})
    path = sent_link(queued(session)[0])
    assert path.startswith("/signin/")
    assert client.get(path).status_code == 200  # a mail scanner's look uses nothing up
    response = client.post(path)
    assert response.status_code == 302 and response.location == "/"
    assert (
        session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))
        == 1
    )
    again = client.post(path)
    assert again.status_code == 410 and "already been used" in again.text


def test_an_expired_link_offers_a_new_one_to_its_own_person(client, make, session):
    user = make.user(email="anna@example.fi", locale="sv")
    raw, token = tokens.issue_token(user, None, lifetime=timedelta(minutes=20))
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()  # kept like a real one (a refused request rolls back what is not committed)
    page = client.get(f"/signin/{raw}", headers={"Accept-Language": "fi"})
    assert page.status_code == 410 and '<html lang="sv">' in page.text
    assert f'action="/signin/{raw}/new"' in page.text and "Send me a new link" in page.text
    assert "password" not in page.text.lower()  # no dead end for people without one
    response = client.post(f"/signin/{raw}/new")
    assert response.status_code == 302 and response.location == f"/signin/{raw}/sent"
    sent = client.get(response.location)
    assert sent.status_code == 200 and '<html lang="sv">' in sent.text
    (message,) = queued(session, links.SIGNIN_LINK)
    assert message.user_id == user.id and message.email is None
    assert sent_link(message).startswith("/signin/")


def test_an_unknown_link_offers_the_request_form(client):
    page = client.get("/signin/" + "x" * 43)
    assert page.status_code == 404 and 'href="/login/link"' in page.text
    assert client.post("/signin/" + "x" * 43 + "/new").status_code == 404
    assert client.get("/signin/" + "x" * 43 + "/sent").status_code == 404


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_link_pages_speak_the_recipients_language(client, make, session, language):
    workspace = make.workspace(primary_language="fi")
    user = make.user(locale=language)
    raw, _ = tokens.issue_token(user, workspace)
    session.commit()  # kept like a real one (a refused request rolls back what is not committed)
    browser = {"Accept-Language": "fi" if language != "fi" else "sv"}
    assert f'<html lang="{language}">' in client.get(f"/signin/{raw}", headers=browser).text
    client.post(f"/signin/{raw}", headers=browser)
    used = client.post(f"/signin/{raw}", headers=browser)
    assert used.status_code == 410 and f'<html lang="{language}">' in used.text


def test_without_a_language_of_their_own_the_workspaces_is_used(client, make, session):
    workspace = make.workspace(primary_language="sv")
    user = make.user(locale=None)
    raw, _ = tokens.issue_token(user, workspace)
    session.commit()  # kept like a real one (a refused request rolls back what is not committed)
    assert '<html lang="sv">' in client.get(f"/signin/{raw}", headers={"Accept-Language": "fi"}).text
    client.post(f"/signin/{raw}", headers={"Accept-Language": "fi"})
    session.refresh(user)
    assert user.locale == "sv"  # what the link spoke stays theirs


def test_the_mail_is_in_the_recipients_language(app, client, make, session):
    make.user(email="sv@example.fi", locale="sv")
    client.post("/login/link", data={"email": "sv@example.fi"}, headers={"Accept-Language": "fi"})
    (message,) = queued(session)
    mail = outbox.KINDS[message.kind](message)
    assert mail.to == "sv@example.fi" and 'lang="sv"' in mail.html


def test_a_name_cannot_inject_headers(client, make, session):
    make.user(email="anna@example.fi", name="Anna\r\nBcc: evil@example.com")
    client.post("/login/link", data={"email": "anna@example.fi"})
    from ideaspace import mail as mail_module

    (message,) = queued(session)
    rendered = outbox.KINDS[message.kind](message)
    built = mail_module.build(rendered.to, rendered.subject, rendered.text, rendered.html, "fi")
    assert built["Bcc"] is None and "evil" not in str(built["To"])


# --- rate limits ---------------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path):
    """An app of its own with the limits on, on a database of its own: known and unknown people."""
    import copy

    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.extensions import db, limiter

    from ..factories import Factories

    saved = copy.copy(vars(limiter))  # the limiter is one object for every app in this process
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "limits",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/limits.sqlite3",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
        }
    )
    try:
        with app.app_context():
            upgrade()
            Factories(db.session).user(email="anna@example.fi")
            db.session.commit()
            db.session.remove()
        yield app
    finally:
        limiter.__dict__.update(saved)
        limiter.enabled = False
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_limit_per_address_is_the_same_for_unknown_addresses(limited):
    client = limited.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # this app has the real catalogues
    outcomes = {}
    for email in ["anna@example.fi", "nobody@example.fi"]:
        outcomes[email] = [client.post("/login/link", data={"email": email}).status_code for _ in range(6)]
    assert outcomes["anna@example.fi"] == outcomes["nobody@example.fi"] == [302] * 5 + [429]
    refused = client.post("/password/forgot", data={"email": "nobody@example.fi"})  # one budget for both
    assert refused.status_code == 429 and "Too many links" in refused.text
    # A malformed address counts only against the network address.
    assert client.post("/login/link", data={"email": "nope"}).status_code == 422
    with limited.app_context():
        from ideaspace.extensions import db

        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 10


def test_the_limit_per_network_address(limited):
    client = limited.test_client()
    statuses = [
        client.post("/login/link", data={"email": f"person{n}@example.fi"}).status_code for n in range(31)
    ]
    assert statuses == [302] * 30 + [429]
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert other.post("/login/link", data={"email": "person0@example.fi"}).status_code == 302


def test_the_new_link_button_is_limited_per_link(limited):
    with limited.app_context():
        from ideaspace.extensions import db

        user = db.session.scalar(select(User))
        raw, token = tokens.issue_token(user, None)
        token.used_at = utcnow()
        db.session.commit()
        db.session.remove()
    client = limited.test_client()
    statuses = [client.post(f"/signin/{raw}/new").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]


# --- password sign-in off --------------------------------------------------------------------


def test_with_passwords_off_the_login_page_offers_links_only(client, make, session):
    user = make.user(email="anna@example.fi")
    passwords_off(make)
    html = client.get("/login").text
    assert 'name="password"' not in html and 'action="/login/link"' in html
    assert "/password/forgot" not in html
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 403 and "password is turned off" in refused.text
    assert session.scalar(select(func.count()).select_from(UserSession)) == 0
    for path in ["/password/forgot", "/password/forgot/sent", "/password/reset/" + "x" * 43]:
        assert client.get(path).status_code == 404
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 404
    # Links still work.
    assert client.post("/login/link", data={"email": user.email}).status_code == 302


def test_with_passwords_off_no_reset_mail_goes_out(client, make, session):
    make.user(email="anna@example.fi")
    client.post("/password/forgot", data={"email": "anna@example.fi"})
    passwords_off(make)
    (message,) = queued(session, links.PASSWORD_RESET)
    assert sent_link(message) is None


@pytest.mark.parametrize("role", ROLES)
def test_with_passwords_off_the_password_page_is_gone(client, make, login, session, role):
    user = make.user(role=role)
    passwords_off(make)
    login(user)
    assert client.get("/account/password").status_code == 403
    assert client.post("/account/password", data={"password": NEW, "confirm": NEW}).status_code == 403
    assert "/account/password" not in client.get("/account").text


# --- the password page ---------------------------------------------------------------------


def test_the_password_page_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert client.post("/account/password", data={"password": NEW, "confirm": NEW}).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_a_person_without_a_password_sets_one(client, make, login, session, role):
    user = make.user(role=role, password_hash=None)
    login(user)
    assert 'href="/account/password"' in client.get("/account").text
    page = client.get("/account/password")
    assert page.status_code == 200 and 'name="current"' not in page.text
    response = client.post("/account/password", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.location == "/account"
    session.refresh(user)
    assert user.check_password(NEW)


@pytest.mark.parametrize("role", ROLES)
def test_a_change_needs_the_current_password_and_ends_other_sessions(app, client, make, login, session, role):
    user = make.user(role=role)
    other = sessions.start(user, "phone")
    session.commit()
    login(user)
    page = client.get("/account/password")
    assert 'name="current"' in page.text
    wrong = client.post("/account/password", data={"current": "wrong", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 422 and "current password is not correct" in wrong.text
    session.refresh(user)
    assert user.check_password(PASSWORD)
    right = client.post("/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert right.status_code == 302
    session.refresh(user)
    assert user.check_password(NEW)
    assert sessions.load(other) is None  # the phone is signed out
    assert client.get("/account").status_code == 200  # this browser stays in


def test_just_signed_in_the_current_password_is_not_asked(client, make, login, session):
    user = make.user()
    login(user, sudo=True)
    assert 'name="current"' not in client.get("/account/password").text
    assert client.post("/account/password", data={"password": NEW, "confirm": NEW}).status_code == 302
    session.refresh(user)
    assert user.check_password(NEW)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "at least 12 characters"),
        ("x" * 201, "x" * 201, "200 characters"),
        (" " * 12, " " * 12, "This field is required"),
        ("Anna@Example.fi", "Anna@Example.fi", "cannot be your email"),
        (NEW, NEW + "!", "not the same"),
        ("", "", "This field is required"),
    ],
)
def test_a_refused_password_saves_nothing(client, make, login, session, password, confirm, message):
    user = make.user(email="anna@example.fi", password_hash=None)
    login(user)
    response = client.post("/account/password", data={"password": password, "confirm": confirm})
    assert response.status_code == 422 and message in response.text
    session.refresh(user)
    assert user.password_hash is None


# --- password reset ------------------------------------------------------------------------


def test_a_reset_request_answers_the_same_for_every_address(client, make, session):
    make.user(email="anna@example.fi")
    make.user(email="inactive@example.fi", is_active_account=False)
    answers = {
        neutral(client.post("/password/forgot", data={"email": email}))
        for email in ["anna@example.fi", "nobody@example.fi", "inactive@example.fi"]
    }
    assert answers == {(302, "/password/forgot/sent")}
    assert client.get("/password/forgot/sent").status_code == 200
    assert client.post("/password/forgot", data={"email": "nope"}).status_code == 422
    assert [sent_link(m) is not None for m in queued(session)] == [True, False, False]


def test_a_reset_link_sets_a_new_password_once(client, make, session):
    user = make.user(email="anna@example.fi", locale="sv")
    phone = sessions.start(user, "phone")
    session.commit()
    client.post("/password/forgot", data={"email": "anna@example.fi"})
    path = sent_link(queued(session)[0])
    assert path.startswith("/password/reset/")
    page = client.get(path, headers={"Accept-Language": "fi"})
    assert page.status_code == 200 and '<html lang="sv">' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    bad = client.post(path, data={"password": "short", "confirm": "short"})
    assert bad.status_code == 422
    session.refresh(user)
    assert user.check_password(PASSWORD)
    good = client.post(path, data={"password": NEW, "confirm": NEW})  # the refused try used nothing up
    assert good.status_code == 302
    session.refresh(user)
    assert user.check_password(NEW) and sessions.load(phone) is None
    again = client.post(
        path, data={"password": NEW + "2", "confirm": NEW + "2"}, headers={"Accept-Language": "fi"}
    )
    assert (
        again.status_code == 410 and '<html lang="sv">' in again.text and "Send me a new link" in again.text
    )


def test_an_expired_reset_link(client, make, session):
    user = make.user()
    raw, token = tokens.issue_token(user, None, lifetime=timedelta(minutes=20))
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()  # kept like a real one (a refused request rolls back what is not committed)
    response = client.post(f"/password/reset/{raw}", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 410 and 'href="/password/forgot"' in response.text
    session.refresh(user)
    assert user.check_password(PASSWORD)


# --- services ------------------------------------------------------------------------------


def test_password_rules(make):
    user = make.user(email="anna@example.fi")
    for bad in ["", "short", "anna@example.fi".upper() + " ", " " * 20, "x" * 201]:
        with pytest.raises(links.PasswordError):
            links.check_password_rules(user, bad)
    links.check_password_rules(user, "twelve chars")


def test_reset_password_service(make, session):
    user = make.user()
    raw, _ = tokens.issue_token(user, None)
    session.commit()  # kept like a real one (a refused request rolls back what is not committed)
    with pytest.raises(links.PasswordError):
        links.reset_password(raw, "short")
    assert tokens.find_token(raw)[0] == tokens.VALID
    assert links.reset_password(raw, NEW) == (tokens.VALID, user)
    assert links.reset_password(raw, NEW)[0] == tokens.USED
    assert links.reset_password("nonsense", NEW) == (tokens.UNKNOWN, None)


def test_the_recipient_is_looked_up_at_send_time(make, session):
    links.request_link("later@example.fi", "fi")
    (message,) = queued(session)
    assert sent_link(message) is None  # nobody has the address yet
    make.user(email="Later@Example.fi")
    assert sent_link(message).startswith("/signin/")


def test_signed_in_people_are_sent_on_from_the_link_pages(client, make, login):
    login(make.user())
    assert client.get("/login").status_code == 302
    assert client.get("/login/link").status_code == 200  # asking for a link for another address is harmless
    assert session_count_is_unchanged(client)


def session_count_is_unchanged(client) -> bool:
    return client.get("/account").status_code == 200


def test_inactive_and_erased_people_get_no_link_from_the_new_link_button(client, make, session):
    user = make.user()
    raw, token = tokens.issue_token(user, None)
    token.used_at = utcnow()
    session.commit()  # kept like a real one (a refused request rolls back what is not committed)
    user.is_active_account = False
    session.commit()  # kept like a real one (a refused request rolls back what is not committed)
    assert client.post(f"/signin/{raw}/new").status_code == 302
    (message,) = queued(session)
    assert sent_link(message) is None
    assert session.get(User, user.id).is_active is False


# --- through the worker, to a real SMTP server -------------------------------------------------


@pytest.fixture
def mail_server(app):
    """A real SMTP server (aiosmtpd) on a loopback port, as tests/invitations' `smtp`."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False, MAIL_USERNAME=""
    )
    try:
        yield inbox
    finally:
        controller.stop()
        app.config.update(saved)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_through_the_worker_only_the_person_gets_a_working_link(client, make, session, mail_server, newline):
    smtp = mail_server
    evil = f"{newline}Bcc: spy@evil.example{newline}X-Injected: yes"
    user = make.user(email="anna@kokkola.fi", name=f"Anna{evil}", locale="sv", password_hash=None)
    session.commit()
    for email in ["anna@kokkola.fi", "nobody@kokkola.fi"]:
        client.post("/login/link", data={"email": email})
        client.post("/password/forgot", data={"email": email})
    counts = outbox.drain()
    assert (counts.sent, counts.skipped) == (2, 2)
    assert smtp.recipients == ["anna@kokkola.fi", "anna@kokkola.fi"]
    paths = []
    for _rcpt, message in smtp.messages:
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert message["Content-Language"] == "sv"
        (link,) = set(
            re.findall(r"https?://[^/\s]+(/(?:signin|password/reset)/[A-Za-z0-9_-]+)", text_of(message))
        )
        paths.append(link)
    reset, signin = sorted(paths)
    assert reset.startswith("/password/reset/") and signin.startswith("/signin/")
    assert client.post(signin).status_code == 302
    assert session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))
    assert client.post(reset, data={"password": NEW, "confirm": NEW}).status_code == 302
    session.refresh(user)
    assert user.check_password(NEW)
