"""200 participants answer the same poll at once through gunicorn (two processes) on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from .conftest import RELIABILITY, Client, migrate_and_seed

pytestmark = RELIABILITY

PEOPLE = 200
TWICE = 40  # of them send two answers at the same moment


def test_200_participants_answer_one_poll_at_once(scratch_postgres, gunicorn):
    seed = migrate_and_seed(scratch_postgres, PEOPLE)
    server = gunicorn(scratch_postgres, workers=2, threads=8)
    path = f"/w/{seed.slug}/activities/{seed.poll_id}/answer"
    clients = [Client(server.port, person) for person in seed.people]
    # Everybody starts together; the first TWICE people fire two requests each.
    jobs = [(i, seed.option_ids[i % 3]) for i in range(PEOPLE)]
    jobs += [(i, seed.option_ids[(i + 1) % 3]) for i in range(TWICE)]
    start = threading.Barrier(len(jobs))

    def answer(job):
        i, option = job
        start.wait(timeout=60)
        return clients[i].post(path, {"option": str(option)})

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        responses = list(pool.map(answer, jobs))
    took = time.monotonic() - began

    statuses = Counter(r.status for r in responses)
    assert not [s for s in statuses if s >= 500], f"{statuses}\n{server.output()[-3000:]}"
    # Success is the redirect back to the poll; a racing second answer may be refused (422).
    assert set(statuses) <= {302, 422}, statuses
    assert statuses[302] >= PEOPLE
    refused = [r for r in responses if r.status == 422]
    # …with the poll's error message ("You have already answered this.", in the person's Finnish).
    assert all(f'id="activity-{seed.poll_id}-error"' in r.body for r in refused)
    assert all("Olet jo vastannut" in r.body for r in refused), refused[0].body if refused else ""

    engine = create_engine(scratch_postgres)
    try:
        with engine.connect() as conn:
            respondents = conn.scalar(
                text("SELECT count(*) FROM respondent WHERE activity_id = :a"), {"a": seed.poll_id}
            )
            distinct = conn.scalar(
                text("SELECT count(DISTINCT user_id) FROM respondent WHERE activity_id = :a"),
                {"a": seed.poll_id},
            )
            answers = conn.scalar(
                text("SELECT count(*) FROM answer WHERE activity_id = :a"), {"a": seed.poll_id}
            )
            choices = conn.scalar(
                text(
                    "SELECT count(*) FROM answer_choice JOIN answer ON answer.key = answer_choice.answer_key "
                    "WHERE answer.activity_id = :a"
                ),
                {"a": seed.poll_id},
            )
            contributed = conn.scalar(
                text("SELECT count(*) FROM membership WHERE first_contribution_at IS NOT NULL")
            )
    finally:
        engine.dispose()
    assert respondents == distinct == answers == choices == PEOPLE
    assert contributed == PEOPLE
    # The results the next reader sees agree with the table.
    page = clients[-1].get(f"/w/{seed.slug}/themes/{seed.theme_id}")
    assert page.status == 200 and f"{PEOPLE}" in page.body
    print(f"\n{len(jobs)} requests from {PEOPLE} people in {took:.1f} s: {dict(statuses)}")
