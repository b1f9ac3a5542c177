"""PostgreSQL goes away under load and comes back: a clear 503 meanwhile, recovery with no restart.

The restarted server is a cluster of this test's own (initdb in a temporary directory, a free
port), never the shared one on 5432.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from .conftest import RELIABILITY, Client, migrate_and_seed

pytestmark = RELIABILITY

UNAVAILABLE = {
    "fi": "Palvelu on tilapäisesti poissa käytöstä",
    "en": "Service temporarily unavailable",
}


def test_requests_during_a_postgres_restart_get_503_and_the_app_recovers(private_postgres, gunicorn):
    url = private_postgres.database("ideaspace")
    seed = migrate_and_seed(url, people=12, extra_polls=2)
    server = gunicorn(url, workers=2, threads=4)
    polls = [seed.poll_id, *seed.extra_polls]
    theme = f"/w/{seed.slug}/themes/{seed.theme_id}"
    log: list[tuple[str, int, str]] = []  # (phase, status, body)
    phase = {"now": "before"}
    stop = threading.Event()

    def participant(person, n):
        client = Client(server.port, person, timeout=20)
        i = 0
        while not stop.is_set():
            i += 1
            if i % 2:
                response = client.get(theme)
            else:
                poll = polls[(n + i) % len(polls)]
                response = client.post(f"/w/{seed.slug}/activities/{poll}/answer", {"option": ""})
                # An empty answer is refused (422) after reading the poll: a query, no write.
            log.append((phase["now"], response.status, response.body))
            time.sleep(0.05)

    threads = [threading.Thread(target=participant, args=(p, n)) for n, p in enumerate(seed.people[:8])]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        phase["now"] = "stopping"
        private_postgres.stop()
        phase["now"] = "down"
        time.sleep(2)
        # While it is down: two people (their language cannot be read: the browser's is used)
        # and the health check.
        down = [
            Client(server.port, seed.people[-1]).get(theme),
            Client(server.port, seed.people[-2]).get(theme, headers={"Accept-Language": "en"}),
            Client(server.port).get("/healthz"),
        ]
        phase["now"] = "starting"
        private_postgres.start()
        phase["now"] = "after"
        time.sleep(2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    output = server.output()
    by_phase = {p: Counter(s for ph, s, _ in log if ph == p) for p in ("before", "down", "after")}
    assert [r.status for r in down] == [503, 503, 503], (by_phase, output[-3000:])
    assert UNAVAILABLE["fi"] in down[0].body
    assert UNAVAILABLE["en"] in down[1].body
    statuses = Counter(s for _, s, _ in log)
    # Nothing but answers (200 pages, 422 refusals) and the clear 503: no 500, no dropped connection.
    assert set(statuses) <= {200, 422, 503}, (by_phase, output[-3000:])
    assert by_phase["down"][503] > 0 and set(by_phase["down"]) == {503}, by_phase
    assert all(UNAVAILABLE["fi"] in body for _, s, body in log if s == 503)

    # Recovered by itself: the same processes serve pages and take answers again.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and Client(server.port, seed.people[0]).get(theme).status != 200:
        time.sleep(0.2)
    assert Client(server.port, seed.people[0]).get(theme).status == 200
    answered = Client(server.port, seed.people[-1]).post(
        f"/w/{seed.slug}/activities/{seed.poll_id}/answer", {"option": str(seed.option_ids[0])}
    )
    assert answered.status == 302
    assert server.process.poll() is None
    assert output.count("Booting worker") == 2, output[-3000:]  # no worker died and was replaced
    assert "Traceback" not in output, output[-5000:]
