"""SQLite under concurrent requests (ideaspace/web.py, `_sqlite_transactions`): reads run side by
side, a read whose write meets a newer commit is run again and succeeds, writes still take turns.

SQLite only, on a database file of its own: the shared `app` fixture runs every test inside one
connection's rolled-back transaction, where no two requests can ever meet. PostgreSQL never took
a lock for a read; its behaviour is unchanged and covered by tests/reliability.

A request sent with the header `X-Test-Hold: NAME` reads once (its transaction begins and takes its
snapshot) and then calls HOLDS[NAME](): waits for the test, or commits a write elsewhere.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request
from flask_migrate import upgrade

from ideaspace.auth import sessions
from ideaspace.extensions import db
from ideaspace.models import ActivityKind, Answer, Membership, Visit, WorkspaceAccess, utcnow

from .conftest import create_test_app
from .factories import Factories

HOLDS: dict = {}
WAIT = 10  # seconds; far below the 15 s busy timeout, which the old BEGIN IMMEDIATE reads waited


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    url = "sqlite:///" + str(tmp_path_factory.mktemp("concurrency") / "live.sqlite3")
    app = create_test_app(url, tmp_path_factory)

    @app.before_request
    def _hold():
        name = request.headers.get("X-Test-Hold")
        if name:
            db.session.execute(sa.text("SELECT count(*) FROM workspace")).scalar()
            HOLDS[name]()

    with app.app_context():
        upgrade()
    yield app, url
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(live):
    """An open workspace with a poll, and four members whose visit today is already counted."""
    app, url = live
    with app.app_context():
        make = Factories(db.session)
        ws = make.workspace(access=WorkspaceAccess.INVITED)
        poll = make.activity(make.theme(ws), ActivityKind.SINGLE_CHOICE, options=2)
        people = [make.user() for _ in range(4)]
        for person in people:
            membership = make.member(ws, person)
            membership.first_visit_at = membership.last_visit_at = utcnow() - timedelta(minutes=1)
            membership.visit_count = 1
        tokens = [sessions.start(person, "pytest") for person in people]
        db.session.commit()
        world = {
            "slug": ws.slug,
            "poll": poll.id,
            "options": [o.id for o in poll.options],
            "people": [(p.id, token) for p, token in zip(people, tokens, strict=True)],  # (id, session)
        }
        db.session.remove()  # no transaction of the test's own stays open beside the requests
    yield world
    HOLDS.clear()


def hold_requests() -> tuple[threading.Event, threading.Event]:
    """A request sent with `X-Test-Hold: hold` sets `entered` and waits for `release` in its transaction."""
    entered, release = threading.Event(), threading.Event()

    def hold():
        entered.set()
        assert release.wait(WAIT)

    HOLDS["hold"] = hold
    return entered, release


def client_of(app, person):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = person[1]
        session["_fresh"] = True
    return client


def test_a_get_completes_while_another_get_holds_its_read_transaction(live, world):
    app, _ = live
    entered, release = hold_requests()
    holder, reader = (client_of(app, p) for p in world["people"][:2])
    page = f"/w/{world['slug']}/"
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(holder.get, page, headers={"X-Test-Hold": "hold"})
        assert entered.wait(WAIT)
        # With BEGIN IMMEDIATE for every request this GET waited for the first one's lock.
        other = pool.submit(reader.get, page)
        try:
            assert other.result(timeout=WAIT / 2).status_code == 200
            assert not held.done()
        finally:
            release.set()
        assert held.result(timeout=WAIT).status_code == 200


def test_a_get_whose_visit_meets_a_newer_commit_is_retried_and_counts_the_visit(live, world):
    app, url = live
    visitor, bystander = world["people"][:2]
    with app.app_context():
        membership = db.session.scalars(sa.select(Membership).where(Membership.user_id == visitor[0])).one()
        membership.last_visit_at = utcnow() - timedelta(days=1)  # this page view is a new visit
        db.session.commit()
        db.session.remove()
    attempts = []
    other = sa.create_engine(url)

    def conflict():
        attempts.append(request.environ.get("ideaspace.begin_immediate", False))
        if len(attempts) == 1:  # after this request's snapshot, before its visit is written
            with other.begin() as conn:
                conn.execute(
                    sa.text('UPDATE "user" SET name = :n WHERE id = :id'),
                    {"n": "Renamed", "id": bystander[0]},
                )

    HOLDS["conflict"] = conflict
    try:
        response = client_of(app, visitor).get(f"/w/{world['slug']}/", headers={"X-Test-Hold": "conflict"})
    finally:
        other.dispose()

    assert response.status_code == 200
    assert attempts == [False, True]  # deferred, refused (SQLITE_BUSY_SNAPSHOT), then IMMEDIATE
    with app.app_context():
        membership = db.session.scalars(sa.select(Membership).where(Membership.user_id == visitor[0])).one()
        assert membership.visit_count == 2
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Visit.id)).where(
                    Visit.membership_id == membership.id, Visit.day == utcnow().date()
                )
            )
            == 1
        )
        assert db.session.scalar(sa.text('SELECT name FROM "user" WHERE id = :id'), {"id": bystander[0]}) == (
            "Renamed"
        )


def test_posts_take_turns_and_both_land(live, world):
    app, _ = live
    entered, release = hold_requests()
    first, second = (client_of(app, p) for p in world["people"][2:4])
    path = f"/w/{world['slug']}/activities/{world['poll']}/answer"
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(
            first.post, path, data={"option": world["options"][0]}, headers={"X-Test-Hold": "hold"}
        )
        assert entered.wait(WAIT)
        waiting = pool.submit(second.post, path, data={"option": world["options"][1]})
        try:
            # BEGIN IMMEDIATE: the second POST waits for the first one's write lock...
            with pytest.raises(TimeoutError):
                waiting.result(timeout=1)
        finally:
            release.set()
        # ...and then runs; neither sees "database is locked".
        assert held.result(timeout=WAIT).status_code == 302
        assert waiting.result(timeout=WAIT).status_code == 302
    with app.app_context():
        answers = db.session.scalar(
            sa.select(sa.func.count()).select_from(Answer).where(Answer.activity_id == world["poll"])
        )
        assert answers == 2
        db.session.remove()
