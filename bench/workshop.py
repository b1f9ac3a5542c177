"""Workshop bench (issue 15): phones join one live session within 60 s, answer a named poll and an
anonymous one and post a note, while one big screen and one control view follow live, all by
Server-Sent Events.

    .venv/bin/python bench/workshop.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_workshop \
        [--phones 300] [--redis redis://127.0.0.1:6379/14]

It makes a fresh schema in the given database (PostgreSQL: the database is dropped and created
again), a workspace with a named poll, an anonymous poll (k = 5) and a named notes wall, and a live
session run by a supervisor; starts the two servers of a deployment: gunicorn with `make serve`'s
settings for the pages (gunicorn.conf.py: 2 workers x 4 threads, gthread) and gunicorn with `make
serve-events`' settings for the event streams (gunicorn.events.conf.py: 1 gevent worker), both
with PROXY_FIX=1 and, with --redis, rate limits and the change events in Redis (without it the
two servers share nothing and the screens would wait for their backup poll: give --redis). Then,
with locust:

- phones arrive evenly over 60 s, each from its own address: GET /join?code=…, POST /join, the
  first GET /live, open the stream /live/events (held, reconnecting as a browser does), POST
  /live/answer; then on every "changed" of their stream they fetch GET /live?v=… (after a random
  wait of up to 2 s, as live.js spreads them) and answer the anonymous poll, or post one note,
  when the step asks for it, after 1..--think-seconds s of reading and typing (0: all at once);
- the big screen holds /present/<id>/events and fetches /present/<id>?v=… on every "changed",
  recording when each count appeared; when every phone has answered the named poll it moves to
  the anonymous poll and reveals it, when all its answers are published to the notes wall;
- the control view holds the same stream and fetches its fragment on every "changed".

Measured: p50/p95/max of joining (POST /join), answering and posting; the time from a phone's
named answer (its response) to the big screen showing a count that includes it (count ≥ rank);
for the anonymous poll, the time from the answer that fills a batch (the k-th, 2k-th, …) to the
big screen showing that batch published; errors; that the counts are exact (answers and notes in
the database = phones); the streams' events; the load average; CPU per request of both servers
and of PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import gevent  # noqa: I001  (locust patches the standard library through gevent on import)
import sqlalchemy as sa
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import BIN, SECRET_KEY, DatabaseCpu, Server, signed_session, wait_healthy  # noqa: E402

VERSION = re.compile(r'hx-get="[^"]*[?&;]v=([^"&]+)')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COUNT = re.compile(r'data-count="(\d+)"')
SPREAD_SECONDS = 2.0  # static/js/live.js: data-live-spread on the phone's page
PUBLISHED = re.compile(r'data-published="(\d+)"')


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
        secret = Activity(
            theme_id=theme.id,
            kind=ActivityKind.SINGLE_CHOICE,
            title={"fi": "Jaksatko?"},
            position=2,
            is_anonymous=True,
        )
        wall = Activity(theme_id=theme.id, kind=ActivityKind.NOTES, title={"fi": "Ideoita"}, position=3)
        db.session.add_all([poll, secret, wall])
        db.session.flush()
        options = [Option(activity_id=poll.id, position=i, label={"fi": f"Vaihtoehto {i}"}) for i in range(4)]
        secret_options = [Option(activity_id=secret.id, position=i, label={"fi": f"{i}"}) for i in range(3)]
        db.session.add_all(options + secret_options)
        db.session.flush()
        workshop = service.start(supervisor, ws, theme, [poll.id, secret.id, wall.id])
        token = sessions.start(supervisor, "bench")
        db.session.commit()
        plan = {
            "code": service.display_code(workshop.code),
            "workshop": workshop.id,
            "slug": ws.slug,
            "poll": poll.id,
            "secret": secret.id,
            "wall": wall.id,
            "options": [o.id for o in options],
            "secret_options": [o.id for o in secret_options],
            "k": ws.min_group_size,
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
        secret = connection.execute(
            sa.text("SELECT count(*) FROM answer WHERE activity_id = :a"), {"a": plan["secret"]}
        ).scalar()
        notes = connection.execute(
            sa.text("SELECT count(*) FROM note WHERE activity_id = :a"), {"a": plan["wall"]}
        ).scalar()
        guests = connection.execute(sa.text("SELECT count(*) FROM workshop_guest")).scalar()
        pooled = connection.execute(sa.text("SELECT count(*) FROM ballot")).scalar()
    engine.dispose()
    return {
        "named_answers": answers,
        "anonymous_answers_published": secret,
        "ballots_waiting": pooled,
        "notes": notes,
        "guests": guests,
    }


class Stream:
    """A browser's EventSource, in a greenlet: holds GET <path> on the events server, reconnects
    after the server's `retry` with Last-Event-ID, and puts each "changed" on a queue."""

    def __init__(self, address: tuple[str, int], path: str, headers: dict, stats: dict):
        from gevent.queue import Queue

        self.address, self.path, self.headers, self.stats = address, path, headers, stats
        self.events: Queue = Queue()
        self.last_id = ""
        self.stopped = False
        self.greenlet = gevent.spawn(self._run)

    def _run(self):
        while not self.stopped:
            retry = 3.0
            try:
                retry = self._once()
            except OSError as error:
                self.stats["stream_errors"].append(repr(error))
            if self.stopped or retry is None:
                return
            gevent.sleep(retry)

    def _once(self):
        headers = {**self.headers, "Accept": "text/event-stream"}
        if self.last_id:
            headers["Last-Event-ID"] = self.last_id
        lines = [f"GET {self.path} HTTP/1.0", f"Host: {self.address[0]}:{self.address[1]}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        connection = socket.create_connection(self.address, timeout=120)
        self.stats["connections"] += 1
        retry = 3.0
        try:
            connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            reader = connection.makefile("rb")
            status = reader.readline().split()
            code = int(status[1]) if len(status) > 1 else 0
            while reader.readline() not in (b"\r\n", b"\n", b""):
                pass  # the headers
            if code == 204:
                return None  # the session ended: a browser stops reconnecting
            if code != 200:
                self.stats["stream_errors"].append(f"status {code}")
                return retry
            event = None
            for raw in reader:
                line = raw.decode().rstrip("\n")
                if line.startswith("retry: "):
                    retry = int(line[7:]) / 1000
                elif line.startswith("id: "):
                    self.last_id = line[4:]
                elif line == "event: changed":
                    event = "changed"
                elif line == "" and event:
                    self.stats["events"] += 1
                    self.events.put(time.perf_counter())
                    event = None
                if self.stopped:
                    break
        finally:
            connection.close()
        return retry

    def stop(self):
        self.stopped = True
        self.greenlet.kill(block=False)


class EventsServer:
    """gunicorn with `make serve-events`' settings (gunicorn.events.conf.py: gevent)."""

    def __init__(self, database_url: str, bind: str, workers: int):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "PROXY_FIX": "1",
            "PYTHONPATH": str(ROOT),
        }
        command = [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.events.conf.py"),
            "--workers",
            str(workers),
            "--bind",
            bind,
            "--access-logfile",
            f"/tmp/bench-access-{bind.rsplit(':', 1)[-1]}.log",
            "ideaspace:create_app()",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)

    def cpu_seconds(self) -> float:
        import psutil

        try:
            master = psutil.Process(self.process.pid)
            total = master.cpu_times().children_user + master.cpu_times().children_system
            for worker in master.children():
                times = worker.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            return 0.0
        return total

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def classes(plan: dict, phones: int, events_address: tuple[str, int], think: float = 0):
    answered: list[float] = []  # when each phone's named answer response arrived (perf_counter)
    secret_answered: list[float] = []  # the same for the anonymous poll
    seen: list[tuple[float, int]] = []  # (when, count) as the big screen showed the named poll
    published: list[tuple[float, int]] = []  # (when, published) of the anonymous poll on screen
    state = {
        "step": "named",
        "notes": 0,
        "addresses": iter(range(1, 1 << 24)),
        "streams": [],
        "stats": {"connections": 0, "events": 0, "stream_errors": [], "stale_connection_retries": 0},
    }

    def open_stream(path: str, headers: dict) -> Stream:
        stream = Stream(events_address, path, headers, state["stats"])
        state["streams"].append(stream)
        return stream

    def stale(response, attempt: int) -> bool:
        """A kept-alive connection the server closed while the person was typing (gunicorn's
        keepalive is 5 s): no response at all. A browser sends the request again on a new
        connection; so does the bench, once, and counts it."""
        if response.status_code == 0 and attempt == 1:
            response.success()
            state["stats"]["stale_connection_retries"] += 1
            return True
        return False

    def workshop_cookie(client) -> str:
        for cookie in client.cookiejar:
            if cookie.name == "ideaspace_workshop":
                return f"ideaspace_workshop={cookie.value}"
        return ""

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
            stream_url = re.search(r'data-live-events="([^"]+)"', page.text or "")
            stream = open_stream(
                stream_url.group(1).replace("&amp;", "&") if stream_url else "/live/events",
                {**ip, "Cookie": workshop_cookie(self.client)},
            )
            headers = {**ip, "HX-Request": "true", "X-CSRFToken": csrf.group(1) if csrf else ""}
            option = plan["options"][n % len(plan["options"])]
            with self.client.post(
                "/live/answer",
                name="POST /live/answer (named)",
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
            done = {"secret": False, "note": False}
            while not (done["secret"] and done["note"]):
                stream.events.get()  # "changed": the facilitator moved
                gevent.sleep(random.uniform(0, SPREAD_SECONDS))  # as static/js/live.js spreads them
                with self.client.get(
                    f"/live?v={version}", name="GET /live (on changed)", headers=headers, catch_response=True
                ) as fetched:
                    if fetched.status_code == 204:
                        fetched.success()
                        continue
                    if fetched.status_code != 200:
                        fetched.failure(f"live: {fetched.status_code}")
                        continue
                    text = fetched.text or ""
                found = VERSION.search(text)
                version = found.group(1) if found else version
                if not done["secret"] and f"workshop-activity-{plan['secret']}-option" in text:
                    gevent.sleep(random.uniform(1, think) if think else 0)  # reading, choosing
                    choice = plan["secret_options"][n % len(plan["secret_options"])]
                    for attempt in (1, 2):
                        with self.client.post(
                            "/live/answer",
                            name="POST /live/answer (anonymous)",
                            headers=headers,
                            data={"option": str(choice)},
                            catch_response=True,
                        ) as response:
                            if stale(response, attempt):
                                continue
                            if response.status_code != 200 or "field__error" in (response.text or ""):
                                response.failure(f"anonymous answer: {response.status_code}")
                            else:
                                secret_answered.append(time.perf_counter())
                        break
                    done["secret"] = True
                elif not done["note"] and 'name="text"' in text:
                    gevent.sleep(random.uniform(1, think) if think else 0)  # writing
                    for attempt in (1, 2):
                        with self.client.post(
                            "/live/note",
                            name="POST /live/note",
                            headers=headers,
                            data={"text": f"Lisää taukoja {n}"},
                            catch_response=True,
                        ) as response:
                            if stale(response, attempt):
                                continue
                            if response.status_code != 200:
                                response.failure(f"note: {response.status_code}")
                            else:
                                state["notes"] += 1
                        break
                    done["note"] = True
            stream.stop()
            gevent.sleep(3600)

    cookie, csrf_token = signed_session(plan["token"])
    facilitator = {"Cookie": cookie, "X-CSRFToken": csrf_token, "X-Forwarded-For": "10.255.255.1"}

    def pace(client, action: str):
        client.post(
            f"/w/{plan['slug']}/workshops/{plan['workshop']}/pace",
            name=f"POST pace ({action})",
            headers=facilitator,
            data={"action": action, "next": "present"},
            allow_redirects=False,
        )

    class Screen(FastHttpUser):
        fixed_count = 1
        wait_time = constant(0)

        @task
        def follow(self):
            stream = open_stream(f"/present/{plan['workshop']}/events", facilitator)
            version = ""
            while True:
                stream.events.get()
                with self.client.get(
                    f"/present/{plan['workshop']}?v={version}",
                    name="GET /present (on changed)",
                    headers={**facilitator, "HX-Request": "true"},
                    catch_response=True,
                ) as response:
                    if response.status_code == 204:
                        response.success()
                        continue
                    if response.status_code != 200:
                        response.failure(f"present: {response.status_code}")
                        continue
                    text = response.text or ""
                now = time.perf_counter()
                found = VERSION.search(text)
                version = found.group(1) if found else ""
                count = COUNT.search(text)
                count = int(count.group(1)) if count else 0
                if state["step"] == "named":
                    seen.append((now, count))
                    if count >= phones:
                        state["step"] = "anonymous"
                        pace(self.client, "next")
                        pace(self.client, "reveal")
                elif state["step"] == "anonymous":
                    shown = PUBLISHED.search(text)
                    if shown and "presenter__bars" in text:
                        published.append((now, int(shown.group(1))))
                        # All answered, and what waits is fewer than k: batches are "at least
                        # k", so a remainder below k (299 published, 1 waiting) stays in the box.
                        if count >= phones and count - int(shown.group(1)) < plan["k"]:
                            state["step"] = "notes"
                            pace(self.client, "next")
                            pace(self.client, "reveal")

    class Control(FastHttpUser):
        fixed_count = 1
        wait_time = constant(0)

        @task
        def follow(self):
            stream = open_stream(f"/present/{plan['workshop']}/events", facilitator)
            version = ""
            while True:
                stream.events.get()
                with self.client.get(
                    f"/w/{plan['slug']}/workshops/{plan['workshop']}?v={version}",
                    name="GET control (on changed)",
                    headers={**facilitator, "HX-Request": "true"},
                    catch_response=True,
                ) as response:
                    if response.status_code == 204:
                        response.success()
                        continue
                    if response.status_code != 200:
                        response.failure(f"control: {response.status_code}")
                        continue
                    found = VERSION.search(response.text or "")
                    version = found.group(1) if found else ""

    return Phone, Screen, Control, answered, secret_answered, seen, published, state


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
    parser.add_argument("--events-bind", default="127.0.0.1:8766")
    parser.add_argument("--events-workers", type=int, default=1)
    # People read the question and type: each phone waits 1..N s (uniform) before answering the
    # anonymous poll and before posting its note; 0 makes all 300 answer at the same instant.
    parser.add_argument("--think-seconds", type=float, default=10)
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)

    plan = prepare(args.database_url)
    if args.redis:
        os.environ["REDIS_URL"] = args.redis
    server = Server(args.database_url, args.bind, args.workers, args.threads)
    events_server = EventsServer(args.database_url, args.events_bind, args.events_workers)
    host = f"http://{args.bind}"
    events_host, events_port = args.events_bind.rsplit(":", 1)
    try:
        wait_healthy(host)
        wait_healthy(f"http://{args.events_bind}")
        Phone, Screen, Control, answered, secret_answered, seen, published, state = classes(
            plan, args.phones, (events_host, int(events_port)), args.think_seconds
        )
        env = Environment(user_classes=[Phone, Screen, Control], host=host, events=events)
        runner = env.create_local_runner()
        load_before = os.getloadavg()
        cpu_before, database_cpu = server.cpu_seconds(), DatabaseCpu(args.database_url)
        events_cpu_before = events_server.cpu_seconds()
        started = time.perf_counter()
        runner.start(args.phones + 2, spawn_rate=(args.phones + 2) / args.arrival_seconds)
        deadline = started + args.arrival_seconds + 180
        while time.perf_counter() < deadline:
            server.sample()
            database_cpu.sample()
            gevent.sleep(0.5)
            if state["notes"] >= args.phones:
                gevent.sleep(2)
                break
        for stream in state["streams"]:
            stream.stop()
        runner.quit()
        elapsed = time.perf_counter() - started
        cpu, database_seconds = server.cpu_seconds() - cpu_before, database_cpu.seconds()
        events_cpu = events_server.cpu_seconds() - events_cpu_before
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
        # The anonymous poll: from the answer that filled a batch (rank k, 2k, …) to the big screen
        # showing at least that many published.
        batch_delays = []
        for rank, at in enumerate(sorted(secret_answered), start=1):
            if rank % plan["k"]:
                continue
            shown = next((when for when, count in published if count >= rank and when >= at), None)
            if shown is not None:
                batch_delays.append(shown - at)
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
            "events_workers": args.events_workers,
            "think_seconds": args.think_seconds,
            "events_cpu_s": round(events_cpu, 2),
            "answer_to_screen_s": {
                "p50": percentile(delays, 0.5) and round(percentile(delays, 0.5), 2),
                "p95": percentile(delays, 0.95) and round(percentile(delays, 0.95), 2),
                "max": delays and round(max(delays), 2),
                "measured": len(delays),
            },
            "kth_answer_to_batch_on_screen_s": {
                "p50": percentile(batch_delays, 0.5) and round(percentile(batch_delays, 0.5), 2),
                "p95": percentile(batch_delays, 0.95) and round(percentile(batch_delays, 0.95), 2),
                "max": batch_delays and round(max(batch_delays), 2),
                "batches": len(batch_delays),
            },
            "streams": {
                "connections": state["stats"]["connections"],
                "changed_events": state["stats"]["events"],
                "errors": state["stats"]["stream_errors"][:10],
            },
            "stale_connection_retries": state["stats"]["stale_connection_retries"],
            "endpoints": endpoints,
            "errors": {f"{e.method} {e.name}: {e.error}": e.occurrences for e in env.stats.errors.values()},
            "stored": count_rows(args.database_url, plan),
            "peak_worker_rss_mb": round(max(server.peak_rss.values(), default=0) / 2**20),
        }
    finally:
        server.stop()
        events_server.stop()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return report


if __name__ == "__main__":
    main()
