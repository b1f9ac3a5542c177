"""Sign-in, magic links and posting are rate-limited (Flask-Limiter), in memory and in Redis.

Posting limits count per signed-in person, so colleagues behind one office address do not share
one budget; anonymous requests count per address. Sign-in counts only failures: per account (5 in
15 minutes) and per address (50 in 15 minutes) apart; successes never count (README, "Security
policies").
"""

from __future__ import annotations

import copy
import os
import re
import uuid

import pytest
from flask_migrate import upgrade

from ideaspace import create_app
from ideaspace.auth import sessions
from ideaspace.extensions import db, limiter
from ideaspace.models import ActivityKind, Role

from ..factories import PASSWORD, Factories

REDIS_URL = "redis://127.0.0.1:6379/15"

# Routes through which people sign in or post; each must carry a limit of its own.
LIMITED = [
    "auth.login",
    "invitations.signin",
    "invitations.signin_post",
    "invitations.new_link",
    "auth.request_link",
    "auth.forgot_password",
    "auth.reset_password",
    "discussion.create",
    "discussion.like",
    "notes.post",
    "ideas.submit",
    "ideas.support",
    "polls.answer",
    "moderation.report",
    "workshops.join",
    "workshops.answer",
    "workshops.note",
]


def test_every_sign_in_and_posting_route_has_a_limit(app):
    decorated = limiter.limit_manager._decorated_limits  # keyed by the view's qualified name
    missing = []
    for endpoint in LIMITED:
        view = app.view_functions[endpoint]
        name = f"{view.__module__}.{view.__name__}"
        if not any(key.startswith(name) for key in decorated):
            missing.append(endpoint)
    assert not missing, f"no Flask-Limiter limit on: {', '.join(missing)}"


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means no Redis here
        return False


@pytest.fixture(params=["memory", "redis"])
def limited(request, tmp_path):
    """An app with rate limits on, its own migrated SQLite database, a workspace and people."""
    if request.param == "redis":
        if not _redis_available():
            if os.environ.get("CI"):
                pytest.fail(f"Redis does not answer at {REDIS_URL} (CI must run the Redis variant)")
            pytest.skip(f"Redis does not answer at {REDIS_URL}")
        storage = REDIS_URL
    else:
        storage = "memory://"
    prefix = f"test-{uuid.uuid4().hex}"
    saved = copy.copy(vars(limiter))  # the limiter is one object for every app in this process
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "limits",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/limits.sqlite3",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage,
            # Parallel workers share the Redis database: each test counts under its own prefix.
            "RATELIMIT_KEY_PREFIX": prefix,
            "WTF_CSRF_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path / "outbox"),
        }
    )
    try:
        with app.app_context():
            upgrade()
            make = Factories(db.session)
            ws = make.workspace()
            theme = make.theme(ws)
            people = [make.user(Role.PARTICIPANT) for _ in range(2)]
            for person in people:
                make.member(ws, person)
            office = [make.user(Role.PARTICIPANT, email=f"office{i}@example.fi") for i in range(12)]
            tokens = [sessions.start(person, "pytest") for person in people]
            world = {
                "app": app,
                "storage": storage,
                "prefix": prefix,
                "slug": ws.slug,
                "theme": theme.id,
                "notes": make.activity(theme, kind=ActivityKind.NOTES).id,
                "poll": make.activity(theme, kind=ActivityKind.SINGLE_CHOICE, options=2).id,
                "ideas": make.activity(theme, kind=ActivityKind.IDEAS).id,
                "people": tokens,
                "office": [person.email for person in office],
            }
            db.session.commit()
            db.session.remove()
        # Requests run outside this app context: each gets a fresh `g`, as in production.
        yield world
    finally:
        limiter.__dict__.update(saved)
        limiter.enabled = False
        if storage == REDIS_URL:
            import redis

            connection = redis.Redis.from_url(REDIS_URL)
            for key in connection.scan_iter(f"*{prefix}*"):
                connection.delete(key)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _client(world, person: int | None = None):
    client = world["app"].test_client()
    if person is not None:
        with client.session_transaction() as sess:
            sess["_user_id"] = world["people"][person]
            sess["_fresh"] = True
    return client


def _until_limited(post, limit: int) -> list[int]:
    return [post().status_code for _ in range(limit + 1)]


