"""The ballot box under gunicorn (two processes, eight threads each) on PostgreSQL: many people
answer an anonymous poll at once, some twice; nothing is lost, doubled or left over."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from .conftest import RELIABILITY, Client, migrate_and_seed

pytestmark = RELIABILITY

PEOPLE = 60
TWICE = 15
K = 5


def test_parallel_anonymous_answers_are_all_published_or_pending_once(scratch_postgres, gunicorn):
    seed = migrate_and_seed(scratch_postgres, PEOPLE)
    engine = create_engine(scratch_postgres)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE activity SET is_anonymous = true, answers_changeable = false WHERE id = :a"),
                {"a": seed.poll_id},
            )
        server = gunicorn(scratch_postgres, workers=2, threads=8)
        path = f"/w/{seed.slug}/activities/{seed.poll_id}/answer"
        clients = [Client(server.port, person) for person in seed.people]
        jobs = [(i, seed.option_ids[i % 3]) for i in range(PEOPLE)]
        jobs += [(i, seed.option_ids[(i + 1) % 3]) for i in range(TWICE)]
        start = threading.Barrier(len(jobs))

        def answer(job):
            i, option = job
            start.wait(timeout=60)
            return clients[i].post(path, {"option": str(option)})

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            responses = list(pool.map(answer, jobs))
        statuses = Counter(r.status for r in responses)
        assert not [s for s in statuses if s >= 500], f"{statuses}\n{server.output()[-3000:]}"
        assert set(statuses) <= {302, 422} and statuses[302] == PEOPLE, statuses

        with engine.connect() as conn:

            def count(sql):
                return conn.scalar(text(sql), {"a": seed.poll_id})

            respondents = count("SELECT count(DISTINCT user_id) FROM respondent WHERE activity_id = :a")
            answers = count("SELECT count(*) FROM answer WHERE activity_id = :a")
            choices = count(
                "SELECT count(*) FROM answer_choice JOIN answer ON answer.key = answer_choice.answer_key "
                "WHERE answer.activity_id = :a"
            )
            pending = count("SELECT count(*) FROM ballot WHERE activity_id = :a")
            days = count("SELECT count(DISTINCT answered_on) FROM answer WHERE activity_id = :a")
    finally:
        engine.dispose()
    assert respondents == PEOPLE
    # Every answer once: published, or waiting for k people (never k or more left waiting).
    assert answers + pending == PEOPLE and answers == choices and pending < K, (answers, pending)
    assert days == 1  # published today, whatever the requests' times
