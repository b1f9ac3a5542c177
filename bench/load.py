"""Load benchmark: gunicorn serving the generated data, loaded by locust (headless, in-process).

    .venv/bin/python bench/load.py --database-url sqlite:///$PWD/instance/bench.sqlite3 [--out results.json]

It starts gunicorn itself (`bench.ceiling:create_app()`: the real app plus the three ceiling endpoints)
with the production settings of `make serve` (2 workers x 4 threads, PROXY_FIX=1, rate limits in
Redis when REDIS_URL is set), then runs:

1. per endpoint, 16 concurrent clients with no think time for --seconds: the throughput and the
   p50/p95/p99 latency of the ceiling endpoints (/_ceiling/text, /_ceiling/page, /_ceiling/insert)
   and of the pages (workspace, theme, idea barrel, results fragment, statistics, programme
   preview), and of answering a poll: each client answers as one participant after another, each
   person every single-choice poll of the workspace they have not answered yet (never a pair
   answered before, so every answer is a first answer, 200). The participants' session cookies
   (and CSRF tokens) are signed by the bench with the server's SECRET_KEY, as /login would set
   them: this run measures answering, not signing in (the burst measures that). The production
   rate limits stay on: a person answers at most the 19 polls they have left, under the posting
   limit (30/minute per person), so no answer is refused with 429; a refused answer is counted as
   a failure with its reason. (Signing the next person in through /login, as this run once did,
   kept the previous person's session, since /login redirects whoever is signed in: the rest of
   the run answered as that one person, 422 "already answered" and 429 past 30 a minute.);
2. the full programme export (DOCX and XLSX), one client at a time;
3. steady browsing: 16 signed-in clients (the workspace's moderator) moving through the pages with
   0.5-1.5 s think time;
4. the workshop burst: 300 participants arrive within 60 s; each signs in, opens the theme, answers
   the poll and comments (htmx), once.

Every simulated person comes from their own address (X-Forwarded-For, trusted through PROXY_FIX=1),
as they would through a reverse proxy, so the per-address sign-in limit sees them apart. During
every run the gunicorn workers' RSS and USS are sampled; the machine's load average is recorded before and
after. The data must come from bench/generate.py (password `bench-password`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import gevent  # noqa: I001  (locust patches the standard library through gevent on import)
import psutil
import sqlalchemy as sa
from locust import FastHttpUser, between, constant, events, task  # noqa: F401
from locust.env import Environment
from locust.exception import StopUser

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
PASSWORD = "bench-password"
SECRET_KEY = "bench-secret-key"  # the server's; the answer run signs its participants' sessions with it
SLUG = "bench-1"


# --- the plan: who and what, read from the generated database ----------------------------------


def plan(database_url: str, burst: int) -> dict:
    sys.path.insert(0, str(ROOT))  # run as a script: bench/ is not a package on the path
    from bench.sessions import sessions_for

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        ws_id = conn.execute(sa.text("SELECT id FROM workspace WHERE slug = :s"), {"s": SLUG}).scalar_one()
        moderator = conn.execute(
            sa.text(
                'SELECT u.email FROM membership m JOIN "user" u ON u.id = m.user_id '
                "WHERE m.workspace_id = :w AND m.role = 'moderator' ORDER BY u.id LIMIT 1"
            ),
            {"w": ws_id},
        ).scalar_one()
        themes = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT id FROM theme WHERE workspace_id = :w ORDER BY position"), {"w": ws_id}
            )
        ]
        activities = conn.execute(
            sa.text(
                "SELECT a.id, a.kind, a.theme_id FROM activity a JOIN theme t ON t.id = a.theme_id "
                "WHERE t.workspace_id = :w AND a.status = 'open' ORDER BY a.id"
            ),
            {"w": ws_id},
        ).all()
        options = {}
        for option_id, activity_id in conn.execute(sa.text('SELECT id, activity_id FROM "option"')):
            options.setdefault(activity_id, []).append(option_id)
        members = [
            r[0]
            for r in conn.execute(
                sa.text(
                    'SELECT u.id FROM membership m JOIN "user" u ON u.id = m.user_id '
                    "WHERE m.workspace_id = :w AND m.role = 'participant' ORDER BY u.id"
                ),
                {"w": ws_id},
            )
        ]
        answered = set(conn.execute(sa.text("SELECT activity_id, user_id FROM respondent")).all())
        emails = dict(conn.execute(sa.text('SELECT id, email FROM "user"')).all())
    engine.dispose()
    polls = [(a, t) for a, k, t in activities if k == "single_choice"]
    discussions = {t: a for a, k, t in reversed(activities) if k == "discussion"}
    # The burst's poll: the one the fewest members have answered; its theme's discussion, if any.
    burst_poll, burst_theme = min(polls, key=lambda p: sum((p[0], m) in answered for m in members))
    fresh = [m for m in members if (burst_poll, m) not in answered]
    # Answer throughput: every (participant, poll) pair nobody has used yet, grouped by participant
    # (by their session's user id); the burst's people are kept for the burst.
    burst_people = set(fresh[:burst])
    answering = [m for m in members if m not in burst_people]
    # What a signed-in cookie carries (Flask-Login's user id): the token of a real session row,
    # made through ideaspace.auth.sessions as signing in makes it (bench/sessions.py).
    tokens = sessions_for(database_url, answering)
    answer_pairs = {
        tokens[m]: [(a, random.Random(a).choice(options[a])) for a, _ in polls if (a, m) not in answered]
        for m in answering
    }
    return {
        "moderator": moderator,
        "themes": themes,
        "polls": [a for a, _t in polls],
        "burst": {
            "poll": burst_poll,
            "theme": burst_theme,
            "option": options[burst_poll][0],
            "discussion": discussions.get(burst_theme) or next(iter(discussions.values())),
            "people": [emails[m] for m in fresh[:burst]],
        },
        "answer_pairs": answer_pairs,
    }


# --- the simulated people --------------------------------------------------------------------------


class Person(FastHttpUser):
    abstract = True
    plan: dict = {}
    # A new address per person signed in; a random start, so that runs within the same hour do not
    # meet each other's per-address limits in Redis.
    _address = iter(range(random.randrange(1 << 23), 1 << 24))

    started = 0  # people who have begun (per run: the class is made per run)
    ready = 0  # people signed in and about to start measuring

    def on_start(self):
        type(self).started += 1
        self.new_address()
        self.csrf = ""

    def new_address(self):
        n = next(Person._address)
        self.client_ip = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def headers(self, htmx=False):
        headers = {"X-Forwarded-For": self.client_ip}
        if htmx:
            headers["HX-Request"] = "true"
        if self.csrf:
            headers["X-CSRFToken"] = self.csrf
        return headers

    def sign_in(self, email: str):
        # A new person starts with no cookies: a session still signed in would make /login redirect
        # without signing anyone in, and the next requests would be the previous person's.
        self.client.cookiejar.clear()
        self.new_address()
        page = self.client.get("/login", name="GET /login", headers=self.headers())
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text or "")
        if token is None:
            raise StopUser()  # the sign-in page failed (counted); this person gives up
        token = token.group(1)
        with self.client.post(
            "/login",
            name="POST /login (sign in)",
            headers=self.headers(),
            allow_redirects=False,
            data={"email": email, "password": PASSWORD, "csrf_token": token, "next": ""},
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in refused: {response.status_code}")
        self.csrf = ""
        found = CSRF.search(
            self.client.get(f"/w/{SLUG}/", name="workspace", headers=self.headers()).text or ""
        )
        if found is None:
            raise StopUser()
        self.csrf = found.group(1)


def signed_session(token: str) -> tuple[str, str]:
    """The session cookie and CSRF token of a person signed in (as /login would leave them), signed
    with the server's SECRET_KEY, so that the answer run measures answering and not signing in
    (scrypt, ~50 ms CPU; the burst measures that). Not fresh: nothing in it changes per request."""
    import hashlib

    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import URLSafeTimedSerializer

    app = Flask("bench")
    app.secret_key = SECRET_KEY
    raw_token = hashlib.sha1(os.urandom(64)).hexdigest()
    session = {"_user_id": token, "_fresh": False, "csrf_token": raw_token}
    cookie = SecureCookieSessionInterface().get_signing_serializer(app).dumps(session)
    return f"session={cookie}", URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token").dumps(raw_token)


def refusal(html: str | None) -> str:
    """The message of a refused answer (the panel's alert), to tell the reasons apart."""
    found = re.search(r'role="alert"[^>]*>(.*?)</div>', html or "", re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()[:100] if found else ""


def pages(plan_: dict) -> dict:
    themes, polls = plan_["themes"], plan_["polls"]
    return {
        "workspace": lambda: f"/w/{SLUG}/",
        "theme": lambda: f"/w/{SLUG}/themes/{random.choice(themes)}",
        "idea barrel": lambda: f"/w/{SLUG}/ideas",
        "results (htmx)": lambda: f"/w/{SLUG}/activities/{random.choice(polls)}/results",
        "statistics": lambda: f"/w/{SLUG}/statistics",
        "programme preview": lambda: f"/w/{SLUG}/programme/preview",
    }


def endpoint_user(name: str, plan_: dict):
    """A class of clients that request one endpoint as fast as they can."""
    targets = pages(plan_)

    class One(Person):
        wait_time = constant(0)

        def on_start(self):
            super().on_start()
            if name == "answer a poll":
                self.pairs = []
            elif not name.startswith("ceiling"):
                self.sign_in(plan_["moderator"])
            type(self).ready += 1

        @task
        def hit(self):
            if name == "ceiling: text":
                self.client.get("/_ceiling/text", name=name, headers=self.headers())
            elif name == "ceiling: page":
                self.client.get("/_ceiling/page", name=name, headers=self.headers())
            elif name == "ceiling: insert":
                self.client.post("/_ceiling/insert", name=name, headers=self.headers())
            elif name == "answer a poll":
                while not self.pairs:  # the next participant, with a signed session of their own
                    if not plan_["answer_pairs"]:
                        raise StopUser()
                    token, self.pairs = plan_["answer_pairs"].popitem()
                    self.new_address()
                    self.cookie, self.csrf = signed_session(token)
                activity, option = self.pairs.pop()
                self.client.cookiejar.clear()
                with self.client.post(
                    f"/w/{SLUG}/activities/{activity}/answer",
                    name=name,
                    headers={**self.headers(htmx=True), "Cookie": self.cookie},
                    data={"option": str(option)},
                    catch_response=True,
                ) as response:
                    if response.status_code != 200:
                        response.failure(f"{response.status_code}: {refusal(response.text)}")
            elif name.startswith("export"):
                self.client.get(f"/w/{SLUG}/export.{name.split('.')[-1]}", name=name, headers=self.headers())
            else:
                self.client.get(targets[name](), name=name, headers=self.headers(htmx="htmx" in name))

    One.__name__ = re.sub(r"\W", "_", name)
    return One


def browsing_user(plan_: dict):
    targets = pages(plan_)

    class Browser(Person):
        wait_time = between(0.5, 1.5)

        def on_start(self):
            super().on_start()
            self.sign_in(plan_["moderator"])
            type(self).ready += 1

        @task
        def browse(self):
            name = random.choice(list(targets))
            self.client.get(
                targets[name](), name=f"browse: {name}", headers=self.headers(htmx="htmx" in name)
            )

    return Browser


def burst_user(plan_: dict):
    burst = plan_["burst"]
    people = list(burst["people"])
    if len(people) < 1:
        raise SystemExit("no participant is left who has not answered the burst's poll: regenerate the data")

    class Participant(Person):
        wait_time = constant(0)
        finished = 0

        @task
        def take_part(self):
            if not people:  # everyone has taken part: stay idle (locust would replace a stopped user)
                gevent.sleep(3600)
                return
            self.sign_in(people.pop())
            self.client.get(f"/w/{SLUG}/themes/{burst['theme']}", name="burst: theme", headers=self.headers())
            with self.client.post(
                f"/w/{SLUG}/activities/{burst['poll']}/answer",
                name="burst: answer",
                headers=self.headers(htmx=True),
                data={"option": str(burst["option"])},
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"answer: {response.status_code}")
            with self.client.post(
                f"/w/{SLUG}/comments/activity/{burst['discussion']}",
                name="burst: comment",
                headers=self.headers(htmx=True),
                data={"body": "Hyvä työpaja, kiitos!"},
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"comment: {response.status_code}")
            type(self).finished += 1
            gevent.sleep(3600)

    return Participant


# --- running ---------------------------------------------------------------------------------------


class Server:
    """gunicorn with the settings of `make serve`, and its workers' memory."""

    def __init__(self, database_url: str, bind: str, workers: int, threads: int):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "PROXY_FIX": "1",
            "PYTHONPATH": str(ROOT),
        }
        # `make serve`'s settings (gunicorn.conf.py: preloaded app, gc.freeze, timeouts, recycling); the
        # workers, threads and address of this run, and an access log file per port instead of stdout.
        self.command = [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            bind,
            "--access-logfile",
            f"/tmp/bench-access-{bind.rsplit(':', 1)[-1]}.log",
            "bench.ceiling:create_app()",
        ]
        self.database_url = database_url
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, start_new_session=True)
        # Per worker: peak RSS (shared pages of the preloaded master included) and peak USS (its own).
        self.peak_rss: dict[int, int] = {}
        self.peak_uss: dict[int, int] = {}

    def workers(self):
        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []

    def sample(self):
        for worker in self.workers():
            try:
                memory = worker.memory_full_info()
            except psutil.NoSuchProcess:
                continue
            self.peak_rss[worker.pid] = max(self.peak_rss.get(worker.pid, 0), memory.rss)
            self.peak_uss[worker.pid] = max(self.peak_uss.get(worker.pid, 0), memory.uss)

    def cpu_seconds(self) -> float:
        """CPU time of the workers so far, those that have exited (--max-requests) included."""
        try:
            master = psutil.Process(self.process.pid).cpu_times()
        except psutil.NoSuchProcess:
            return 0.0
        total = master.children_user + master.children_system
        for worker in self.workers():
            try:
                times = worker.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