def test_limiter_uses_the_configured_storage(limited):
    assert limiter.enabled
    kind = type(limiter.storage).__name__
    assert kind == ("RedisStorage" if limited["storage"].startswith("redis") else "MemoryStorage")
    client = _client(limited)
    client.post("/login", data={"email": "x@example.fi", "password": "guess"})
    if limited["storage"].startswith("redis"):
        import redis

        keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{limited['prefix']}*"))
        assert any(b"login" in key for key in keys)


def _sign_in(client, email, password="guess", address="10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers={"Accept-Language": "en"},
    )


def _page(response, *typed) -> str:
    """The page without what differs on every response (the CSRF token) or was typed."""
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", response.text)
    for value in typed:
        text = text.replace(value, "")
    return text


def test_failed_sign_ins_are_limited_per_account_with_one_message_for_every_account(limited):
    client = _client(limited)
    known, unknown = limited["office"][0], "nobody@example.fi"
    for email in (known, unknown):
        codes = [_sign_in(client, email).status_code for _ in range(6)]
        assert codes == [422] * 5 + [429], (email, codes)
    # Known or not, the refusal reads the same (nothing tells whether an account exists) ...
    refusals = [_sign_in(client, email) for email in (known, unknown, known.upper())]
    assert {r.status_code for r in refusals} == {429}
    assert len({_page(r, known, unknown, known.upper()) for r in refusals}) == 1
    assert "Too many failed sign-in attempts" in refusals[0].text
    # ... holds even the right password back for the account under attack, from any address ...
    assert _sign_in(client, known, PASSWORD, address="10.0.0.2").status_code == 429
    # ... and leaves everyone else at the same address alone.
    assert _sign_in(client, limited["office"][1], PASSWORD).status_code == 302


def test_successful_sign_ins_never_count(limited):
    for email in limited["office"]:
        assert _sign_in(_client(limited), email, PASSWORD).status_code == 302
    # 12 successes from one address, and the first failure is still just a failure.
    assert _sign_in(_client(limited), limited["office"][0]).status_code == 422


def test_failed_sign_ins_are_limited_per_address_so_an_office_keeps_signing_in(limited):
    client = _client(limited)
    # An office behind one address: 12 people, each mistyping up to four times, are not locked out.
    for email in limited["office"]:
        assert [_sign_in(client, email).status_code for _ in range(4)] == [422] * 4
    assert _sign_in(_client(limited), limited["office"][0], PASSWORD).status_code == 302
    # A guesser trying many accounts from one address stops at 50 failures in 15 minutes.
    codes = [_sign_in(client, f"guess{i}@example.fi").status_code for i in range(3)]
    assert codes == [422, 422, 429]
    assert _sign_in(_client(limited), limited["office"][1], PASSWORD).status_code == 429
    elsewhere = _sign_in(client, "guess0@example.fi", address="10.0.0.9")
    assert elsewhere.status_code == 422  # another address has its own budget


def test_magic_links_are_limited(limited):
    client = _client(limited)
    codes = [client.post("/signin/" + "x" * 43).status_code for _ in range(21)]
    assert 429 in codes and codes.index(429) <= 20
    assert all(code != 500 for code in codes)


@pytest.mark.parametrize(
    "route",
    [
        (
            "comment",
            lambda w: f"/w/{w['slug']}/comments/theme/{w['theme']}",
            lambda i: {"body": f"Kommentti {i}"},
            30,
        ),
        (
            "note",
            lambda w: f"/w/{w['slug']}/activities/{w['notes']}/notes",
            lambda i: {"text": f"Lappu {i}"},
            30,
        ),
        ("idea", lambda w: f"/w/{w['slug']}/ideas", None, 20),
        ("answer", lambda w: f"/w/{w['slug']}/activities/{w['poll']}/answer", lambda i: {}, 30),
    ],
    ids=lambda r: r[0],
)
def test_posting_is_limited_per_person(limited, route):
    _name, url_of, data_of, limit = route
    url = url_of(limited)
    if data_of is None:

        def data_of(i):
            return {"title": f"Idea {i}", "body": "Kuvaus", "activity_id": limited["ideas"]}

    first = _client(limited, 0)
    codes = [first.post(url, data=data_of(i)).status_code for i in range(limit + 1)]
    assert 429 not in codes[:limit], codes
    assert codes[limit] == 429
    assert all(code < 500 for code in codes)
    # A colleague at the same address has a budget of their own.
    second = _client(limited, 1)
    assert second.post(url, data=data_of(999)).status_code != 429
