"""SQLite under concurrent writers: gunicorn (two processes, threads) on one database file.

A POST's BEGIN IMMEDIATE takes the write lock up front and the busy timeout waits for it; a GET reads
in a deferred transaction and, should its write (a visit) meet a newer commit, runs once more with
BEGIN IMMEDIATE (ideaspace/web.py, ideaspace/extensions.py). So nobody ever sees "database is
locked", not even as a 503.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from .conftest import RELIABILITY, Client, migrate_and_seed

pytestmark = RELIABILITY

PEOPLE = 16
POLLS = 3
COMMENTS = 3


def test_concurrent_writers_on_sqlite_never_see_database_is_locked(tmp_path, gunicorn):
    url = f"sqlite:///{tmp_path / 'writers.sqlite3'}"
    seed = migrate_and_seed(url, PEOPLE, extra_polls=POLLS - 1)
    server = gunicorn(url, workers=2, threads=4)
    polls = [seed.poll_id, *seed.extra_polls]
    start = threading.Barrier(PEOPLE)

    def person(n):
        client = Client(server.port, seed.people[n], timeout=60)
        start.wait(timeout=60)
        replies = []
        for i in range(max(POLLS, COMMENTS)):
            if i < POLLS:
                options = seed.options[polls[i]]
                form = {"option": str(options[n % len(options)])}
                replies.append(client.post(f"/w/{seed.slug}/activities/{polls[i]}/answer", form))
            if i < COMMENTS:
                replies.append(
                    client.post(
                        f"/w/{seed.slug}/comments/activity/{seed.discussion_id}",
                        {"body": f"Kommentti {n}.{i}"},
                    )
                )
        return replies

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        replies = [r for batch in pool.map(person, range(PEOPLE)) for r in batch]

    statuses = Counter(r.status for r in replies)
    output = server.output()
    assert statuses == {302: PEOPLE * (POLLS + COMMENTS)}, (statuses, output[-3000:])
    assert not any("locked" in r.body for r in replies)
    assert "database is locked" not in output

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            answers = conn.scalar(text("SELECT count(*) FROM answer"))
            respondents = conn.scalar(
                text("SELECT count(DISTINCT activity_id || '-' || user_id) FROM respondent")
            )
            comments = conn.scalar(text("SELECT count(*) FROM comment"))
    finally:
        engine.dispose()
    assert answers == respondents == PEOPLE * POLLS
    assert comments == PEOPLE * COMMENTS


def test_sqlite_readers_beside_writers_never_fail_and_count_every_visit(tmp_path, gunicorn):
    """GETs read in deferred transactions; a GET that writes (the first page view records a visit)
    while others commit is run again with BEGIN IMMEDIATE, so it never shows "database is locked"."""
    url = f"sqlite:///{tmp_path / 'readers.sqlite3'}"
    seed = migrate_and_seed(url, PEOPLE)
    server = gunicorn(url, workers=2, threads=4)
    start = threading.Barrier(PEOPLE)
    pages = [f"/w/{seed.slug}/", f"/w/{seed.slug}/themes/{seed.theme_id}"]

    def person(n):
        client = Client(server.port, seed.people[n], timeout=60)
        start.wait(timeout=60)
        options = seed.options[seed.poll_id]
        replies = [client.get(pages[n % 2])]  # the first page view: a visit to write
        for i in range(3):
            replies.append(
                client.post(
                    f"/w/{seed.slug}/activities/{seed.poll_id}/answer", {"option": str(options[i % 3])}
                )
            )
            replies.append(client.get(pages[(n + i) % 2]))
        return replies

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        replies = [r for batch in pool.map(person, range(PEOPLE)) for r in batch]

    statuses = Counter(r.status for r in replies)
    output = server.output()
    assert statuses == {200: PEOPLE * 4, 302: PEOPLE * 3}, (statuses, output[-3000:])
    assert "database is locked" not in output

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            visits = conn.execute(text("SELECT visit_count, first_visit_at FROM membership")).all()
            days = conn.scalar(text("SELECT count(*) FROM visit"))
            answers = conn.scalar(text("SELECT count(*) FROM answer"))
    finally:
        engine.dispose()
    assert sorted(count for count, _ in visits) == [1] * PEOPLE  # one visit each, none lost, none twice
    assert all(first is not None for _, first in visits)
    assert days == PEOPLE
    assert answers == PEOPLE
