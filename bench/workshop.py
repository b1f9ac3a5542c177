"""Workshop bench (issue 15): phones join one live session within 60 s, answer a poll and post a
note, while one big screen and one control view follow live.

    .venv/bin/python bench/workshop.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_workshop \
        [--phones 300] [--redis redis://127.0.0.1:6379/14]

It makes a fresh schema in the given database (PostgreSQL: the database is dropped and created
again), a workspace with a named poll and a named notes wall, and a live session run by a
supervisor; starts gunicorn with `make serve`'s settings (gunicorn.conf.py: 2 workers x 4 threads,
PROXY_FIX=1, rate limits in Redis when --redis is given); then, with locust:

- phones arrive evenly over 60 s, each from its own address: GET /join?code=…, POST /join, the
  first GET /live, POST /live/answer; then each asks GET /live?v=… every 3 s (204 while the
  facilitator has not moved) and, once the session is on the notes step, posts one note;
- the big screen asks /present/<id>?v=… every second (204 when nothing changed) and records when
  each count appeared; when every phone has answered it moves the session to the notes step;
- the control view asks its status every 3 s.

Measured: p50/p95/max of joining (POST /join), answering and posting; the time from a phone's
answer (its response) to the big screen showing a count that includes it (count ≥ rank), p95;
errors; that the counts are exact (answers and notes in the database = phones); the load average;
the workers' and PostgreSQL's CPU per request.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import gevent  # noqa: I001  (locust patches the standard library through gevent on import)
import sqlalchemy as sa
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import SECRET_KEY, DatabaseCpu, Server, signed_session, wait_healthy  # noqa: E402

VERSION = re.compile(r'hx-get="[^"]*[?&]v=([^"&]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COUNT = re.compile(r'data-count="(\d+)"')


def prepare(database_url: str) -> dict:
    """A fresh database with one live session; returns what the simulated people need."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    elif url.database and Path(url.database).exists():
        Path(url.database).unlink()
    os.environ["DATABASE_URL"] = database_url
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.auth import sessions
    from ideaspace.extensions import db
    from ideaspace.models import (
        Activity,
        ActivityKind,
        Membership,
        Option,
        Role,
        Theme,
        Unit,
        User,
        Workspace,
        WorkspaceStatus,
        utcnow,
    )
    from ideaspace.workshops import service

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()
        unit = Unit(name={"fi": "Kotihoito"})
        supervisor = User(
            email="esihenkilo@bench.example.fi", name="Esihenkilö", role=Role.PARTICIPANT, unit=unit
        )
        ws = Workspace(slug="bench-workshop", title={"fi": "Työpaja"}, status=WorkspaceStatus.OPEN)
        db.session.add_all([unit, supervisor, ws])
        db.session.flush()
        db.session.add(Membership(workspace_id=ws.id, user_id=supervisor.id, invited_at=utcnow()))
        theme = Theme(workspace_id=ws.id, title={"fi": "Hyvinvointi"})
        db.session.add(theme)
        db.session.flush()
        poll = Activity(
            theme_id=theme.id, kind=ActivityKind.SINGLE_CHOICE, title={"fi": "Mikä auttaa?"}, position=1
        )
        wall = Activity(theme_id=theme.id, kind=ActivityKind.NOTES, title={"fi": "Ideoita"}, position=2)
        db.session.add_all([poll, wall])
        db.session.flush()
        options = [Option(activity_id=poll.id, position=i, label={"fi": f"Vaihtoehto {i}"}) for i in range(4)]
        db.session.add_all(options)
        db.session.flush()
        workshop = service.start(supervisor, ws, theme, [poll.id, wall.id])
        token = sessions.start(supervisor, "bench")
        db.session.commit()
        plan = {
            "code": service.display_code(workshop.code),
            "workshop": workshop.id,
            "slug": ws.slug,
            "poll": poll.id,
            "wall": wall.id,
            "options": [o.id for o in options],
            "token": token,
        }
        db.session.remove()
        db.engine.dispose()
    return plan


