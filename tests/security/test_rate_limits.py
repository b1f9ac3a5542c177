"""Sign-in, magic links and posting are rate-limited (Flask-Limiter), in memory and in Redis.

Posting limits count per signed-in person, so colleagues behind one office address do not share
one budget; anonymous requests count per address.
"""

from __future__ import annotations

import copy
import os
import uuid

import pytest
from flask_migrate import upgrade

from ideaspace import create_app
from ideaspace.extensions import db, limiter
from ideaspace.models import ActivityKind, Role

from ..factories import Factories

REDIS_URL = "redis://127.0.0.1:6379/15"

# Routes through which people sign in or post; each must carry a limit of its own.
LIMITED = [
    "auth.login",
    "invitations.signin",
    "invitations.signin_post",
    "discussion.create",
    "discussion.like",
    "notes.post",
    "ideas.submit",
    "ideas.support",
    "polls.answer",
    "moderation.report",
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
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
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
            world = {
                "app": app,
                "storage": storage,
                "prefix": prefix,
                "slug": ws.slug,
                "theme": theme.id,
                "notes": make.activity(theme, kind=ActivityKind.NOTES).id,
                "poll": make.activity(theme, kind=ActivityKind.SINGLE_CHOICE, options=2).id,
                "ideas": make.activity(theme, kind=ActivityKind.IDEAS).id,
                "people": [p.get_id() for p in people],
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


def test_sign_in_is_limited_per_address(limited):
    client = _client(limited)
    codes = _until_limited(
        lambda: client.post("/login", data={"email": "x@example.fi", "password": "guess"}), 10
    )
    assert codes[:10] == [422] * 10 and codes[10] == 429
    other = limited["app"].test_client()
    blocked = other.post("/login", data={"email": "x@example.fi", "password": "guess"})
    assert blocked.status_code == 429  # same address: the same budget
    elsewhere = other.post(
        "/login",
        data={"email": "x@example.fi", "password": "guess"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert elsewhere.status_code == 422


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