class DatabaseCpu:
    """CPU time of the PostgreSQL backends serving this database while measuring (nothing for
    SQLite, which runs inside the workers). Sampled every half second, per backend: a backend that
    ends meanwhile (a recycled worker's connections) keeps what it used up to its last sample, one
    that starts counts from zero."""

    def __init__(self, database_url: str):
        self.name = f" {sa.engine.make_url(database_url).database} "
        self.enabled = database_url.startswith("postgres")
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        if self.enabled:
            self.start = self._backends()
            self.last = dict(self.start)

    def _backends(self) -> dict[int, float]:
        seen = {}
        for process in psutil.process_iter(["cmdline"]):
            try:
                if self.name in " ".join(process.info["cmdline"] or ()) + " ":
                    times = process.cpu_times()
                    seen[process.pid] = times.user + times.system
            except psutil.Error:
                continue
        return seen

    def sample(self):
        if self.enabled:
            self.last.update(self._backends())

    def seconds(self) -> float | None:
        if not self.enabled:
            return None
        self.sample()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())


def wait_healthy(host: str, seconds: float = 60):
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{host}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not become healthy")


def run(
    user_class, host: str, users: int, spawn_rate: float, seconds: float, server: Server, warm: bool = True
) -> dict:
    """Start `users`; with `warm`, measure only once all have signed in, for `seconds`; without,
    measure everything until every person has finished (or `seconds` have passed).

    Besides throughput and latency, the CPU time the workers (and PostgreSQL's backends for this
    database) spent per request while measuring: unlike req/s, it hardly depends on what else the
    machine runs."""
    env = Environment(user_classes=[user_class], host=host, events=events)
    runner = env.create_local_runner()
    load_before = os.getloadavg()[0]
    runner.start(users, spawn_rate=spawn_rate)
    if warm:
        limit = time.perf_counter() + 180
        while user_class.ready < users and time.perf_counter() < limit:
            gevent.sleep(0.2)
        env.stats.reset_all()
    cpu_before, database_cpu = server.cpu_seconds(), DatabaseCpu(server.database_url)
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        server.sample()
        database_cpu.sample()
        gevent.sleep(0.5)
        if not warm and getattr(user_class, "finished", 0) >= users:
            break
    runner.quit()
    elapsed = time.perf_counter() - started
    cpu, database_seconds = server.cpu_seconds() - cpu_before, database_cpu.seconds()
    served = max(1, sum(entry.num_requests for entry in env.stats.entries.values()))
    database = None if database_seconds is None else round(database_seconds * 1000 / served, 2)
    results = {}
    for (name, _method), entry in env.stats.entries.items():
        duration = (
            max(entry.last_request_timestamp - entry.start_time, 1e-9) if entry.num_requests > 1 else elapsed
        )
        results[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.num_requests / duration, 1),
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": round(entry.max_response_time or 0),
        }
    errors = {f"{e.method} {e.name}: {e.error}": e.occurrences for e in env.stats.errors.values()}
    return {
        "elapsed_s": round(elapsed, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "worker_cpu_ms_per_request": round(cpu * 1000 / served, 2),
        "database_cpu_ms_per_request": database,
        "endpoints": results,
        "errors": errors,
    }


ENDPOINTS = [
    "ceiling: text",
    "ceiling: page",
    "ceiling: insert",
    "workspace",
    "theme",
    "idea barrel",
    "results (htmx)",
    "statistics",
    "programme preview",
    "answer a poll",
]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bind", default="127.0.0.1:8765")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument(
        "--only", nargs="*", help="endpoint names to run (default: all), or 'browse', 'burst', 'export'"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    plan_ = plan(args.database_url, args.burst)
    host = f"http://{args.bind}"
    server = Server(args.database_url, args.bind, args.workers, args.threads)
    report = {
        "command": " ".join(sys.argv),
        "server": " ".join(server.command[1:]),
        "workers": args.workers,
        "threads": args.threads,
        "users": args.users,
        "runs": {},
    }
    wanted = set(args.only or ENDPOINTS + ["export", "browse", "burst"])

    def save():
        server.sample()
        report["worker_peak_rss_mb"] = sorted(round(v / 2**20, 1) for v in server.peak_rss.values())
        report["worker_peak_uss_mb"] = sorted(round(v / 2**20, 1) for v in server.peak_uss.values())
        if args.out:
            args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    try:
        wait_healthy(host)
        for name in ENDPOINTS:
            if name in wanted:
                print(f"-- {name}", flush=True)
                report["runs"][name] = run(
                    endpoint_user(name, plan_), host, args.users, args.users, args.seconds, server
                )
                save()
        if "export" in wanted:
            for fmt in ("docx", "xlsx"):
                print(f"-- export.{fmt}", flush=True)
                report["runs"][f"export.{fmt}"] = run(
                    endpoint_user(f"export.{fmt}", plan_), host, 1, 1, 15, server
                )
                save()
        if "browse" in wanted:
            print("-- steady browsing", flush=True)
            report["runs"]["browse"] = run(browsing_user(plan_), host, args.users, args.users, 60, server)
            save()
        if "burst" in wanted:
            print(f"-- workshop burst: {args.burst} participants within 60 s", flush=True)
            report["runs"]["burst"] = run(
                burst_user(plan_), host, args.burst, args.burst / 60, 180, server, warm=False
            )
    finally:
        save()
        server.stop()
    print_table(report)


def print_table(report: dict):
    print(
        f"\n{'endpoint':42} {'req':>6} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  load"
        "        CPU ms/req: workers, database"
    )
    for run_name, result in report["runs"].items():
        database = result.get("database_cpu_ms_per_request")
        for name, e in result["endpoints"].items():
            if not e["requests"]:
                continue
            print(
                f"{run_name + ' / ' + name:42.42} {e['requests']:6d} {e['failures']:5d} {e['rps']:7.1f} "
                f"{e['p50']:6.0f} {e['p95']:6.0f} {e['p99']:6.0f}  "
                f"{result['load_before']}->{result['load_after']}  "
                f"{result.get('worker_cpu_ms_per_request', '')} {'' if database is None else database}"
            )
        for error, n in result["errors"].items():
            print(f"   ! {n} x {error[:120]}")
    print(f"worker peak RSS (MB): {report['worker_peak_rss_mb']}")
    print(f"worker peak USS (MB, its own memory): {report.get('worker_peak_uss_mb')}")


if __name__ == "__main__":
    main()