def count_rows(database_url: str, plan: dict) -> dict:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        answers = connection.execute(
            sa.text("SELECT count(*) FROM answer WHERE activity_id = :a"), {"a": plan["poll"]}
        ).scalar()
        notes = connection.execute(
            sa.text("SELECT count(*) FROM note WHERE activity_id = :a"), {"a": plan["wall"]}
        ).scalar()
        guests = connection.execute(sa.text("SELECT count(*) FROM workshop_guest")).scalar()
    engine.dispose()
    return {"answers": answers, "notes": notes, "guests": guests}


def classes(plan: dict, phones: int):
    answered: list[float] = []  # when each phone's answer response arrived (perf_counter)
    seen: list[tuple[float, int]] = []  # (when, count) as the big screen showed it
    state = {"moved": None, "notes": 0, "addresses": iter(range(1, 1 << 24))}

    class Phone(FastHttpUser):
        wait_time = constant(0)
        weight = 1

        @task
        def take_part(self):
            n = next(state["addresses"])
            ip = {"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}
            page = self.client.get(f"/join?code={plan['code']}", name="GET /join", headers=ip)
            token = CSRF.search(page.text or "")
            if token is None:
                gevent.sleep(3600)
                return
            with self.client.post(
                "/join",
                name="POST /join",
                headers=ip,
                data={"csrf_token": token.group(1), "code": plan["code"], "name": ""},
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"join: {response.status_code}")
                    gevent.sleep(3600)
                    return
            page = self.client.get("/live", name="GET /live (first)", headers=ip)
            csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page.text or "")
            headers = {**ip, "HX-Request": "true", "X-CSRFToken": csrf.group(1) if csrf else ""}
            option = plan["options"][n % len(plan["options"])]
            with self.client.post(
                "/live/answer",
                name="POST /live/answer",
                headers=headers,
                data={"option": str(option)},
                catch_response=True,
            ) as response:
                if response.status_code != 200 or "field__error" in (response.text or ""):
                    response.failure(f"answer: {response.status_code}")
                else:
                    answered.append(time.perf_counter())
            version = VERSION.search(response.text or "")
            version = version.group(1) if version else ""
            posted = False
            while True:
                gevent.sleep(3)
                with self.client.get(
                    f"/live?v={version}", name="GET /live (poll)", headers=headers, catch_response=True
                ) as polled:
                    if polled.status_code == 204:
                        polled.success()
                        continue
                    if polled.status_code != 200:
                        polled.failure(f"poll: {polled.status_code}")
                        continue
                    found = VERSION.search(polled.text or "")
                    version = found.group(1) if found else version
                    on_wall = 'name="text"' in (polled.text or "")
                if on_wall and not posted:
                    with self.client.post(
                        "/live/note",
                        name="POST /live/note",
                        headers=headers,
                        data={"text": f"Lisää taukoja {n}"},
                        catch_response=True,
                    ) as response:
                        if response.status_code != 200:
                            response.failure(f"note: {response.status_code}")
                        else:
                            state["notes"] += 1
                    posted = True

    cookie, csrf_token = signed_session(plan["token"])
    facilitator = {"Cookie": cookie, "X-CSRFToken": csrf_token, "X-Forwarded-For": "10.255.255.1"}

    class Screen(FastHttpUser):
        fixed_count = 1
        wait_time = constant(1)
        version = ""

        @task
        def follow(self):
            with self.client.get(
                f"/present/{plan['workshop']}?v={self.version}",
                name="GET /present (poll)",
                headers={**facilitator, "HX-Request": "true"},
                catch_response=True,
            ) as response:
                if response.status_code == 204:
                    response.success()
                    return
                if response.status_code != 200:
                    response.failure(f"present: {response.status_code}")
                    return
                text = response.text or ""
            found = VERSION.search(text)
            self.version = found.group(1) if found else ""
            count = COUNT.search(text)
            if count and state["moved"] is None:
                seen.append((time.perf_counter(), int(count.group(1))))
                if int(count.group(1)) >= phones:
                    self.client.post(
                        f"/w/{plan['slug']}/workshops/{plan['workshop']}/pace",
                        name="POST pace (next)",
                        headers=facilitator,
                        data={"action": "next", "next": "present"},
                        allow_redirects=False,
                    )
                    state["moved"] = time.perf_counter()

    class Control(FastHttpUser):
        fixed_count = 1
        wait_time = constant(3)
        version = ""

        @task
        def follow(self):
            with self.client.get(
                f"/w/{plan['slug']}/workshops/{plan['workshop']}?v={self.version}",
                name="GET control (poll)",
                headers={**facilitator, "HX-Request": "true"},
                catch_response=True,
            ) as response:
                if response.status_code == 204:
                    response.success()
                    return
                if response.status_code != 200:
                    response.failure(f"control: {response.status_code}")
                    return
                found = VERSION.search(response.text or "")
                self.version = found.group(1) if found else ""

    return Phone, Screen, Control, answered, seen, state


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--arrival-seconds", type=float, default=60)
    parser.add_argument("--redis", default="")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--bind", default="127.0.0.1:8765")
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)

    plan = prepare(args.database_url)
    if args.redis:
        os.environ["REDIS_URL"] = args.redis
    server = Server(args.database_url, args.bind, args.workers, args.threads)
    host = f"http://{args.bind}"
    try:
        wait_healthy(host)
        Phone, Screen, Control, answered, seen, state = classes(plan, args.phones)
        env = Environment(user_classes=[Phone, Screen, Control], host=host, events=events)
        runner = env.create_local_runner()
        load_before = os.getloadavg()
        cpu_before, database_cpu = server.cpu_seconds(), DatabaseCpu(args.database_url)
        started = time.perf_counter()
        runner.start(args.phones + 2, spawn_rate=(args.phones + 2) / args.arrival_seconds)
        deadline = started + args.arrival_seconds + 120
        while time.perf_counter() < deadline:
            server.sample()
            database_cpu.sample()
            gevent.sleep(0.5)
            if state["notes"] >= args.phones:
                gevent.sleep(2)
                break
        runner.quit()
        elapsed = time.perf_counter() - started
        cpu, database_seconds = server.cpu_seconds() - cpu_before, database_cpu.seconds()
        served = max(1, sum(entry.num_requests for entry in env.stats.entries.values()))
        endpoints = {
            name: {
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50": entry.get_response_time_percentile(0.50),
                "p95": entry.get_response_time_percentile(0.95),
                "max": round(entry.max_response_time or 0),
            }
            for (name, _method), entry in env.stats.entries.items()
        }
        # An answer is on the big screen once a count at least its rank has been shown.
        delays = []
        for rank, at in enumerate(sorted(answered), start=1):
            shown = next((when for when, count in seen if count >= rank and when >= at), None)
            if shown is not None:
                delays.append(shown - at)
        report = {
            "phones": args.phones,
            "database": sa.engine.make_url(args.database_url).get_backend_name(),
            "rate_limit_storage": "redis" if args.redis else "memory",
            "workers": args.workers,
            "threads": args.threads,
            "elapsed_s": round(elapsed, 1),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "worker_cpu_ms_per_request": round(cpu * 1000 / served, 2),
            "database_cpu_ms_per_request": None
            if database_seconds is None
            else round(database_seconds * 1000 / served, 2),
            "answer_to_screen_s": {
                "p50": percentile(delays, 0.5) and round(percentile(delays, 0.5), 2),
                "p95": percentile(delays, 0.95) and round(percentile(delays, 0.95), 2),
                "measured": len(delays),
            },
            "endpoints": endpoints,
            "errors": {f"{e.method} {e.name}: {e.error}": e.occurrences for e in env.stats.errors.values()},
            "stored": count_rows(args.database_url, plan),
            "peak_worker_rss_mb": round(max(server.peak_rss.values(), default=0) / 2**20),
        }
    finally:
        server.stop()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return report


if __name__ == "__main__":
    main()
